#include "roi/export_job.h"

#include <QMetaObject>
#include <QPointer>

#include "core/error.h"
#include "dataset/dataset.h"
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

ExportJob::~ExportJob() {
  cancel_.cancel();
  if (worker_.joinable()) worker_.join();
}

void ExportJob::cancel() { cancel_.cancel(); }

void ExportJob::start() {
  if (running_ || worker_.joinable()) return;
  running_ = true;
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
          emit self->finished(ok, cancelled, message);
        },
        Qt::QueuedConnection);
  });
}

}  // namespace nzviewer
