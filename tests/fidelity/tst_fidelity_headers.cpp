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

  // --byte-order big: big-endian on disk (header, voxels; .nii.zarr header array and chunks:
  // v2 '>' dtype, v3 bytes codec endian big), every header field and extension and the voxels
  // as the source (nibabel; zarr-python 2.13 for v2), read back by nzview (info says big; a
  // little-endian export of it equals the source field by field), and the manifest records the
  // byte order so the replay is byte-identical.
  void bigEndianExports_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("out");
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("NIfTI-1 -> .nii") << "fields_v1.nii.zarr"
                                     << "be1.nii" << QStringList{};
    QTest::newRow("NIfTI-2 -> .nii.gz") << "fields_v2.nii.zarr"
                                        << "be2.nii.gz" << QStringList{};
    QTest::newRow("FSL 4D -> .nii.gz") << "example4d.nii.zarr"
                                       << "be4d.nii.gz" << QStringList{};
    QTest::newRow("NIfTI-1 -> .nii.zarr v2")
        << "fields_v1.nii.zarr"
        << "be_v2.nii.zarr" << QStringList{"--zarr-version", "2", "--chunk", "8"};
    QTest::newRow("NIfTI-1 -> .nii.zarr v3") << "fields_v1.nii.zarr"
                                             << "be_v3.nii.zarr" << QStringList{"--chunk", "8"};
    QTest::newRow("NIfTI-1 -> .nii.zarr v3 sharded")
        << "fields_v1.nii.zarr"
        << "be_v3s.nii.zarr" << QStringList{"--chunk", "4", "--shard", "8"};
  }
  void bigEndianExports() {
    QFETCH(QString, source);
    QFETCH(QString, out);
    QFETCH(QStringList, extra);
    const QString original = src(source.section('.', 0, 0) + ".nii.gz");
    CLI_OK(cli(QStringList{"export", src(source), "-o", src(out), "--byte-order", "big"} + extra));
    CHECK_OK(py({"big-endian", original, src(out)}));
    const QJsonObject info = infoJson(src(out), src(out + ".info.json"));
    QCOMPARE(info["header_byte_order"].toString(), QStringLiteral("big"));
    const QString back = src(out.section('.', 0, 0) + "_back.nii");
    CLI_OK(cli({"export", src(out), "-o", back}));
    CHECK_OK(py({"same-header", original, back}));
    QFile mf(src(out) + ".nzview.json");
    QVERIFY(mf.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(mf.readAll())
                 .object()["output"]
                 .toObject()["byte_order"]
                 .toString(),
             QStringLiteral("big"));
    const QString again = src("again_" + out);
    CLI_OK(cli({"export", "--replay", src(out) + ".nzview.json", "-o", again}));
    if (!out.endsWith(".nii.zarr")) {
      QFile a(src(out)), b(again);
      QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
      QVERIFY(a.readAll() == b.readAll());
    }
  }

  void byteOrderIsChecked() {
    Run r = cli({"export", src("plain.nii.zarr"), "-o", src("x.nii"), "--byte-order", "middle"});
    QVERIFY(r.rc != 0);
    QVERIFY2(r.err.contains("--byte-order must be little or big, not middle"), qPrintable(r.err));
    QVERIFY(!QFile::exists(src("x.nii")));
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

  // 0.6 byDimension (a z scale+shift and a y-x rotation as separate entries), in the rc0
  // spelling (inputAxes/outputAxes) and the dev one (input_axes/output_axes): the affine lands
  // where numpy puts it (1e-4).
  void ome06ByDimension() {
    CHECK_OK(py({"ome06-bydim", kRef, dir_.path()}));
    for (const QString style : {"rc0", "dev"}) {
      const QString file = src("bydim_" + style + "_info.json");
      const QJsonObject j = infoJson(src("bydim_" + style + ".ome.zarr"), file);
      QCOMPARE(j["format"].toString(), QString("ome-zarr"));
      QVERIFY2(j["warnings"].toArray().isEmpty(),
               qPrintable(QJsonDocument(j["warnings"].toArray()).toJson()));
      CHECK_OK(py({"info-affine", file, src("expected_bydim_" + style + ".npy")}));
    }
  }

  // A 0.6 scene group relating two images: opening the scene shows the first image placed in
  // the scene's system (affine 1e-4), says so and names the other image; its export carries
  // that affine and the image's voxels.
  void ome06Scene() {
    CHECK_OK(py({"ome06-scene", kRef, dir_.path()}));
    const QString file = src("scene_info.json");
    const QJsonObject j = infoJson(src("scene.ome.zarr"), file);
    QCOMPARE(j["format"].toString(), QString("ome-zarr"));
    CHECK_OK(py({"info-affine", file, src("expected_scene.npy")}));
    const QString warnings = QJsonDocument(j["warnings"].toArray()).toJson();
    QVERIFY2(warnings.contains("OME-Zarr scene: showing image brainA in the scene's system "
                               "\\\"atlas\\\" (the scene also holds brainB)"),
             qPrintable(warnings));
    CLI_OK(cli({"export", src("scene.ome.zarr"), "-o", src("scene.nii")}));
    CLI_OK(cli({"export", src("scene.ome.zarr/brainA"), "-o", src("brainA.nii")}));
    const QString out = src("scene_nii_info.json");
    infoJson(src("scene.nii"), out);
    CHECK_OK(py({"info-affine", out, src("expected_scene.npy")}));
    CHECK_OK(py({"check-array-of", src("brainA.nii"), src("scene.nii")}));
  }

  // An image of a 0.6 scene opened by its own URI (not the scene's) is placed by the scene's
  // transform that starts from it, found in the group above (affines to 1e-4).
  void ome06SceneImageOpenedDirectly() {
    CHECK_OK(py({"ome06-scene", kRef, dir_.path()}));
    const QString fileA = src("scene_brainA_info.json");
    const QJsonObject a = infoJson(src("scene.ome.zarr/brainA"), fileA);
    CHECK_OK(py({"info-affine", fileA, src("expected_scene.npy")}));
    const QString fileB = src("scene_brainB_info.json");
    const QJsonObject b = infoJson(src("scene.ome.zarr/brainB"), fileB);
    CHECK_OK(py({"info-affine", fileB, src("expected_scene_brainB.npy")}));
    const QString warnings = QJsonDocument(b["warnings"].toArray()).toJson();
    QVERIFY2(warnings.contains("OME-Zarr scene: showing image brainB in the scene's system "
                               "\\\"atlas\\\" (the scene also holds brainA)"),
             qPrintable(warnings));
    // Its export carries the scene's affine too.
    CLI_OK(cli({"export", src("scene.ome.zarr/brainB"), "-o", src("brainB.nii")}));
    const QString out = src("brainB_nii_info.json");
    infoJson(src("brainB.nii"), out);
    CHECK_OK(py({"info-affine", out, src("expected_scene_brainB.npy")}));
    QCOMPARE(a["shape"].toArray(), b["shape"].toArray());
  }

  // Images written by zarrita (npm, pinned in tests/servers/package.json): a big-endian v3
  // array with edge chunks and a 2D yx image; nzview's export holds the values and the OME
  // geometry (1e-4).
  void zarritaWrittenImages() {
    const QString script = QStringLiteral(NZ_SOURCE_DIR "/tests/servers/write_zarrita.mjs");
    QVERIFY2(QFile::exists(QStringLiteral(NZ_SOURCE_DIR "/tests/servers/node_modules/zarrita")),
             "zarrita is not installed: run tests/servers/install.sh");
    Run w = run("node", {script, dir_.path()});
    QVERIFY2(w.rc == 0 && w.out.contains("ok"), qPrintable(w.out + w.err));
    for (const QString kind : {"3d", "2d"}) {
      const QString in = src("zarrita_" + kind + ".ome.zarr"),
                    out = src("zarrita_" + kind + ".nii");
      CLI_OK(cli({"export", in, "-o", out}));
      CHECK_OK(py({"check-zarrita", kind, out}));
    }
    const QJsonObject j = infoJson(src("zarrita_3d.ome.zarr"), src("zarrita_3d_info.json"));
    QCOMPARE(j["dtype"].toString(), QStringLiteral("uint16"));
    QCOMPARE(j["shape"].toArray(), QJsonArray({14, 12, 10}));
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
