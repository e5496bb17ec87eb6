#pragma once
// One export running on its own worker thread (the GUI never blocks): opens a fresh dataset
// handle for the source URI (so the view's loader is never shared or slowed down), then runs
// nz::runExport — the exact code path of `nzview-cli export`. Progress and the result arrive
// as queued signals on the GUI thread. cancel() is cooperative; after a cancel or failure
// nothing is left at the destination (runExport is atomic).
//
// While any export runs, ExportActivity::instance() says so (runningChanged): the main window
// then lets the views' loader use only a few connections, so an export started while the views
// still stream gets the link (measured: tests/bench/run_gui_export_bench.sh, "busy").
#include <QObject>
#include <QString>
#include <atomic>
#include <thread>

#include "core/cancel.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"

namespace nzviewer {

// Exports running in this process (GUI thread).
class ExportActivity : public QObject {
  Q_OBJECT
 public:
  static ExportActivity* instance();
  int running() const { return running_; }
  void add(int delta);

 signals:
  void runningChanged(int running);

 private:
  int running_ = 0;
};

class ExportJob : public QObject {
  Q_OBJECT
 public:
  // `sourceUri` / `sourceOptions`: how to open the dataset; `plan` from planExport on its info.
  ExportJob(QString sourceUri, nz::StoreOptions sourceOptions, nz::ExportPlan plan,
            QString destination, nz::ExportOutputOptions output, QObject* parent = nullptr);
  ~ExportJob() override;  // cancels and joins

  // Also writes `labelsUri` (a label map on any grid) resampled nearest-neighbour onto exactly
  // the image export's grid to `labelsDestination`, after the image, as `nzview-cli export
  // --with` does (nz::runLabelExport). Call before start().
  void setLabelPair(QString labelsUri, nz::StoreOptions labelsOptions, QString labelsDestination);

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
  QString labelsUri_, labelsDestination_;
  nz::StoreOptions labelsOptions_;
  nz::CancelSource cancel_;
  std::thread worker_;
  std::atomic<bool> running_{false};
  bool counted_ = false;  // in ExportActivity (GUI thread)
  std::atomic<int> lastPercent_{-1};
};

}  // namespace nzviewer
