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
  void open(const QString& uri, const nz::StoreOptions& options);
  void close();
  bool isOpen() const { return dataset_ != nullptr; }
  bool isOpening() const { return opening_; }
  std::shared_ptr<nz::Dataset> dataset() const { return dataset_; }
  QString uri() const { return uri_; }
  double openSeconds() const { return openSeconds_; }

  // A new view generation for the reference and every visible layer: replaces every earlier
  // request. Returns the reference level chosen per view (layer levels: layerLevel()).
  std::vector<int> setViews(const std::vector<nz::SliceView>& views);

  // A delivered chunk of any open dataset, from the loader's cache (nullptr when absent).
  nz::SharedVolume cachedChunk(const nz::ChunkKey& key) const;
  ChunkLookup chunkLookup() const;
  // Snapshot of the reference's chunks in the cache (one level, or all when level < 0):
  // O(cache), for statistics and tests.
  ChunkMap chunks(int level = -1) const;
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
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
  Layer* layer(int id) const;
  int layersOpening() const { return static_cast<int>(openingLayers_.size()); }
  // Level of layer `id` chosen for view `view` by the last setViews (0 when unknown).
  int layerLevel(int id, std::size_t view) const;
  // Chunk requests of the layers in the last setViews (statistics, tests).
  std::size_t lastLayerRequests() const { return lastLayerRequests_; }
  // Display settings changed (opacity, table, visibility): views recompose, requests follow.
  void notifyLayerDisplayChanged() { emit layersChanged(); }
  QString lastChunkError() const { return lastChunkError_; }
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

  std::unique_ptr<nz::ChunkLoader> loader_;
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
  std::unordered_map<int, std::vector<int>> layerLevels_;
  std::size_t lastLayerRequests_ = 0;  // id -> level per view
  QString lastChunkError_;
};

}  // namespace nzviewer
