// Two layers from two clouds with different credentials, under Xvfb: the image uploaded to
// Azurite (account key) and a label map on another (oblique) grid uploaded to s3rver (access
// key pair given only as the layer's own StoreOptions, nothing in the environment). Both stream
// through the session's one loader; the label values the view shows equal the label map read
// back independently; the label layer opened with the Azure credentials fails with a message
// that names the URI and leaks no secret.
#include <QDirIterator>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "../cloud/cloud_test_util.h"
#include "cloud/cloud_test_hooks.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "model/viewer_state.h"
#include "open/store_factory.h"
#include "roi/resample.h"
#include "ui/main_window.h"
#include "uri/uri.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"

using namespace nzviewer;
using nzviewer_test::waitFor;

namespace {

// The label map of tst_layers_gui: 48x50x60, value((i, j, k)), oblique 1.3x1.1x1.45 mm.
const char* kWriter = R"(
import sys, math, numpy as np, nibabel as nib
def rot(ax, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    r = np.eye(3); i, j = [(1, 2), (0, 2), (0, 1)][ax]
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r
shape = (48, 50, 60)
i, j, k = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
data = (((i // 6) * 7 + (j // 7) * 3 + (k // 5) * 11) % 41).astype("int16")
lin = rot(2, 12) @ rot(0, 7) @ np.diag([1.3, 1.1, 1.45])
aff = np.eye(4); aff[:3, :3] = lin
aff[:3, 3] = np.array([12.0, 3.0, 18.0]) - lin @ (np.array(shape) - 1) / 2.0
img = nib.Nifti1Image(data, aff); img.set_sform(aff, code=1); img.set_qform(aff, code=1)
nib.save(img, sys.argv[1])
)";

int labelValue(std::int64_t i, std::int64_t j, std::int64_t k) {
  return int(((i / 6) * 7 + (j / 7) * 3 + (k / 5) * 11) % 41);
}

// Uploads every file under `local` to `uri` (a directory prefix).
int upload(const QString& local, const std::string& uri, const nz::StoreOptions& options) {
  auto store = nz::openStore(nz::parseUri(uri), options);
  QDirIterator it(local, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  int files = 0;
  while (it.hasNext()) {
    const QString path = it.next();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray b = f.readAll();
    store->write(QDir(local).relativeFilePath(path).toStdString(), nz::Bytes(b.begin(), b.end()));
    ++files;
  }
  return files;
}

}  // namespace

class TstLayersCloud : public QObject {
  Q_OBJECT
  nztest::CleanEnv env_;  // no AWS_*/AZURE_* from the developer's shell: only explicit options
  MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;
  nz::StoreOptions azure_, s3_;
  const QString image_ = "az://nzlayers/scans/e_uint16_pyramid_4levels.nii.zarr";
  const QString labels_ = "s3://nzbucket/layers/seg.nii.zarr";

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    auto acct = nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env");
    QVERIFY2(!acct["NZ_AZ_KEY"].empty(), "azurite state missing");
    azure_.azureAccount = acct["NZ_AZ_ACCOUNT"];
    azure_.azureKey = acct["NZ_AZ_KEY"];
    azure_.azureEndpoint = "http://127.0.0.1:10000/" + azure_.azureAccount;
    auto keys = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
    QVERIFY2(!keys["NZ_S3_SECRET_KEY"].empty(), "s3rver state missing");
    s3_.awsAccessKeyId = keys["NZ_S3_ACCESS_KEY"];
    s3_.awsSecretAccessKey = keys["NZ_S3_SECRET_KEY"];
    s3_.awsRegion = "us-east-1";
    s3_.endpointUrl = "http://127.0.0.1:14568";

    auto az = nz::openStore(nz::parseUri(image_.toStdString()), azure_);
    nz::azureCreateContainer(*az);
    QVERIFY(upload(nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr"),
                   image_.toStdString(), azure_) > 5);

    const QString seg = tmp_.filePath("seg.nii.gz"), zarr = tmp_.filePath("seg.nii.zarr");
    QProcess py;
    py.start("/usr/bin/python3", {"-c", kWriter, seg});
    QVERIFY(py.waitForFinished(60000) && py.exitCode() == 0);
    QProcess cli;
    cli.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
              {"convert", seg, zarr, "--chunk", "16", "--levels", "2", "--label", "--quiet"});
    QVERIFY(cli.waitForFinished(60000) && cli.exitCode() == 0);
    QVERIFY(upload(zarr, labels_.toStdString(), s3_) > 5);

    w_ = nzviewer_test::openWindow(image_, QSize(1200, 900), azure_);
    QVERIFY(w_);
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 60000));
  }
  void cleanupTestCase() { delete w_; }

  void wrongCredentialsForTheLayer() {
    DataSource* src = w_->source();
    QSignalSpy failed(src, &DataSource::layerFailed);
    src->addLayer(labels_, azure_, LayerKind::Labels);  // Azure key for an S3 URI
    QVERIFY(failed.wait(60000));
    const QString m = failed.first().first().toString();
    QVERIFY2(m.contains("seg.nii.zarr"), qPrintable(m));
    QVERIFY(!m.contains(QString::fromStdString(azure_.azureKey)));
    QVERIFY(src->layers().empty());
  }

