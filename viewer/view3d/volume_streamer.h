#pragma once
// Streams the 3D view's volume through the session's one loader and cache (DataSource): the
// coarsest level first (a picture after one round trip), then the finest level whose voxel
// count fits the budget. Chunks are collected in batches (at most one assembly at a time, on a
// worker thread) and pasted into a copy of the last picture of that level, which starts as the
// coarse picture upsampled: the view is refined in place, never blank, and gets one new volume
// per batch, not per chunk. Results of an earlier dataset, time point or budget are dropped.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <memory>
#include <unordered_set>
#include <vector>

#include "loader/chunk_key.h"
#include "view3d/volume_lod.h"

namespace nzviewer {

class DataSource;
class ViewerState;

class VolumeStreamer : public QObject {
  Q_OBJECT
 public:
  VolumeStreamer(DataSource* source, ViewerState* state, QObject* parent = nullptr);
  ~VolumeStreamer() override;

  void setBudget(std::int64_t voxels);
  std::int64_t budget() const { return budget_; }
  // Off: no requests and no assembly (the 3D view is hidden); on again restarts.
  void setEnabled(bool on);
  bool enabled() const { return enabled_; }
  void restart();  // a dataset opened, or the time point / channel changed
  void stop();     // the dataset is closing

  int coarseLevel() const { return coarseLevel_; }
  int targetLevel() const { return targetLevel_; }
  // The target level is fully assembled (failed chunks count) and handed to the view.
  bool complete() const { return complete_; }
  bool busy() const { return assembling_; }
  std::size_t targetChunks() const { return targetKeys_.size(); }
  std::size_t targetChunksDone() const { return targetKeys_.size() - targetLeft_.size(); }
  // Milliseconds from restart() to the first picture and to the complete target level (-1).
  double firstPictureMs() const { return firstMs_; }
  double completeMs() const { return completeMs_; }
  int batches() const { return batches_; }
  // The chunk requests of the levels still streaming (DataSource::setVolumeRequests).
  const std::vector<nz::ChunkRequest>& requests() const { return requests_; }

 signals:
  void volumeReady(std::shared_ptr<const LevelVolume> volume);
  void requestsChanged();
  void progress();

 private:
  struct Stage;
  void onChunksArrived();
  void collect();
  void finishAssembly(std::uint64_t generation, std::shared_ptr<const LevelVolume> result,
                      bool target);
  void setRequests(std::vector<nz::ChunkRequest> r);

  DataSource* source_;
  ViewerState* state_;
  std::int64_t budget_ = kDefault3dVoxelBudget;
  bool enabled_ = true;
  std::uint64_t generation_ = 0;
  int coarseLevel_ = -1, targetLevel_ = -1;
  std::int64_t t_ = 0, c_ = 0;
  std::vector<nz::ChunkKey> coarseKeys_, targetKeys_;
  std::unordered_set<nz::ChunkKey, nz::ChunkKeyHash> coarseLeft_, targetLeft_;
  std::shared_ptr<const LevelVolume> coarse_, target_;
  bool assembling_ = false, complete_ = false;
  std::vector<nz::ChunkRequest> requests_;
  QTimer batchTimer_;
  QElapsedTimer clock_;
  double firstMs_ = -1, completeMs_ = -1;
  int batches_ = 0;
};

}  // namespace nzviewer
