// Zipped OME-Zarr (.ozx, RFC-9) read locally and over HTTP (nginx fixture) by ranged reads:
// archives written by Python's zipfile (stored and deflated) and a hand-written all-ZIP64 one;
// info and a whole-volume export must equal those of the unzipped group.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "common/process_run.h"

namespace {

const QString kCli = nztest::kCliPath;
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");
const QString kScript = QStringLiteral(NZ_SOURCE_DIR "/tests/fidelity/fidelity.py");

using nztest::Run;

Run run(const QString& program, const QStringList& args) {
  return nztest::runProcess(program, args);
}

Run cli(const QStringList& args) { return run(kCli, args); }
Run py(const QStringList& args) { return run(nztest::kPython, QStringList{kScript} + args); }

#define CHECK_OK(r) QVERIFY2((r).rc == 0 && (r).out.contains("ok"), qPrintable((r).out + (r).err))
#define CLI_OK(r) QVERIFY2((r).rc == 0, qPrintable((r).err))

QJsonObject info(const QString& uri) {
  Run r = cli({"info", uri, "--json"});
  if (r.rc != 0) qWarning() << r.err;
  return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

}  // namespace

class TestFidelityOzx : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString scratch_;

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    scratch_ = qEnvironmentVariable("NZ_HTTP_STATE") + "/scratch";
    QVERIFY2(QDir(scratch_).exists(), "nginx fixture not running");
  }

  void ozxMatchesUnzipped_data() {
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("kind");
    QTest::newRow("v3 sharded, all ZIP64") << "g2_v3_sharded_uint16"
                                           << "zip64";
    QTest::newRow("v3 blosc, stored") << "g1_v3_uint8_oblique"
                                      << "stored";
    QTest::newRow("v2 pyramid, deflated") << "e_uint16_pyramid_4levels"
                                          << "deflated";
  }
  void ozxMatchesUnzipped() {
    QFETCH(QString, dataset);
    QFETCH(QString, kind);
    const QString group = kRef + "/" + dataset + ".nii.zarr";
    const QString name = dataset + "_" + kind + ".ozx";
    const QString local = dir_.filePath(name);
    CHECK_OK(py({"ozx", group, local, kind}));
    QFile::remove(scratch_ + "/" + name);
    QVERIFY(QFile::copy(local, scratch_ + "/" + name));
    const QString remote = "http://127.0.0.1:18080/scratch/" + name;

    const QJsonObject want = info(group);
    const QString wantNii = dir_.filePath(dataset + "_" + kind + "_dir.nii");
    CLI_OK(cli({"export", group, "-o", wantNii}));
    for (const QString& uri : {local, remote}) {
      const QJsonObject got = info(uri);
      QVERIFY2(!got.isEmpty(), qPrintable(uri));
      for (const char* k : {"format", "shape", "dtype", "affine", "nifti_header"})
        QVERIFY2(got[k] == want[k], k);
      QCOMPARE(got["levels"].toArray().size(), want["levels"].toArray().size());
      for (int i = 0; i < want["levels"].toArray().size(); ++i)
        QCOMPARE(got["levels"].toArray()[i].toObject()["affine"],
                 want["levels"].toArray()[i].toObject()["affine"]);
      const QString gotNii =
          dir_.filePath(dataset + "_" + kind + (uri == local ? "_local" : "_http") + ".nii");
      CLI_OK(cli({"export", uri, "-o", gotNii}));
      CHECK_OK(py({"same-volume", wantNii, gotNii}));
    }
  }

  void notAZipSaysSo() {
    const QString fake = dir_.filePath("fake.ozx");
    QFile f(fake);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(100, 'x'));
    f.close();
    Run r = cli({"info", fake});
    QVERIFY(r.rc != 0);
    QVERIFY2(r.err.contains("not a ZIP archive") && r.err.contains("fake.ozx"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestFidelityOzx)
#include "tst_fidelity_ozx.moc"
