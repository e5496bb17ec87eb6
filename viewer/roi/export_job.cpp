#include "viewer/roi/export_job.h"

#include <QMetaObject>
#include <QPointer>
#include <algorithm>

#include "core/error.h"
#include "dataset/dataset.h"
#include "roi/export_with.h"
#include "uri/uri.h"

namespace nzviewer {

ExportJob::ExportJob(QString sourceUri, nz::StoreOptions sourceOptions, nz::ExportPlan plan,
                     QString destination, nz::ExportOutputOptions output, QObject* parent)
    : QObject(parent),
      sourceUri_(std::move(sourceUri)),
      sourceOptions_(std::move(sourceOptions)),
      plan_(std::move(plan)),
      destination_(std::move(destination)),
      output_(std::move(output)) {}

ExportActivity* ExportActivity::instance() {
  static auto* activity = new ExportActivity;  // lives as long as the process
  return activity;
}

void ExportActivity::add(int delta) {
  running_ = std::max(0, running_ + delta);
  emit runningChanged(running_);
}

ExportJob::~ExportJob() {
  cancel_.cancel();
  if (worker_.joinable()) worker_.join();
  if (counted_) ExportActivity::instance()->add(-1);
}

void ExportJob::cancel() { cancel_.cancel(); }

void ExportJob::setLabelPair(QString labelsUri, nz::StoreOptions labelsOptions,
                             QString labelsDestination) {
  labelsUri_ = std::move(labelsUri);
  labelsOptions_ = std::move(labelsOptions);
  labelsDestination_ = std::move(labelsDestination);
}

void ExportJob::start() {
  if (running_ || worker_.joinable()) return;
  running_ = true;
  counted_ = true;
  ExportActivity::instance()->add(1);
  QPointer<ExportJob> self(this);
  const std::string src = sourceUri_.toStdString(), dst = destination_.toStdString();
  worker_ = std::thread([this, self, src, dst] {
    bool ok = false, cancelled = false;
    QString message;
    try {
      auto ds = nz::openDataset(src, sourceOptions_);
      nz::runExport(*ds, plan_, dst, output_, cancel_.token(), [this, self](double f) {
        const int pct = static_cast<int>(f * 1000);
        if (pct == lastPercent_.exchange(pct)) return;  // at most ~1000 signals
        QMetaObject::invokeMethod(
            this,
            [self, f] {
              if (self) emit self->progress(f);
            },
            Qt::QueuedConnection);
      });
      if (!labelsUri_.isEmpty()) {
        auto labels = nz::openDataset(labelsUri_.toStdString(), labelsOptions_);
        nz::requireLabelDataset(labels->info());
        nz::runLabelExport(*labels, plan_, labelsDestination_.toStdString(), output_,
                           cancel_.token());
      }
      ok = true;  // runExport returned: the output is committed even if cancel came late
    } catch (const nz::Error& e) {
      cancelled = e.kind() == nz::ErrorKind::Cancelled || cancel_.cancelled();
      message = QString::fromStdString(nz::redactSecrets(e.what()));
    } catch (const std::exception& e) {
      cancelled = cancel_.cancelled();
      message = QString::fromStdString(nz::redactSecrets(e.what()));
    }
    if (cancelled) message = "Export cancelled; nothing was written.";
    QMetaObject::invokeMethod(
        this,
        [self, ok, cancelled, message] {
          if (!self) return;
          self->running_ = false;
          if (self->counted_) ExportActivity::instance()->add(-1);
          self->counted_ = false;
          emit self->finished(ok, cancelled, message);
        },
        Qt::QueuedConnection);
  });
}

}  // namespace nzviewer
