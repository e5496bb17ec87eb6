#pragma once
// Composing a slice view's picture off the GUI thread. The GUI thread takes a ComposeInput
// snapshot (the plane, the levels, the layers' display settings, a lookup that keeps the
// loader alive); composeView turns it into the reference slice, each layer's values and the
// layers' RGBA image with the same functions the views always used (composeSlice,
// composeLayerSlice, paintLayer), so the pixels are identical; the GUI thread only uploads the
// result to VTK. ComposeWorker runs one view's requests on its own thread: a request replaces
// one still waiting (only the newest is composed), and every result carries its generation so
// the view can drop results overtaken by a newer request.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "data/slice_composer.h"
#include "layers/layer.h"
#include "layers/layer_slice.h"

namespace nzviewer {

struct ComposeInput {
  std::shared_ptr<const nz::Dataset> dataset;  // the reference
  ViewAxes axes;
  std::array<double, 3> spacing{1, 1, 1};
  nz::SlicePlane plane;
  int level = 0;
  std::int64_t channel = 0, time = 0;
  double normalPosition = 0;  // crosshair along the view's normal (level-0 voxels)
  ChunkLookup lookup;
  ChunkSet failed;  // a copy
  struct LayerInput {
    std::shared_ptr<const Layer> layer;  // a copy of the layer as it was when requested
    int level = 0;
  };
  std::vector<LayerInput> layers;  // visible layers overlapping the reference, bottom to top
};

struct ComposeOutput {
  ComposedSlice slice;
  std::vector<std::pair<int, LayerSlice>> layerSlices;
  std::vector<std::uint8_t> rgba;  // width x height x 4; empty when no layer is drawn
};

// Pure: the same inputs give the same pixels on any thread.
ComposeOutput composeView(const ComposeInput& in);

class ComposeWorker {
 public:
  using Deliver = std::function<void(std::uint64_t generation, ComposeOutput out)>;
  // `deliver` runs on the worker thread (post it to the GUI thread from there). The destructor
  // joins after at most the compose in progress; requests still waiting are dropped.
  explicit ComposeWorker(Deliver deliver);
  ~ComposeWorker();
  void submit(ComposeInput in, std::uint64_t generation);
  // The receiver took (applied or dropped) the last result: the worker composes the next one
  // only then, so at most one result per view waits in the event queue (memory stays bounded
  // while the GUI thread is busy, and no work is done for results nobody will see).
  void resultTaken();

 private:
  void run();
  Deliver deliver_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::pair<ComposeInput, std::uint64_t>> pending_;
  std::vector<ComposeInput> discard_;  // overtaken requests, released on the worker thread
  bool stop_ = false;
  bool delivered_ = false;  // a result is on its way to the receiver
  std::thread thread_;
};

}  // namespace nzviewer
