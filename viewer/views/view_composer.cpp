#include "views/view_composer.h"

#include <vtkLookupTable.h>
#include <vtkNew.h>

#include "model/colormaps.h"

namespace nzviewer {

ComposeOutput composeView(const ComposeInput& in) {
  ComposeOutput out;
  if (!in.dataset) return out;
  out.slice =
      composeSlice(*in.dataset, in.axes, in.plane, in.level, in.channel, in.lookup, in.failed);
  if (in.layers.empty() || out.slice.width <= 0 || out.slice.height <= 0) return out;
  const PlaneGrid grid = planeGridOf(out.slice, in.axes, in.spacing, in.normalPosition);
  const nz::Matrix4& refAffine = in.dataset->info().levels[0].affine;
  vtkNew<vtkLookupTable> lut;  // an image layer's colour map (this thread's own)
  out.rgba.assign(static_cast<std::size_t>(out.slice.width) * out.slice.height * 4, 0);
  for (const auto& [layer, level] : in.layers) {
    LayerSlice ls =
        composeLayerSlice(*layer, refAffine, grid, level, in.time, in.lookup, in.failed);
    if (layer->kind == LayerKind::Image)
      fillLookupTable(lut, layer->display.colormap, layer->display.low, layer->display.high);
    paintLayer(*layer, ls, lut, out.rgba);
    out.layerSlices.emplace_back(layer->id, std::move(ls));
  }
  return out;
}

ComposeWorker::ComposeWorker(Deliver deliver)
    : deliver_(std::move(deliver)), thread_([this] { run(); }) {}

ComposeWorker::~ComposeWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void ComposeWorker::submit(ComposeInput in, std::uint64_t generation) {
  {
    std::lock_guard lock(mutex_);
    // An older request still waiting is never composed. The worker releases it: its lookup
    // may hold the last reference to a retired loader, whose destructor may wait on the network.
    if (pending_) discard_.push_back(std::move(pending_->first));
    pending_.emplace(std::move(in), generation);
  }
  wake_.notify_one();
}

void ComposeWorker::resultTaken() {
  {
    std::lock_guard lock(mutex_);
    delivered_ = false;
  }
  wake_.notify_one();
}

void ComposeWorker::run() {
  for (;;) {
    std::optional<std::pair<ComposeInput, std::uint64_t>> job;
    std::vector<ComposeInput> discard;
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || (pending_ && !delivered_) || !discard_.empty(); });
      discard.swap(discard_);
      stop = stop_;
      if (!delivered_) job.swap(pending_);
    }
    discard.clear();
    if (stop) return;  // `job` is released here too, on this thread
    if (!job) continue;
    ComposeOutput out = composeView(job->first);
    const std::uint64_t generation = job->second;
    job.reset();  // drop the snapshot before handing the result over
    {
      std::lock_guard lock(mutex_);
      delivered_ = true;
    }
    deliver_(generation, std::move(out));
  }
}

}  // namespace nzviewer
