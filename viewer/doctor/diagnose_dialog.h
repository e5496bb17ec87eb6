#pragma once
// "Diagnose" (open and export dialogs): runs the connection doctor (io/doctor/doctor.h) on a
// worker thread and shows its steps as they finish — URI, endpoint and region, credential
// sources chosen and skipped, DNS, TCP, TLS, clock, metadata read — each with its fix. The GUI
// thread never waits: closing the dialog early drops the remaining steps. No secret is shown
// (the doctor redacts every line).
#include <QDialog>

#include "store/store_options.h"

class QPlainTextEdit;
class QLabel;

namespace nzviewer {

class DiagnoseDialog : public QDialog {
  Q_OBJECT
 public:
  // exportDestination: the URI is where an export will write (nothing there yet is fine).
  DiagnoseDialog(const QString& uri, const nz::StoreOptions& options, bool exportDestination,
                 QWidget* parent = nullptr);
  QString text() const;
  bool isFinished() const { return finished_; }

 signals:
  void diagnosed(bool ok, const QString& problem);

 private:
  void appendStep(const QString& text);
  void finish(bool ok, const QString& problem, const QString& hint);

  QPlainTextEdit* text_;
  QLabel* result_;
  bool finished_ = false;
};

}  // namespace nzviewer
