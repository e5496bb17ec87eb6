#include "measure/stats_job.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>

#include "core/error.h"
#include "data/background.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"

namespace nzviewer {

StatsJob::StatsJob(QObject* parent) : QObject(parent) {}

StatsJob::~StatsJob() { cancel(); }

void StatsJob::cancel() { cancel_.cancel(); }

void StatsJob::start(std::shared_ptr<nz::Dataset> dataset, nz::RoiStatsRequest request,
                     std::shared_ptr<nz::Dataset> labels) {
  cancel();
  cancel_ = nz::CancelSource();
  running_ = true;
  const std::uint64_t generation = ++generation_;
  QPointer<StatsJob> self(this);
  nz::CancelToken token = cancel_.token();
  auto live = live_;
  ++*live;
  // Posts to the GUI thread; the job may be gone by then (the guard checks it).
  auto post = [self, generation](std::function<void(StatsJob&)> f) {
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, generation, f = std::move(f)] {
          if (self && self->generation_ == generation) f(*self);
        },
        Qt::QueuedConnection);
  };
  runDetached([dataset, request, labels, token, live, post]() mutable {
    nz::RoiStats result;
    QString error;
    bool cancelled = false;
    try {
      nz::LoaderOptions lo;
      lo.maxInFlight = 64;
      lo.cacheBytes = std::min<std::size_t>(nz::defaultCacheBudget(), std::size_t{512} << 20);
      nz::ChunkLoader loader(lo);
      std::unique_ptr<nz::ChunkLoader> labelLoader;
      if (labels) {
        labelLoader = std::make_unique<nz::ChunkLoader>(lo);
        request.labels = labels;
        request.labelLoader = labelLoader.get();
      }
      // Progress is posted at most every 1 % so the GUI thread's queue stays short.
      int lastPercent = -1;
      result = nz::computeRoiStats(loader, dataset, request, token, [&](double f) {
        const int pct = static_cast<int>(f * 100);
        if (pct == lastPercent) return;
        lastPercent = pct;
        post([f](StatsJob& job) { emit job.progress(f); });
      });
    } catch (const nz::Error& e) {
      cancelled = e.kind() == nz::ErrorKind::Cancelled;
      error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    // The loaders are gone (their fetches aborted) before the thread counts as finished.
    --*live;
    post([result, error, cancelled](StatsJob& job) {
      job.running_ = false;
      if (error.isEmpty())
        emit job.finished(result);
      else
        emit job.failed(error, cancelled);
    });
  });
}

}  // namespace nzviewer
