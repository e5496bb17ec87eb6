// nzview-cli export to and from Azure Blob (Azurite, started by the `azurite` CTest fixture):
// the upload is one commit under the final name, reads back identically, a failed export
// leaves no object, and the account key never appears in any output. Also S3 (s3rver, SigV4)
// and GCS (the token-checking fake): .nii.zarr trees and --rois batches uploaded and read back.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "../cloud/cloud_test_util.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace nz {
void azureCreateContainer(Store& store);  // test hook in io/cloud/azure_store.cpp
}

namespace {

const QString kCli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");
const QString kEndpoint = "http://127.0.0.1:10000/nzacct";

struct Run {
  int rc = -1;
  QString out, err;
};

Run run(const QString& program, const QStringList& args,
        const QProcessEnvironment& extra = QProcessEnvironment()) {
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const QString& k : extra.keys()) env.insert(k, extra.value(k));
  for (const char* v : {"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_KEY",
                        "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_ACCOUNT_NAME"})
    env.remove(v);
  p.setProcessEnvironment(env);
  p.start(program, args);
  Run r;
  if (!p.waitForFinished(180000)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.rc = p.exitCode();
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

QString accountKey() {
  return QString::fromStdString(
      nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env")["NZ_AZ_KEY"]);
}

const char* kSameVolumes = R"(
import sys, numpy as np, nibabel as nib
a, b = nib.load(sys.argv[1]), nib.load(sys.argv[2])
ra, rb = np.asanyarray(a.dataobj.get_unscaled()), np.asanyarray(b.dataobj.get_unscaled())
assert ra.dtype == rb.dtype and ra.shape == rb.shape
assert np.array_equal(ra, rb), 'data differ'
assert np.allclose(a.affine, b.affine, atol=1e-4)
assert a.dataobj.slope == b.dataobj.slope and a.dataobj.inter == b.dataobj.inter
print('ok')
)";

}  // namespace

class TestCliCloud : public QObject {
  Q_OBJECT
  QString key_;
  QStringList creds() const {
    return {"--azure-account", "nzacct", "--azure-key", key_, "--azure-endpoint", kEndpoint};
  }
  void checkNoSecret(const Run& r) {
    QVERIFY2(!r.out.contains(key_) && !r.err.contains(key_), "the account key was printed");
  }

 private slots:
  void initTestCase() {
    key_ = accountKey();
    QVERIFY2(!key_.isEmpty(), "no Azurite accounts.env (is the azurite fixture running?)");
    nz::StoreOptions o;
    o.azureAccount = "nzacct";
    o.azureKey = key_.toStdString();
    o.azureEndpoint = kEndpoint.toStdString();
    auto store = nz::openStore(nz::parseUri("az://nzexport"), o);
    nz::azureCreateContainer(*store);
  }

  void exportUploadsAndReadsBack() {
    QTemporaryDir dir;
    const QString src = kRef + "/b_int16_scl_qform.nii.zarr";
    const QStringList roi{"--roi",    "-3:40,5:30,2:29", "--crop-or-pad",
                          "41,24,30", "--pad-mode",      "reflect"};
    Run up = run(kCli, QStringList{"export", src, "-o", "az://nzexport/roi/b.nii.gz"} + roi +
                           creds() + QStringList{"--stats"});
    QVERIFY2(up.rc == 0, qPrintable(up.err));
    checkNoSecret(up);
    Run info = run(kCli, QStringList{"info", "az://nzexport/roi/b.nii.gz", "--json"} + creds());
    QVERIFY2(info.rc == 0, qPrintable(info.err));
    QVERIFY(info.out.contains("\"format\": \"nifti\""));
    checkNoSecret(info);
    QString local = dir.filePath("local.nii"), back = dir.filePath("back.nii");
    QCOMPARE(run(kCli, QStringList{"export", src, "-o", local} + roi).rc, 0);
    Run down = run(kCli, QStringList{"export", "az://nzexport/roi/b.nii.gz", "-o", back} + creds());
    QVERIFY2(down.rc == 0, qPrintable(down.err));
    Run c = run("/usr/bin/python3", {"-c", kSameVolumes, local, back});
    QVERIFY2(c.rc == 0 && c.out.contains("ok"), qPrintable(c.out + c.err));
  }

  void failedExportLeavesNoObject() {
    QTemporaryDir dir;
    // A source whose second chunk is corrupt: the export fails after reading started.
    QString copy = dir.filePath("src.nii.zarr");
    QVERIFY(QProcess::execute(
                "cp", {"-r", kRef + "/f_blosc_default_chunk64_float32.nii.zarr", copy}) == 0);
    QFile chunk(copy + "/0/1/0/1");
    QVERIFY(chunk.open(QIODevice::WriteOnly | QIODevice::Truncate));
    chunk.write(QByteArray(64, '\x55'));
    chunk.close();
    Run r = run(kCli, QStringList{"export", copy, "-o", "az://nzexport/roi/failed.nii"} + creds());
    QVERIFY(r.rc != 0);
    checkNoSecret(r);
    Run info = run(kCli, QStringList{"info", "az://nzexport/roi/failed.nii"} + creds());
    QVERIFY(info.rc != 0);
    QVERIFY2(info.err.contains("not found", Qt::CaseInsensitive) ||
                 info.err.contains("does not exist", Qt::CaseInsensitive),
             qPrintable(info.err));
  }

