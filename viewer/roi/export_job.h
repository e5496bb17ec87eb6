#pragma once
// One export running on its own worker thread (the GUI never blocks): opens a fresh dataset
// handle for the source URI (so the view's loader is never shared or slowed down), then runs
// nz::runExport — the exact code path of `nzview-cli export`. Progress and the result arrive
// as queued signals on the GUI thread. cancel() is cooperative; after a cancel or failure
// nothing is left at the destination (runExport is atomic).
#include <QObject>
#include <QString>
#include <atomic>
#include <thread>

#include "core/cancel.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"

namespace nzviewer {

class ExportJob : public QObject {
  Q_OBJECT
 public:
  // `sourceUri` / `sourceOptions`: how to open the dataset; `plan` from planExport on its info.
  ExportJob(QString sourceUri, nz::StoreOptions sourceOptions, nz::ExportPlan plan,
            QString destination, nz::ExportOutputOptions output, QObject* parent = nullptr);
  ~ExportJob() override;  // cancels and joins

  void start();
  void cancel();
  bool running() const { return running_; }
  QString destination() const { return destination_; }

 signals:
  void progress(double fraction);
  // ok: the file is complete at destination(); otherwise `message` says why (redacted).
  void finished(bool ok, bool cancelled, const QString& message);

 private:
  QString sourceUri_;
  nz::StoreOptions sourceOptions_;
  nz::ExportPlan plan_;
  QString destination_;
  nz::ExportOutputOptions output_;
  nz::CancelSource cancel_;
  std::thread worker_;
  std::atomic<bool> running_{false};
  std::atomic<int> lastPercent_{-1};
};

}  // namespace nzviewer
