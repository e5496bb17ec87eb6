// The viewer with cloud storage on both sides, under Xvfb: a dataset uploaded to Azurite is
// opened through MainWindow::openUri with an account key, an ROI is exported from the export
// dialog (in the background) to the same Azure account (the dataset's credentials are reused)
// and to S3 (s3rver; credentials from the environment, as a user's AWS_* variables), and each
// uploaded file reads back equal to readRegion of the same box from a freshly opened dataset.
#include <QDirIterator>
#include <QSignalSpy>
#include <QtTest>
#include <filesystem>

#include "../cloud/cloud_test_util.h"
#include "../viewer/viewer_test_util.h"
#include "cloud/cloud_test_hooks.h"
#include "dataset/dataset.h"
#include "open/store_factory.h"
#include "ui/main_window.h"
#include "uri/uri.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"

using namespace nzviewer;

namespace {}  // namespace

class TstRoiCloudExport : public QObject {
  Q_OBJECT
  MainWindow* w_ = nullptr;
  RoiController* roi_ = nullptr;
  nz::StoreOptions azure_;
  const QString source_ = "az://nzgui/scans/e_uint16_pyramid_4levels.nii.zarr";

  // Exports ROI 0 to `dest` from the dialog and checks the object against readRegion.
  void exportAndCompare(const QString& dest, const nz::StoreOptions& readBack) {
    ExportDialog* dlg = roi_->openExportDialog(0);
    QVERIFY(dlg);
    dlg->setFormat(dest.endsWith(".nii.zarr") ? ExportDialog::NiiZarr : ExportDialog::NiiGz);
    dlg->setDestination(dest);
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.wait(120000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(2).toString()));
    QVERIFY(!done.at(0).at(2).toString().contains(QString::fromStdString(azure_.azureKey)));

    auto fresh = nz::openDataset(source_.toStdString(), azure_);
    const nz::ExportPlan p = nz::planExport(fresh->info(), roi_->model()->request(0));
    const nz::Volume want = fresh->readRegion(p.level, p.readBox);
    auto out = nz::openDataset(dest.toStdString(), readBack);
    nz::Box all;
    all.end = out->info().levels[0].shape;
    const nz::Volume got = out->readRegion(0, all);
    for (int a = 0; a < 5; ++a) QCOMPARE(got.shape[a], want.shape[a]);
    QVERIFY(got.data == want.data);
    for (int i = 0; i < 12; ++i) QVERIFY(std::abs(out->info().affine[i] - p.affine[i]) < 1e-4);
    dlg->close();
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    auto acct = nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env");
    QVERIFY2(!acct["NZ_AZ_KEY"].empty(), "azurite state missing");
    azure_.azureAccount = acct["NZ_AZ_ACCOUNT"];
    azure_.azureKey = acct["NZ_AZ_KEY"];
    azure_.azureEndpoint = "http://127.0.0.1:10000/" + azure_.azureAccount;
    // Upload the reference dataset.
    auto store = nz::openStore(nz::parseUri(source_.toStdString()), azure_);
    nz::azureCreateContainer(*store);
    const QString local = nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr");
    QDirIterator it(local, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    int files = 0;
    while (it.hasNext()) {
      const QString path = it.next();
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      const QByteArray b = f.readAll();
      store->write(QDir(local).relativeFilePath(path).toStdString(), nz::Bytes(b.begin(), b.end()));
      ++files;
    }
    QVERIFY(files > 5);
    // The user's AWS environment for the S3 destination (s3rver).
    auto s3 = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
    QVERIFY2(!s3["NZ_S3_SECRET_KEY"].empty(), "s3rver state missing");
    qputenv("AWS_ACCESS_KEY_ID", s3["NZ_S3_ACCESS_KEY"].c_str());
    qputenv("AWS_SECRET_ACCESS_KEY", s3["NZ_S3_SECRET_KEY"].c_str());
    qputenv("AWS_REGION", "us-east-1");
    qputenv("AWS_ENDPOINT_URL", "http://127.0.0.1:14568");

    w_ = nzviewer_test::openWindow(source_, QSize(1300, 900), azure_);
    QVERIFY(w_);
    roi_ = w_->findChild<RoiController*>();
    QVERIFY(roi_);
    nz::Box b;
    b.begin = {20, 15, 10, 0, 0};
    b.end = {90, 70, 50, 1, 1};
    roi_->model()->add(b, "cloud roi");
    QCOMPARE(int(roi_->model()->rois().size()), 1);
  }
  void cleanupTestCase() { delete w_; }

  void exportToSameAzureAccount() {
    exportAndCompare("az://nzgui/exports/roi.nii.gz", azure_);
    exportAndCompare("az://nzgui/exports/roi.nii.zarr", azure_);
  }

  void exportToS3WithEnvironmentCredentials() {
    exportAndCompare("s3://nzbucket/gui-exports/roi.nii.gz", {});
  }
};

QTEST_MAIN(TstRoiCloudExport)
#include "tst_roi_cloud_export.moc"
