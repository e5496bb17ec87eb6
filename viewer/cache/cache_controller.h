#pragma once
// Wires the disk cache into a MainWindow: a "Cache" menu with "Pin for offline…" (the whole
// scan, or the current ROI, fetched into the disk cache and pinned, with a size estimate first
// and a progress dialog) and "Disk cache settings…" (CacheSettingsDialog), plus a status bar
// label with the reads answered from disk. All disk and network work runs on worker threads.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <atomic>
#include <memory>

class QLabel;
class QProgressDialog;

namespace nzviewer {

class MainWindow;

class CacheController : public QObject {
  Q_OBJECT
 public:
  explicit CacheController(MainWindow* window);
  ~CacheController() override;

  // Pins the open scan (useRoi: the current ROI when there is one). `confirm` = false skips the
  // estimate question (tests). Emits pinFinished.
  void pinForOffline(bool useRoi, bool confirm = true);
  void showSettings();
  bool pinRunning() const { return running_; }
  QLabel* statusLabel() const { return label_; }

 signals:
  void pinFinished(bool ok, const QString& message);

 private:
  struct Job;
  void updateLabel();
  void startFetch(std::shared_ptr<Job> job);
  void finish(bool ok, const QString& message);

  MainWindow* window_;
  QLabel* label_;
  QTimer timer_;
  bool running_ = false;
  QPointer<QProgressDialog> progress_;
  std::shared_ptr<Job> job_;
};

}  // namespace nzviewer
