// Header fidelity of exports (every field, extensions, NIfTI version; ROI rules for the slice
// fields), the `nifti` array of .nii.zarr exports against what niizarr stores, `info` listing
// the header and extensions, OME-Zarr 0.5 placements, 0.6 coordinate systems with an affine,
// level sanity, and numcodecs compressors/filters/float16/2D images from zarr-python 2.13. Sources
// are written by nibabel (and the refdata copy of zarr-python 3's layout); every comparison is made
// by nibabel/numpy in fidelity.py.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString kCli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");
const QString kScript = QStringLiteral(NZ_SOURCE_DIR "/tests/fidelity/fidelity.py");

struct Run {
  int rc = -1;
  QString out, err;
};

Run run(const QString& program, const QStringList& args) {
  QProcess p;
  p.start(program, args);
  Run r;
  if (!p.waitForFinished(180000)) {
    p.kill();
    p.waitForFinished();
    r.err = "timeout";
    return r;
  }
  r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

Run cli(const QStringList& args) { return run(kCli, args); }
Run py(const QStringList& args) { return run("/usr/bin/python3", QStringList{kScript} + args); }

#define CHECK_OK(r) QVERIFY2((r).rc == 0 && (r).out.contains("ok"), qPrintable((r).out + (r).err))
#define CLI_OK(r) QVERIFY2((r).rc == 0, qPrintable((r).err))

QJsonObject infoJson(const QString& uri, const QString& saveTo) {
  Run r = cli({"info", uri, "--json"});
  if (r.rc != 0) qWarning() << r.err;
  QFile f(saveTo);
  if (f.open(QIODevice::WriteOnly)) f.write(r.out.toUtf8());
  return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

}  // namespace

class TestFidelityHeaders : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString src(const QString& name) const { return dir_.filePath(name); }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    CHECK_OK(py({"make", dir_.path()}));
    // The project's converter stores the header array as niizarr does (checked below).
    for (const QString n : {"fields_v1", "fields_v2", "plain", "example4d", "example_nifti2"}) {
      Run r = cli({"convert", src(n + ".nii.gz"), src(n + ".nii.zarr"), "--chunk", "8"});
      CLI_OK(r);
    }
  }

  // A whole-volume export keeps every header field as stored, the extensions and the version.
  void wholeExportKeepsEveryField_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("out");
    QTest::newRow("NIfTI-1 .nii.zarr -> .nii") << "fields_v1.nii.zarr"
                                               << "w1.nii";
    QTest::newRow("NIfTI-1 .nii.zarr -> .nii.gz") << "fields_v1.nii.zarr"
                                                  << "w1.nii.gz";
    QTest::newRow("NIfTI-2 .nii.zarr -> .nii") << "fields_v2.nii.zarr"
                                               << "w2.nii";
    QTest::newRow("NIfTI-1 .nii.gz -> .nii") << "fields_v1.nii.gz"
                                             << "w1b.nii";
    QTest::newRow("NIfTI-2 .nii.gz -> .nii.gz") << "fields_v2.nii.gz"
                                                << "w2b.nii.gz";
    QTest::newRow("no extensions") << "plain.nii.zarr"
                                   << "wp.nii";
    QTest::newRow("FSL example4d (4D, comment extensions)") << "example4d.nii.zarr"
                                                            << "fsl.nii";
    QTest::newRow("FSL example_nifti2") << "example_nifti2.nii.zarr"
                                        << "fsl2.nii.gz";
  }
  void wholeExportKeepsEveryField() {
    QFETCH(QString, source);
    QFETCH(QString, out);
    CLI_OK(cli({"export", src(source), "-o", src(out)}));
    const QString original = src(source.section('.', 0, 0) + ".nii.gz");
    CHECK_OK(py({"same-header", original, src(out)}));
  }

  // An ROI keeps what stays true and moves the affine; slice_start/end follow the rule in
  // README (shifted when the ROI holds the whole acquired range, cleared when it cuts it).
  void roiExportUpdatesWhatChanges_data() {
    QTest::addColumn<QString>("roi");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("rule");
    QTest::newRow("z whole") << "2:15,3:14,0:12"
                             << "2,3,0"
                             << "shift";
    QTest::newRow("z holds slices 2..9") << "0:20,1:18,1:11"
                                         << "0,1,1"
                                         << "shift";
    QTest::newRow("z cuts slices 2..9") << "0:20,0:18,4:12"
                                        << "0,0,4"
                                        << "cleared";
  }
  void roiExportUpdatesWhatChanges() {
    QFETCH(QString, roi);
    QFETCH(QString, origin);
    QFETCH(QString, rule);
    const QString out = src("roi_" + QString(QTest::currentDataTag()).replace(' ', '_') + ".nii");
    CLI_OK(cli({"export", src("fields_v1.nii.zarr"), "-o", out, "--roi", roi}));
    const QStringList o = origin.split(',');
    CHECK_OK(py({"roi-header", src("fields_v1.nii.gz"), out, o[0], o[1], o[2], rule}));
  }

  // The `nifti` array of .nii.zarr outputs is byte for byte what niizarr stores.
  void niftiArrayAsReference_data() {
    QTest::addColumn<QString>("source");
    QTest::newRow("extensions, NIfTI-1") << "fields_v1";
    QTest::newRow("extensions, NIfTI-2") << "fields_v2";
    QTest::newRow("no extensions") << "plain";
    QTest::newRow("FSL example4d") << "example4d";
  }
  void niftiArrayAsReference() {
    QFETCH(QString, source);
    // convert (from the .nii.gz) and export (from the .nii.zarr), Zarr v2 and v3.
    CHECK_OK(py({"nifti-array", src(source + ".nii.gz"), src(source + ".nii.zarr")}));
    for (const QString v : {"2", "3"}) {
      const QString out = src(source + "_export_v" + v + ".nii.zarr");
      CLI_OK(cli({"export", src(source + ".nii.zarr"), "-o", out, "--zarr-version", v}));
      CHECK_OK(py({"nifti-array", src(source + ".nii.gz"), out}));
    }
  }

  void infoListsHeaderAndExtensions() {
    for (const QString n : {"fields_v1", "fields_v2"}) {
      const QString file = src(n + "_info.json");
      const QJsonObject j = infoJson(src(n + ".nii.zarr"), file);
      QCOMPARE(j["description"].toString(), QString("FSL3.3"));
      CHECK_OK(py({"info-header", src(n + ".nii.gz"), file}));
      const QJsonArray ext = j["nifti_header"].toObject()["extensions"].toArray();
      QCOMPARE(ext.size(), 3);
      QCOMPARE(ext[0].toObject()["name"].toString(), QString("comment"));
      QCOMPARE(ext[2].toObject()["kind"].toString(), QString("json"));
      QCOMPARE(ext[2].toObject()["content"].toObject()["ResonantNucleus"].toArray()[0].toString(),
               QString("1H"));
    }
    Run t = cli({"info", src("fields_v1.nii.zarr")});
    CLI_OK(t);
    QVERIFY2(t.out.contains("descrip           'FSL3.3\\x00 v2.25 NIfTI-1 Single file format'"),
             qPrintable(t.out));
    QVERIFY(t.out.contains("slice             start 2, end 9, code 1, duration 0.125"));
    QVERIFY(t.out.contains("dim_info          57 (freq 1, phase 2, slice 3)"));
    QVERIFY(
        t.out.contains("extension 1     code 6 (comment), 31 bytes (esize 48), text: "
                       "second comment, 31 bytes long!!"));
    QVERIFY(t.out.contains("db_name           'db\\x00name'"));
  }

  // OME-Zarr 0.5: "ome.multiscales" or a top-level "multiscales"; both disagreeing -> "ome"
  // wins and a warning says so.
  void ome05Placements() {
    CHECK_OK(py({"ome05", kRef, dir_.path()}));
    for (const QString n : {"ome_only", "top_only", "both"}) {
      const QString file = src(n + "_info.json");
      const QJsonObject j = infoJson(src(n + ".ome.zarr"), file);
      QCOMPARE(j["format"].toString(), QString("ome-zarr"));
      CHECK_OK(py({"info-affine", file, src("expected05.npy")}));
      const QJsonArray w = j["warnings"].toArray();
      if (n == "both") {
        QCOMPARE(w.size(), 1);
        QVERIFY(w[0].toString().contains("disagree"));
      } else {
        QCOMPARE(w.size(), 0);
      }
    }
    Run t = cli({"info", src("both.ome.zarr")});
    QVERIFY(t.out.contains("warning"));
  }

  // OME-Zarr 0.6: coordinateSystems, level sequences, and an oblique affine to nifti:sform.
  void ome06AffineLandsInPlace() {
    CHECK_OK(py({"ome06", kRef, dir_.path()}));
    const QString file = src("affine06_info.json");
    const QJsonObject j = infoJson(src("affine.ome.zarr"), file);
    QCOMPARE(j["format"].toString(), QString("ome-zarr"));
    CHECK_OK(py({"info-affine", file, src("expected06.npy")}));
  }

  // numcodecs compressors/filters, float16 and 2D images written by zarr-python 2.13: the
  // whole-volume export equals zarr-python's read.
  void codecsWrittenByZarrPython_data() {
    QTest::addColumn<QString>("name");
    for (const char* n :
         {"lz4", "bz2", "lzma", "delta", "fixedscaleoffset", "float16", "yx", "cyx"})
      QTest::newRow(n) << n;
  }
  void codecsWrittenByZarrPython() {
    QFETCH(QString, name);
    static bool made = false;
    if (!made) {
      CHECK_OK(py({"codecs", dir_.path()}));
      made = true;
    }
    const QString group = src(name + ".ome.zarr");
    const QJsonObject j = infoJson(group, src(name + "_codec_info.json"));
    QVERIFY2(!j.isEmpty(), "info failed");
    const QString out = src(name + "_codec.nii");
    CLI_OK(cli({"export", group, "-o", out}));
    CHECK_OK(py({"check-codec", group, out}));
    if (name == "float16") {
      QCOMPARE(j["dtype"].toString(), QString("float32"));
      QVERIFY(j["warnings"].toArray()[0].toString().contains("float16"));
    }
    if (name == "yx") QCOMPARE(j["shape"].toArray()[2].toInt(), 1);
  }

  // Nested sharding (shards of shards; outer index with crc32c at the end, inner index at the
  // start, empty inner chunks): the innermost chunk is the read unit.
  void nestedSharding() {
    CHECK_OK(py({"nested", dir_.path()}));
    const QString group = src("nested.ome.zarr");
    const QJsonObject j = infoJson(group, src("nested_info.json"));
    const QJsonObject l0 = j["levels"].toArray()[0].toObject();
    QCOMPARE(l0["chunks"].toArray()[0].toInt(), 4);
    QCOMPARE(l0["shards"].toArray()[0].toInt(), 16);
    const QString out = src("nested.nii");
    CLI_OK(cli({"export", group, "-o", out}));
    CHECK_OK(py({"check-array", src("nested_expected.npy"), out}));
  }

  void levelReadByShapeWhenScaleLies() {
    CHECK_OK(py({"level-sanity", kRef, dir_.path()}));
    const QString file = src("badscale_info.json");
    const QJsonObject j = infoJson(src("badscale.nii.zarr"), file);
    const QJsonArray w = j["warnings"].toArray();
    QCOMPARE(w.size(), 1);
    QVERIFY2(w[0].toString().contains("level 1: declared scale does not match its shape"),
             qPrintable(w[0].toString()));
    CHECK_OK(py({"info-level-affine", file, "1", src("expected_level1.npy")}));
  }
};

QTEST_GUILESS_MAIN(TestFidelityHeaders)
#include "tst_fidelity_headers.moc"
