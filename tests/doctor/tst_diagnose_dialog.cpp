// The "Diagnose" buttons of the open and export dialogs: each opens the doctor's report, filled
// step by step from a worker thread, with the result line; the export dialog diagnoses its
// destination (a folder that does not exist fails, an existing writable one passes).
#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "dataset/dataset.h"
#include "ui/open_dialog.h"
#include "viewer/doctor/diagnose_dialog.h"
#include "viewer/roi/export_dialog.h"

using nzviewer::DiagnoseDialog;

namespace {

const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");

// Clicks `button` and returns the DiagnoseDialog it opened, once its report is complete.
DiagnoseDialog* diagnoseVia(QWidget* parent, const char* button) {
  auto* b = parent->findChild<QPushButton*>(button);
  if (!b) return nullptr;
  b->click();
  auto* d = parent->findChild<DiagnoseDialog*>();
  if (!d) return nullptr;
  if (!d->isFinished()) {
    QSignalSpy done(d, &DiagnoseDialog::diagnosed);
    if (!done.wait(30000)) return nullptr;
  }
  return d;
}

QString resultOf(DiagnoseDialog* d) { return d->findChild<QLabel*>("diagnoseResult")->text(); }

}  // namespace

class TstDiagnoseDialog : public QObject {
  Q_OBJECT
 private slots:
  void openDialogDiagnoses() {
    nzviewer::OpenDialog dlg;
    dlg.setUri(kRef + "/g1_v3_uint8_oblique.nii.zarr");
    dlg.show();
    DiagnoseDialog* d = diagnoseVia(&dlg, "diagnoseButton");
    QVERIFY(d);
    QVERIFY2(d->text().contains("[ok] URI") && d->text().contains("scheme: file") &&
                 d->text().contains("zarr.json: ok"),
             qPrintable(d->text()));
    QCOMPARE(resultOf(d), QStringLiteral("OK: the metadata can be read."));
    if (qEnvironmentVariableIsSet("NZ_DOCTOR_SHOTS"))  // to look at the dialog
      d->grab().save(qEnvironmentVariable("NZ_DOCTOR_SHOTS") + "/diagnose_ok.png");
    d->close();
    QTest::qWait(10);  // deleted on close
    QVERIFY(!dlg.findChild<DiagnoseDialog*>());
    dlg.setUri(kRef + "/no-such-scan.nii.zarr");
    d = diagnoseVia(&dlg, "diagnoseButton");
    QVERIFY(d);
    QVERIFY2(resultOf(d).startsWith("Failed (key_not_found)"), qPrintable(resultOf(d)));
    QVERIFY(d->text().contains("No such file or directory"));
    if (qEnvironmentVariableIsSet("NZ_DOCTOR_SHOTS"))
      d->grab().save(qEnvironmentVariable("NZ_DOCTOR_SHOTS") + "/diagnose_failed.png");
  }

  void exportDialogDiagnosesTheDestination() {
    auto ds = nz::openDataset((kRef + "/g1_v3_uint8_oblique.nii.zarr").toStdString());
    nzviewer::ExportDialog dlg(ds->info(), kRef + "/g1_v3_uint8_oblique.nii.zarr", {}, std::nullopt,
                               {}, "whole", 0, {});
    dlg.show();
    QTemporaryDir dir;
    dlg.setDestination(dir.filePath("missing/roi.nii.gz"));
    DiagnoseDialog* d = diagnoseVia(&dlg, "exportDiagnose");
    QVERIFY(d);
    QVERIFY2(resultOf(d).startsWith("Failed (key_not_found)") && d->text().contains("missing"),
             qPrintable(d->text()));
    d->close();
    QTest::qWait(10);
    dlg.setDestination(dir.filePath("roi.nii.gz"));
    d = diagnoseVia(&dlg, "exportDiagnose");
    QVERIFY(d);
    QCOMPARE(resultOf(d), QStringLiteral("OK: the metadata can be read."));
    QVERIFY(d->text().contains("exists and is writable"));
  }
};

QTEST_MAIN(TstDiagnoseDialog)
#include "tst_diagnose_dialog.moc"