  // `nzview IMAGE --overlay URI --layer-option ...`: the shared --endpoint-url points nowhere
  // (port 9); only the overlay's own --layer-option endpoint-url reaches s3rver. Without it the
  // layer fails with a message naming it; with it the screenshot is complete and coloured.
  void perOverlayCredentialFlags() {
    QTemporaryDir dir;
    auto run = [&](bool ownEndpoint, QString& err) {
      QProcess p;
      QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
      e.insert("AWS_ACCESS_KEY_ID", QString::fromStdString(s3_.awsAccessKeyId));
      e.insert("AWS_SECRET_ACCESS_KEY", QString::fromStdString(s3_.awsSecretAccessKey));
      e.insert("NZVIEW_DISK_CACHE", "off");
      p.setProcessEnvironment(e);
      QStringList args{image_,
                       "--azure-account",
                       QString::fromStdString(azure_.azureAccount),
                       "--azure-key",
                       QString::fromStdString(azure_.azureKey),
                       "--azure-endpoint",
                       QString::fromStdString(azure_.azureEndpoint),
                       "--endpoint-url",
                       "http://127.0.0.1:9",
                       "--overlay",
                       labels_ + ":labels"};
      if (ownEndpoint)
        args << "--layer-option"
             << "endpoint-url=http://127.0.0.1:14568"
             << "--layer-option"
             << "aws-region=us-east-1";
      args << "--screenshot" << dir.filePath("shot.png") << "--size"
           << "1000x700"
           << "--timeout"
           << "60";
      p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"), args);
      if (!p.waitForFinished(120000)) return -1;
      err = QString::fromUtf8(p.readAllStandardError());
      return p.exitCode();
    };
    QString err;
    QCOMPARE(run(false, err), 1);
    QVERIFY2(err.contains("seg.nii.zarr"), qPrintable(err));
    QVERIFY(!err.contains(QString::fromStdString(azure_.azureKey)));
    QFile::remove(dir.filePath("shot.png"));
    QVERIFY2(run(true, err) == 0, qPrintable(err));
    const QImage shot(dir.filePath("shot.png"));
    QVERIFY(!shot.isNull());
    shot.save(nzviewer_test::shotDir() + "/layers_cloud_layer_option.png");
    int coloured = 0;
    for (int y = 0; y < shot.height(); y += 3)
      for (int x = 0; x < shot.width(); x += 3) {
        const QRgb c = shot.pixel(x, y);
        coloured += std::abs(qRed(c) - qGreen(c)) > 30 || std::abs(qGreen(c) - qBlue(c)) > 30;
      }
    QVERIFY2(coloured > 500, qPrintable(QString::number(coloured)));  // the label map is drawn
  }

  void imageOnAzureLabelsOnS3() {
    DataSource* src = w_->source();
    const int id = src->addLayer(labels_, s3_, LayerKind::Labels);
    QVERIFY(waitFor([&] { return src->layer(id) != nullptr; }, 60000));
    // The crosshair at the label map's centre, world (12, 3, 18).
    const auto& refAffine = src->dataset()->info().levels[0].affine;
    const nz::Point3 c = nz::applyAffine(nz::invertAffine(refAffine), {12.0, 3.0, 18.0});
    w_->state()->setCrosshair({std::round(c[0]), std::round(c[1]), std::round(c[2])});
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 60000));
    // Both datasets' chunks came through the one loader.
    Layer* layer = src->layer(id);
    QVERIFY(!src->chunks(0).empty());
    const nz::Matrix4 toLabels =
        nz::voxelToVoxel(refAffine, layer->dataset->info().levels[0].affine);
    int labelled = 0;
    for (SliceView* v : w_->viewer()->views()) {
      QCOMPARE(v->layerSlices().size(), std::size_t(1));
      const LayerSlice& ls = v->layerSlices().front().second;
      QCOMPARE(ls.level, 0);
      QVERIFY(ls.complete());
      const ComposedSlice& s = v->slice();
      const ViewAxes& ax = v->axes();
      const auto sp = displaySpacing(src->dataset()->info());
      for (int r = 0; r < ls.height; r += 2)
        for (int k = 0; k < ls.width; k += 2) {
          nz::Point3 p = w_->state()->crosshair();
          p[ax.screenX] = (s.originX + k * s.spacingX) / (ax.dirX * sp[ax.screenX]);
          p[ax.screenY] = (s.originY + r * s.spacingY) / (ax.dirY * sp[ax.screenY]);
          const nz::Point3 q = nz::applyAffine(toLabels, p);
          std::int64_t i[3];
          bool inside = true, tie = false;
          for (int a = 0; a < 3; ++a) {
            i[a] = std::int64_t(std::floor(q[a] + 0.5));
            inside = inside && i[a] >= 0 && i[a] < std::int64_t(a == 0 ? 48 : a == 1 ? 50 : 60);
            tie = tie || std::abs(q[a] - std::floor(q[a]) - 0.5) < 1e-6;
          }
          if (tie) continue;
          const double got = ls.valueAt(k, r);
          if (!inside) {
            QVERIFY(std::isnan(got));
            continue;
          }
          QCOMPARE(int(got), labelValue(i[0], i[1], i[2]));
          ++labelled;
        }
    }
    qInfo("%d label pixels equal to the S3 label map", labelled);
    QVERIFY(labelled > 1000);
  }
};

QTEST_MAIN(TstLayersCloud)
#include "tst_layers_cloud.moc"
