#pragma once
// One ROI statistics computation (nz::computeRoiStats) on a worker thread with a private chunk
// loader, so the views' loader is never taken over; chunks the views already hold are handed
// over as a snapshot (not fetched again). Progress and the result arrive on the GUI thread.
// The GUI thread never joins the worker (a stalled server must not freeze it): cancel() (also
// by start() and the destructor) makes the worker stop at its next cancel check (~20 ms) and
// drop its loader, which aborts its fetches; liveThreads() counts workers not yet finished.
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "core/cancel.h"
#include "stats/roi_stats.h"

namespace nzviewer {

class StatsJob : public QObject {
  Q_OBJECT
 public:
  explicit StatsJob(QObject* parent = nullptr);
  ~StatsJob() override;

  // Starts computing; a running computation is cancelled first (its result is dropped).
  // `labels` (may be null) makes it per label of that map (nz::RoiStatsRequest::labels).
  void start(std::shared_ptr<nz::Dataset> dataset, nz::RoiStatsRequest request,
             std::shared_ptr<nz::Dataset> labels = nullptr);
  void cancel();
  bool running() const { return running_; }
  // Worker threads still alive (cancelled ones included until they have stopped).
  int liveThreads() const { return live_->load(); }

 signals:
  void progress(double fraction);
  void finished(const nz::RoiStats& stats);
  void failed(const QString& message, bool cancelled);

 private:
  nz::CancelSource cancel_;
  bool running_ = false;
  std::uint64_t generation_ = 0;  // results of an earlier start() are dropped
  std::shared_ptr<std::atomic<int>> live_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace nzviewer

Q_DECLARE_METATYPE(nz::RoiStats)
