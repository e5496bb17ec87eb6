#pragma once
// The viewer's only path to voxel data: opens the reference dataset and any number of layers
// over it (a label map, a second scan) off the GUI thread, owns the session's one streaming
// ChunkLoader and its one byte-budgeted cache for all of them, turns view changes into one
// request generation covering every visible layer, and tells the views when chunks arrived
// (they compose from the loader's cache, where the chunks on screen are kept). The GUI thread
// never waits on the network or on decoding.
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "data/slice_composer.h"
#include "layers/layer.h"
#include "loader/chunk_loader.h"
#include "loader/slice_request.h"
#include "store/store_options.h"

namespace nzviewer {

class DataSource : public QObject {
  Q_OBJECT
 public:
  explicit DataSource(QObject* parent = nullptr);
  ~DataSource() override;

  // Starts opening `uri` on a worker thread (metadata only). Emits opened() or openFailed().
  // `alreadyOpened` (from the open dialog's Test connection) is taken as is instead of opening
  // `uri` again.
  void open(const QString& uri, const nz::StoreOptions& options,
            std::shared_ptr<nz::Dataset> alreadyOpened = nullptr);
  void close();
  bool isOpen() const { return dataset_ != nullptr; }
  bool isOpening() const { return opening_; }
  std::shared_ptr<nz::Dataset> dataset() const { return dataset_; }
  QString uri() const { return uri_; }
  double openSeconds() const { return openSeconds_; }

  // What one view shows: the reference plane at the level the view chose (`reference.level`,
  // -1: screen-matched here) and, per layer id, the level it chose for that layer.
  struct ViewRequest {
    nz::ViewSlice reference;
    std::vector<std::pair<int, int>> layerLevels;  // layer id -> level (missing: screen-matched)
  };
  // A new view generation for the reference and every visible layer: replaces every earlier
  // request. The levels come down from the views; nothing comes back up. The rule: the level
  // shown is the level fetched (plus the coarsest, for a first picture after one round trip);
  // prefetch (neighbouring slices, the next finer level) starts only once that set is
  // complete, within prefetchBudget() bytes per view change, and is the first cancelled.
  void setViews(const std::vector<ViewRequest>& views);
  // Decoded bytes of prefetch per view change (0: none). Default: loadPrefetchBudget().
  void setPrefetchBudget(std::size_t bytes);
  std::size_t prefetchBudget() const { return prefetchBudget_; }
  // The chunks the views display now (reference and layers at the levels the views chose,
  // plus each coarsest level), their stored bytes as fetched (0 for chunks not cached yet).
  struct Displayed {
    std::size_t chunks = 0;
    std::uint64_t storedBytes = 0;
  };
  Displayed displayed() const;
  // Standing requests of views that are not slices (the 3D view's whole-level chunks): they
  // join every generation setViews makes, and replacing them re-issues the last slice views
  // with the new set at once (so neither side drops the other's chunks). Empty to clear.
  void setVolumeRequests(std::vector<nz::ChunkRequest> requests);

  // A delivered chunk of any open dataset, from the loader's cache (nullptr when absent).
  nz::SharedVolume cachedChunk(const nz::ChunkKey& key) const;
  // Safe on any thread, also after the dataset is replaced (it holds the loader it was made with).
  ChunkLookup chunkLookup() const;
  // Snapshot of the reference's chunks in the cache (one level, or all when level < 0):
  // O(cache), for statistics and tests.
  ChunkMap chunks(int level = -1) const;
  // Number of cached chunks of any dataset (a removed layer's must be 0): O(cache), for tests.
  std::size_t cachedChunksOf(const nz::Dataset* dataset) const {
    return loader_ ? loader_->cachedChunks(dataset).size() : 0;
  }
  const ChunkSet& failed() const { return failed_; }
  nz::LoaderMetrics metrics() const;
  std::size_t chunkBytesHeld() const;  // the cache's bytes (all layers)

  // Layers over the reference, bottom to top. addLayer opens `uri` on a worker thread (metadata
  // and the label table file) and emits layersChanged() when it is added, or layerFailed() with
  // one clear message (float data opened as labels, a bad label table naming its line, no
  // reference open...). A layer whose world extent misses the reference is added, drawn nowhere,
  // and reported with layerWarning(). Returns the layer's id.
  int addLayer(const QString& uri, const nz::StoreOptions& options, LayerKind kind,
               const QString& labelTablePath = {});
  void removeLayer(int id);           // its queued fetches are dropped, running ones ignored
  void moveLayer(int id, int delta);  // towards the top (+) or bottom (-)
  // Puts the layers in this order, bottom first (ids not open are ignored, open layers not
  // listed keep their place at the top): the layer panel's drag and drop.
  void setLayerOrder(const std::vector<int>& idsBottomFirst);
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
  Layer* layer(int id) const;
  int layersOpening() const { return static_cast<int>(openingLayers_.size()); }
  // Chunk requests of the layers in the last setViews (statistics, tests).
  std::size_t lastLayerRequests() const { return lastLayerRequests_; }
  // Display settings changed (opacity, table, visibility): views recompose, requests follow.
  void notifyLayerDisplayChanged() { emit layersChanged(); }
  QString lastChunkError() const { return lastChunkError_; }
  // Concurrent chunk fetches of the views' loader (0 = the loader's default); kept for the
  // next dataset's loader. The main window lowers it while an export runs.
  void setMaxInFlight(std::size_t n);
  std::uint64_t chunksApplied() const { return applied_; }

 signals:
  void opened();
  void openFailed(const QString& message);
  void chunksArrived();  // one or more chunks were added (batched)
  void layersChanged();  // a layer was added, removed, reordered or its display changed
  void layerFailed(const QString& message);
  void layerWarning(const QString& message);

 private slots:
  void drain();

 private:
  void apply(const nz::LoadedChunk& chunk);
  void finishLayer(int id, std::shared_ptr<Layer> layer, const QString& error);
  // GUI thread: the result of the open with that generation (ignored when superseded).
  void finishOpen(std::uint64_t generation, std::shared_ptr<nz::Dataset> ds, const QString& error,
                  double secs);

  // How other threads reach this object: the opener threads (detached: openDataset cannot be
  // cancelled and a stalled metadata read may take the client's full timeouts, so nothing may
  // join them on the GUI thread) and the loader's completion notifier (the loader is retired on
  // a detached thread too). They post to `owner` only while it is set, under the lock; the
  // destructor clears it.
  struct SelfLink {
    std::mutex mutex;
    DataSource* owner = nullptr;
  };

  // Shared: a lookup from chunkLookup() keeps its loader alive while a compose worker uses it.
  std::shared_ptr<nz::ChunkLoader> loader_;
  std::size_t maxInFlight_ = 0;
  std::shared_ptr<nz::Dataset> dataset_;
  QString uri_;
  bool opening_ = false;
  double openSeconds_ = 0;
  std::uint64_t openGeneration_ = 0;
  std::shared_ptr<SelfLink> link_;
  ChunkSet failed_;
  std::uint64_t applied_ = 0;
  std::vector<std::shared_ptr<Layer>> layers_;
  std::vector<int> openingLayers_;
  int nextLayerId_ = 1;
  std::size_t lastLayerRequests_ = 0;
  std::size_t prefetchBudget_;
  std::vector<nz::ChunkKey> displayed_;           // Visible keys of the last setViews
  std::vector<ViewRequest> lastViews_;            // of the last setViews
  std::vector<nz::ChunkRequest> volumeRequests_;  // setVolumeRequests
  QString lastChunkError_;
};

}  // namespace nzviewer