  // The same export to S3 (SigV4 via environment credentials) and to GCS (service-account JWT
  // via the emulator host): a .nii.zarr tree and a --rois batch under a prefix, each read back
  // and compared with the local export; the secret never printed.
  void exportToS3AndGcs_data() {
    QTest::addColumn<QString>("prefix");
    QTest::newRow("s3") << "s3://nzbucket/cli-export";
    QTest::newRow("gcs") << "gs://nzprivate/cli-export";
  }
  void exportToS3AndGcs() {
    QFETCH(QString, prefix);
    const QString state = qEnvironmentVariable("NZ_CLOUD_STATE");
    QProcessEnvironment env;
    QStringList opts;
    QString secret;
    if (prefix.startsWith("s3")) {
      auto keys = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
      secret = QString::fromStdString(keys["NZ_S3_SECRET_KEY"]);
      QVERIFY2(!secret.isEmpty(), "no s3rver keys.env");
      env.insert("AWS_ACCESS_KEY_ID", QString::fromStdString(keys["NZ_S3_ACCESS_KEY"]));
      env.insert("AWS_SECRET_ACCESS_KEY", secret);
      env.insert("AWS_REGION", "us-east-1");
      opts = {"--endpoint-url", "http://127.0.0.1:14568"};
    } else {
      QFile sa(state + "/gcs_fake/sa.json");
      QVERIFY(sa.open(QIODevice::ReadOnly));
      secret = QString::fromUtf8(sa.readAll()).section("BEGIN PRIVATE KEY-----", 1).left(40);
      QVERIFY(secret.size() > 20);
      env.insert("STORAGE_EMULATOR_HOST", "127.0.0.1:14443");
      opts = {"--gcs-credentials", state + "/gcs_fake/sa.json"};
    }
    QTemporaryDir dir;
    const QString src = kRef + "/e_uint16_pyramid_4levels.nii.zarr";
    const QStringList roi{"--roi", "10:70,5:60,0:40", "--level", "0"};
    const QString tree = prefix + "/roi.nii.zarr";
    Run up =
        run(kCli, QStringList{"export", src, "-o", tree, "--zarr-version", "2"} + roi + opts, env);
    QVERIFY2(up.rc == 0, qPrintable(up.err));
    Run info = run(kCli, QStringList{"info", tree, "--json"} + opts, env);
    QVERIFY2(info.rc == 0, qPrintable(info.err));
    const QJsonArray shape = QJsonDocument::fromJson(info.out.toUtf8()).object()["shape"].toArray();
    QCOMPARE(shape, QJsonArray({60, 55, 40}));
    const QString local = dir.filePath("local.nii"), back = dir.filePath("back.nii");
    QCOMPARE(run(kCli, QStringList{"export", src, "-o", local} + roi).rc, 0);
    Run down = run(kCli, QStringList{"export", tree, "-o", back} + opts, env);
    QVERIFY2(down.rc == 0, qPrintable(down.err));
    Run same = run("/usr/bin/python3", {"-c", kSameVolumes, local, back});
    QVERIFY2(same.rc == 0 && same.out.contains("ok"), qPrintable(same.out + same.err));

    // A --rois batch into the cloud prefix: names made safe, one object per ROI.
    QFile rois(dir.filePath("rois.json"));
    QVERIFY(rois.open(QIODevice::WriteOnly));
    rois.write(R"({"nzview_rois": 1, "rois": [
      {"name": "../up", "box": [[10, 70], [5, 60], [0, 40]]},
      {"name": "a/b", "level": 1, "box": [[0, 20], [0, 20], [0, 20]]}]})");
    rois.close();
    Run batch = run(
        kCli, QStringList{"export", src, "--rois", rois.fileName(), "-o", prefix + "/batch"} + opts,
        env);
    QVERIFY2(batch.rc == 0, qPrintable(batch.err));
    QCOMPARE(batch.out.trimmed().split('\n'),
             QStringList({prefix + "/batch/up.nii.gz", prefix + "/batch/a_b.nii.gz"}));
    const QString back2 = dir.filePath("back2.nii");
    Run down2 =
        run(kCli, QStringList{"export", prefix + "/batch/up.nii.gz", "-o", back2} + opts, env);
    QVERIFY2(down2.rc == 0, qPrintable(down2.err));
    Run same2 = run("/usr/bin/python3", {"-c", kSameVolumes, local, back2});
    QVERIFY2(same2.rc == 0 && same2.out.contains("ok"), qPrintable(same2.out + same2.err));
    for (const Run* r : {&up, &info, &down, &batch, &down2})
      QVERIFY2(!r->out.contains(secret) && !r->err.contains(secret), "a secret was printed");
  }
};

QTEST_GUILESS_MAIN(TestCliCloud)
#include "tst_cli_cloud.moc"
