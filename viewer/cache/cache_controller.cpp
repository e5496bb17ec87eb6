#include "viewer/cache/cache_controller.h"

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QStatusBar>

#include "cache/cache_config.h"
#include "cache/caching_store.h"
#include "data/background.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "open/store_factory.h"
#include "prefetch/prefetch.h"
#include "ui/main_window.h"
#include "uri/uri.h"
#include "viewer/cache/cache_settings_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"

namespace nzviewer {

struct CacheController::Job {
  std::string uri;
  nz::StoreOptions options;
  nz::RoiBox roi;
  bool whole = true;
  std::shared_ptr<nz::Dataset> dataset;
  nz::PrefetchPlan plan;
  nz::CancelSource cancel;
  std::atomic<std::size_t> done{0}, total{0};
};

namespace {

// Runs `f` on the GUI thread if the controller still exists (the QPointer was made there).
template <class F>
void onGui(const QPointer<CacheController>& self, F f) {
  QMetaObject::invokeMethod(
      qApp,
      [self, f = std::move(f)]() mutable {
        if (self) f();
      },
      Qt::QueuedConnection);
}

}  // namespace

CacheController::CacheController(MainWindow* window) : QObject(window), window_(window) {
  setObjectName("cacheController");
  QMenu* menu = window->menuBar()->addMenu("&Cache");
  menu->setObjectName("cacheMenu");
  QAction* pin = menu->addAction("&Pin for offline…", this, [this] { pinForOffline(true); });
  pin->setObjectName("pinForOfflineAction");
  pin->setToolTip("Fetch the whole scan (or the current ROI) into the disk cache and keep it");
  QAction* settings =
      menu->addAction("&Disk cache settings…", this, &CacheController::showSettings);
  settings->setObjectName("diskCacheSettingsAction");
  label_ = new QLabel;
  label_->setObjectName("diskCacheLabel");
  window->statusBar()->addPermanentWidget(label_);
  timer_.setInterval(500);
  connect(&timer_, &QTimer::timeout, this, &CacheController::updateLabel);
  timer_.start();
  updateLabel();
}

CacheController::~CacheController() {
  if (job_) job_->cancel.cancel();
}

void CacheController::updateLabel() {
  const nz::DiskCacheSettings s = nz::defaultDiskCache();
  if (!s.enabled && !s.offline) {
    label_->setText("disk cache off");
    return;
  }
  const nz::DiskCacheCounters c = nz::diskCacheCounters();
  label_->setText(QString("%1disk %2 hits · %3 MB")
                      .arg(s.offline ? "offline · " : "")
                      .arg(c.hits)
                      .arg(double(c.hitBytes) / 1e6, 0, 'f', 1));
}

void CacheController::showSettings() {
  CacheSettingsDialog dlg(window_);
  dlg.exec();
  updateLabel();
}

void CacheController::pinForOffline(bool useRoi, bool confirm) {
  auto fail = [this](const QString& m) { finish(false, m); };
  if (running_) return;
  DataSource* source = window_->source();
  if (!source->isOpen()) return fail("Open a scan first.");
  const nz::DiskCacheSettings s = nz::defaultDiskCache();
  if (s.offline) return fail("Pinning needs the network (the viewer runs --offline).");
  auto job = std::make_shared<Job>();
  job->uri = source->uri().toStdString();
  job->options = window_->storeOptions();
  nz::DiskCacheSettings pinned = s;
  pinned.enabled = true;
  pinned.pin = true;
  job->options.diskCache = pinned;
  job->roi = nz::RoiBox::whole(source->dataset()->info());
  if (useRoi) {
    if (auto* rc = window_->findChild<RoiController*>()) {
      const int i = rc->model()->current();
      if (i >= 0 && i < static_cast<int>(rc->model()->rois().size())) {
        job->roi = rc->model()->rois()[static_cast<std::size_t>(i)].roi;
        job->whole = false;
      }
    }
  }
  running_ = true;
  job_ = job;
  // Phase 1 (worker): open through a pinning store and plan; phase 2 (GUI): confirm.
  QPointer<CacheController> self(this);
  runDetached([self, job, confirm] {
    QString error;
    try {
      job->dataset = nz::openDataset(job->uri, job->options);
      if (!dynamic_cast<nz::CachingStore*>(&job->dataset->store()))
        throw nz::Error(nz::ErrorKind::InvalidArgument,
                        "local scans are not cached (they are on disk already)");
      job->plan = nz::planPrefetch(*job->dataset, {}, job->roi);
    } catch (const std::exception& e) {
      error = QString::fromStdString(nz::redactSecrets(e.what()));
    }
    onGui(self, [self, job, confirm, error] {
      if (!error.isEmpty()) return self->finish(false, error);
      const QString what = job->whole ? "the whole scan" : "the current ROI";
      const QString question =
          QString(
              "Pin %1 for offline use?\n\n%2 chunks at %3 levels, at most %4 decoded, "
              "kept in the disk cache until unpinned.")
              .arg(what)
              .arg(job->plan.chunks.size())
              .arg(job->plan.levels.size())
              .arg(QString::fromStdString(nz::formatBytes(job->plan.decodedBytes)));
      if (confirm &&
          QMessageBox::question(self->window_, "Pin for offline", question) != QMessageBox::Yes)
        return self->finish(false, "cancelled");
      self->startFetch(job);
    });
  });
}

void CacheController::startFetch(std::shared_ptr<Job> job) {
  job->total = job->plan.chunks.size();
  progress_ = new QProgressDialog("Pinning for offline use…", "Cancel", 0,
                                  static_cast<int>(job->plan.chunks.size()), window_);
  progress_->setObjectName("pinProgress");
  progress_->setWindowModality(Qt::WindowModal);
  progress_->setMinimumDuration(300);
  connect(progress_, &QProgressDialog::canceled, this, [job] { job->cancel.cancel(); });
  QPointer<CacheController> self(this);
  runDetached([self, job] {
    nz::PrefetchProgress p = nz::runPrefetch(
        *job->dataset, job->plan, 64, job->cancel.token(),
        [self, job](const nz::PrefetchProgress& pr) {
          // One GUI update in flight at a time is plenty for a progress bar.
          if (job->done.exchange(pr.done) != pr.done && pr.done % 8 != 0 && pr.done != pr.total)
            return;
          onGui(self, [self, job] {
            if (self->progress_) self->progress_->setValue(static_cast<int>(job->done.load()));
          });
        });
    const nz::StoreStats st = job->dataset->store().stats();
    const bool cancelled = job->cancel.cancelled();
    QString msg;
    if (cancelled)
      msg = "cancelled";
    else if (p.failed)
      msg = QString("%1 of %2 chunks could not be fetched: %3")
                .arg(p.failed)
                .arg(p.total)
                .arg(QString::fromStdString(nz::redactSecrets(p.firstError)));
    else
      msg = QString("Pinned %1 chunks (%2 requests, %3 already on disk).")
                .arg(p.total)
                .arg(st.requests)
                .arg(st.diskHits);
    job->dataset.reset();
    onGui(self, [self, ok = !cancelled && !p.failed, msg] { self->finish(ok, msg); });
  });
}

void CacheController::finish(bool ok, const QString& message) {
  running_ = false;
  job_.reset();
  if (progress_) progress_->deleteLater();
  window_->statusBar()->showMessage(message, 8000);
  emit pinFinished(ok, message);
}

}  // namespace nzviewer
