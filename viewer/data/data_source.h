#pragma once
// The viewer's only path to voxel data: opens a dataset off the GUI thread, owns the streaming
// ChunkLoader, turns view changes into request generations and hands delivered chunks to the
// views in batches. The GUI thread never waits on the network or on decoding.
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "data/slice_composer.h"
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

  // A new view generation: replaces every earlier request. Returns the level chosen per view.
  std::vector<int> setViews(const std::vector<nz::SliceView>& views);

  const ChunkMap& chunks() const { return chunks_; }
  const ChunkSet& failed() const { return failed_; }
  nz::LoaderMetrics metrics() const;
  std::size_t chunkBytesHeld() const { return heldBytes_; }
  QString lastChunkError() const { return lastChunkError_; }
  std::uint64_t chunksApplied() const { return applied_; }

 signals:
  void opened();
  void openFailed(const QString& message);
  void chunksArrived();  // one or more chunks were added (batched)

 private slots:
  void drain();

 private:
  void apply(const nz::LoadedChunk& chunk);
  void prune();
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
  ChunkMap chunks_;
  ChunkSet failed_;
  ChunkSet wanted_;  // keys of the current generation (kept when pruning)
  std::size_t heldBytes_ = 0;
  std::uint64_t applied_ = 0;
  QString lastChunkError_;
};

}  // namespace nzviewer
