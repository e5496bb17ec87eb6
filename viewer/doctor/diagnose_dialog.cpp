#include "viewer/doctor/diagnose_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include "data/background.h"
#include "doctor/doctor.h"
#include "uri/uri.h"

namespace nzviewer {

namespace {

// Runs `f` on the GUI thread if `guard` still lives then.
template <typename F>
void onGuiThread(const QPointer<DiagnoseDialog>& guard, F f) {
  QMetaObject::invokeMethod(
      QCoreApplication::instance(),
      [guard, f = std::move(f)]() mutable {
        if (guard) f(guard.data());
      },
      Qt::QueuedConnection);
}

}  // namespace

DiagnoseDialog::DiagnoseDialog(const QString& uri, const nz::StoreOptions& options,
                               bool exportDestination, QWidget* parent)
    : QDialog(parent) {
  setObjectName("diagnoseDialog");
  setWindowTitle("Diagnose " + QString::fromStdString(nz::redactSecrets(uri.toStdString())));
  setAttribute(Qt::WA_DeleteOnClose);
  resize(760, 520);
  auto* l = new QVBoxLayout(this);
  text_ = new QPlainTextEdit;
  text_->setObjectName("diagnoseText");
  text_->setReadOnly(true);
  text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  l->addWidget(text_, 1);
  result_ = new QLabel("Diagnosing…");
  result_->setObjectName("diagnoseResult");
  result_->setWordWrap(true);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->addWidget(result_);
  auto* row = new QHBoxLayout;
  auto* copy = new QPushButton("Copy report");
  auto* close = new QPushButton("Close");
  row->addWidget(copy);
  row->addStretch();
  row->addWidget(close);
  l->addLayout(row);
  connect(copy, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(text_->toPlainText()); });
  connect(close, &QPushButton::clicked, this, &QDialog::close);

  QPointer<DiagnoseDialog> guard(this);
  const std::string u = uri.toStdString();
  nz::DoctorOptions dopts;
  dopts.exportDestination = exportDestination;
  runDetached([guard, u, options, dopts] {
    const nz::DoctorReport report = nz::diagnose(
        u, options,
        [guard](const nz::DoctorStep& step) {
          const QString t = QString::fromStdString(nz::renderDoctorStep(step));
          onGuiThread(guard, [t](DiagnoseDialog* d) { d->appendStep(t); });
        },
        dopts);
    const bool ok = report.ok;
    const QString problem = QString::fromStdString(report.problem);
    const QString hint = QString::fromStdString(report.hint);
    onGuiThread(guard, [ok, problem, hint](DiagnoseDialog* d) { d->finish(ok, problem, hint); });
  });
}

QString DiagnoseDialog::text() const { return text_->toPlainText(); }

void DiagnoseDialog::appendStep(const QString& text) { text_->appendPlainText(text.trimmed()); }

void DiagnoseDialog::finish(bool ok, const QString& problem, const QString& hint) {
  finished_ = true;
  if (ok && problem.isEmpty())
    result_->setText("OK: the metadata can be read.");
  else if (ok)
    result_->setText("Readable, with a warning (" + problem + "): " + hint);
  else
    result_->setText("Failed (" + problem + "): " + hint);
  result_->setStyleSheet(ok && problem.isEmpty() ? "color: darkgreen" : "color: darkred");
  emit diagnosed(ok, problem);
}

}  // namespace nzviewer
