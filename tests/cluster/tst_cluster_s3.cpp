// Parts on a cloud store (s3rver, SigV4): convert --part/--stage into s3:// gives the same
// objects, byte for byte, as a single-process convert on disk, and leaves no record behind;
// export --rois --part into an s3:// prefix skips outputs that exist (HEAD) on a re-run.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "cloud/cloud_test_util.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace fs = std::filesystem;

namespace {

const QString kRef = QString(NZ_TEST_DATA_DIR) + "/refdata";
const QString kEndpoint = "http://127.0.0.1:14568";

struct Run {
  int rc = -1;
  QString out, err;
};

}  // namespace

class TestClusterS3 : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    auto keys = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
    QVERIFY2(!keys["NZ_S3_SECRET_KEY"].empty(), "no s3rver keys.env");
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert("AWS_ACCESS_KEY_ID", QString::fromStdString(keys["NZ_S3_ACCESS_KEY"]));
    env_.insert("AWS_SECRET_ACCESS_KEY", QString::fromStdString(keys["NZ_S3_SECRET_KEY"]));
    env_.insert("AWS_REGION", "us-east-1");
    for (const QString& k : env_.keys()) {
      if (k.startsWith("AWS_")) qputenv(k.toUtf8(), env_.value(k).toUtf8());
    }
    prefix_ = QString("s3://nzbucket/cluster-%1").arg(QCoreApplication::applicationPid());
  }

  void convertPartsIntoS3() {
    const QString in = kRef + "/e_uint16_pyramid_4levels.nii.gz";
    const QStringList opts{"--chunk", "16", "--shard", "32", "--quiet"};
    const QString single = tmp_.filePath("single.nii.zarr");
    Run s = cli(QStringList{"convert", in, single} + opts);
    QVERIFY2(s.rc == 0, qPrintable(s.err));
    const QString out = prefix_ + "/parts.nii.zarr";
    for (int i = 0; i < 3; ++i) {
      Run r = cli(QStringList{"convert", in, out, "--part", QString("%1/3").arg(i)} + opts);
      QVERIFY2(r.rc == 0, qPrintable(r.err));
    }
    for (int i = 0; i < 2; ++i) {
      Run r = cli(
          QStringList{"convert", in, out, "--stage", "pyramid", "--part", QString("%1/2").arg(i)} +
          opts);
      QVERIFY2(r.rc == 0, qPrintable(r.err));
    }
    Run f = cli(QStringList{"convert", in, out, "--stage", "finalize"} + opts);
    QVERIFY2(f.rc == 0, qPrintable(f.err));
    QVERIFY2(f.out.contains("finalized"), qPrintable(f.out));

    nz::StoreOptions so;
    so.endpointUrl = kEndpoint.toStdString();
    auto store = nz::openStore(nz::parseUri(out.toStdString()), so);
    int objects = 0;
    for (const auto& e : fs::recursive_directory_iterator(single.toStdString())) {
      if (!e.is_regular_file()) continue;
      const std::string key = fs::relative(e.path(), single.toStdString()).string();
      nz::ReadResult r = store->read(key);
      QVERIFY2(r.throwIfError(), key.c_str());
      QVERIFY2(r.data == nztest::readFile(e.path().string()), key.c_str());
      ++objects;
    }
    QVERIFY(objects > 20);
    QVERIFY(!store->size(".nzview-parts/level0/0.0.0.json"));
    QVERIFY(!store->size(".nzview-parts/level0/0.0.6.json"));
  }

  void exportPartsSkipWhatExists() {
    QFile rois(tmp_.filePath("rois.json"));
    QVERIFY(rois.open(QIODevice::WriteOnly));
    rois.write(R"({"nzview_rois": 1, "rois": [
      {"name": "a", "box": [[0, 30], [0, 30], [0, 30]]},
      {"name": "b", "level": 1, "box": [[0, 20], [0, 20], [0, 20]]},
      {"name": "c", "box": [[30, 60], [30, 60], [30, 60]]}]})");
    rois.close();
    const QString src = kRef + "/e_uint16_pyramid_4levels.nii.zarr";
    const QString dir = prefix_ + "/patches";
    Run first = cli({"export", src, "--rois", rois.fileName(), "-o", dir, "--part", "1/2"});
    QVERIFY2(first.rc == 0, qPrintable(first.err));
    QCOMPARE(first.out.trimmed().split('\n'), QStringList({dir + "/b.nii.gz", dir + "/c.nii.gz"}));
    Run all = cli({"export", src, "--rois", rois.fileName(), "-o", dir, "--part", "0/1"});
    QVERIFY2(all.rc == 0, qPrintable(all.err));
    QCOMPARE(all.out.trimmed(), dir + "/a.nii.gz");
    QVERIFY2(all.err.contains("skipped " + dir + "/b.nii.gz: exists") &&
                 all.err.contains("skipped " + dir + "/c.nii.gz: exists"),
             qPrintable(all.err));
  }

 private:
  Run cli(const QStringList& args) {
    QProcess p;
    p.setProcessEnvironment(env_);
    p.start(NZ_CLI_EXE, args + QStringList{"--endpoint-url", kEndpoint});
    p.waitForFinished(120000);
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
  }
  QProcessEnvironment env_;
  QString prefix_;
  QTemporaryDir tmp_;
};

QTEST_GUILESS_MAIN(TestClusterS3)
#include "tst_cluster_s3.moc"
