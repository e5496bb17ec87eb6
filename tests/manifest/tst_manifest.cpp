// Export manifests end to end through nzview-cli: every export writes OUT.nzview.json with the
// request, the result and the SHA-256 of what was written (checked here against the files
// themselves); `export --replay` rebuilds .nii, .nii.gz and .nii.zarr byte for byte and refuses
// once the source object was replaced; `manifest DIR --csv` round-trips through Python's csv.
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "common/process_run.h"
#include "dataset/dataset.h"
#include "manifest/manifest.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"

namespace {

const QString kCli = nztest::kCliPath;
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");

using nztest::Run;

Run run(const QStringList& args) { return nztest::runProcess(kCli, args, 120000); }

QByteArray fileBytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString sha256(const QByteArray& b) {
  return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex());
}

// key -> bytes of every file under a .nii.zarr folder.
QMap<QString, QByteArray> treeOf(const QString& dir) {
  QMap<QString, QByteArray> files;
  QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString p = it.next();
    files[QDir(dir).relativeFilePath(p)] = fileBytes(p);
  }
  return files;
}

QJsonObject manifestOf(const QString& out) {
  return QJsonDocument::fromJson(fileBytes(out + ".nzview.json")).object();
}

bool copyTree(const QString& from, const QString& to) {
  return QProcess::execute("cp", {"-r", from, to}) == 0;
}

}  // namespace

class TestManifest : public QObject {
  Q_OBJECT

 private slots:
  // The manifest of a padded, cropped ROI of a scaled int16 source: every field checked.
  void manifestFields() {
    QTemporaryDir dir;
    const QString src = dir.filePath("src.nii.zarr");
    QVERIFY(copyTree(kRef + "/b_int16_scl_qform.nii.zarr", src));
    const QString out = dir.filePath("roi.nii.gz");
    Run r = run({"export", src, "-o", out, "--roi", "-3:40,5:30,2:29", "--crop-or-pad", "41,24,30",
                 "--pad-mode", "constant", "--pad-value", "7.5", "--gzip-level", "4"});
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    const QJsonObject m = manifestOf(out);
    QCOMPARE(m["nzview_manifest"].toInt(), 1);
    QCOMPARE(m["nzview_version"].toString(), QStringLiteral(NZVIEW_VERSION));
    const QJsonObject source = m["source"].toObject();
    QCOMPARE(source["uri"].toString(), src);
    QCOMPARE(source["format"].toString(), QStringLiteral("nifti-zarr"));
    // Local validators: size and mtime of each metadata object read.
    const QJsonArray validators = source["validators"].toArray();
    QVERIFY(validators.size() >= 2);
    for (const auto& v : validators) {
      const QJsonObject o = v.toObject();
      const QFileInfo fi(src + "/" + o["key"].toString());
      QVERIFY2(fi.exists(), qPrintable(o["key"].toString()));
      QCOMPARE(o["size"].toInteger(), fi.size());
      QVERIFY(!o["last_modified"].toString().isEmpty());
    }
    const QJsonObject req = m["request"].toObject();
    QCOMPARE(req["level"].toInt(), 0);
    QCOMPARE(req["roi"].toArray(),
             QJsonArray({QJsonArray{-3, 40}, QJsonArray{5, 30}, QJsonArray{2, 29}}));
    QCOMPARE(req["crop_or_pad"].toArray(), QJsonArray({41, 24, 30}));
    QCOMPARE(req["pad_mode"].toString(), QStringLiteral("constant"));
    QCOMPARE(req["pad_value"].toDouble(), 7.5);
    const QJsonObject res = m["result"].toObject();
    // CropOrPad of 43x25x27 to 41x24x30: crop ceil(d/2) at the start, floor(d/2) at the end
    // (x: 1 and 1, y: 1 and 0), pad ceil(3/2)=2 before and 1 after (z).
    QCOMPARE(res["voxel_box"].toArray(),
             QJsonArray({QJsonArray{-2, 39}, QJsonArray{6, 30}, QJsonArray{0, 30}}));
    QCOMPARE(res["shape"].toArray(), QJsonArray({41, 24, 30}));
    QCOMPARE(res["dtype"].toString(), QStringLiteral("int16"));
    QVERIFY(res["scl_slope"].toDouble() != 0);
    // pad_value_raw = (7.5 - inter) / slope
    QVERIFY(std::abs(req["pad_value_raw"].toDouble() * res["scl_slope"].toDouble() +
                     res["scl_inter"].toDouble() - 7.5) < 1e-9);
    // World box = the affine applied to the box corners.
    const QJsonArray aff = res["affine"].toArray();
    const QJsonArray world = res["world_box"].toArray();
    for (int row = 0; row < 3; ++row) {
      const QJsonArray ar = aff[row].toArray();
      double lo = 1e300, hi = -1e300;
      for (int c = 0; c < 8; ++c) {
        const double x = (c & 1) ? 38 : -2, y = (c & 2) ? 29 : 6, z = (c & 4) ? 29 : 0;
        const double w =
            ar[0].toDouble() * x + ar[1].toDouble() * y + ar[2].toDouble() * z + ar[3].toDouble();
        lo = std::min(lo, w);
        hi = std::max(hi, w);
      }
      QVERIFY(std::abs(world[row].toArray()[0].toDouble() - lo) < 1e-4);
      QVERIFY(std::abs(world[row].toArray()[1].toDouble() - hi) < 1e-4);
    }
    const QJsonObject o = m["output"].toObject();
    QCOMPARE(o["path"].toString(), out);
    QCOMPARE(o["format"].toString(), QStringLiteral("nii.gz"));
    QCOMPARE(o["gzip_level"].toInt(), 4);
    QCOMPARE(o["sha256"].toString(), sha256(fileBytes(out)));
    QCOMPARE(o["objects"].toArray()[0].toObject()["size"].toInteger(), QFileInfo(out).size());
  }

  // Replays are byte-identical for each format; a .nii.zarr's per-object digests are right.
  void replayIsByteIdentical_data() {
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("nii") << ".nii" << QStringList{};
    QTest::newRow("nii.gz") << ".nii.gz" << QStringList{"--pad-mode", "reflect"};
    QTest::newRow("nii.zarr v2 zstd")
        << ".nii.zarr"
        << QStringList{"--zarr-version", "2", "--chunk", "16", "--compressor", "zstd"};
    QTest::newRow("nii.zarr v3") << ".nii.zarr" << QStringList{"--chunk", "32"};
  }
  void replayIsByteIdentical() {
    QFETCH(QString, suffix);
    QFETCH(QStringList, extra);
    QTemporaryDir dir;
    const QString src = kRef + "/e_uint16_pyramid_4levels.nii.zarr";
    const QString out = dir.filePath("a" + suffix), again = dir.filePath("b" + suffix);
    Run r = run(QStringList{"export", src, "-o", out, "--level", "1", "--roi", "-4:40,3:37,0:30",
                            "--crop-or-pad", "40,40,36"} +
                extra);
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    const QJsonObject m = manifestOf(out);
    Run rp = run({"export", "--replay", out + ".nzview.json", "-o", again});
    QVERIFY2(rp.rc == 0, qPrintable(rp.err));
    QCOMPARE(rp.out.trimmed(), again);
    QVERIFY2(rp.err.isEmpty(), qPrintable(rp.err));
    if (suffix == ".nii.zarr") {
      const auto a = treeOf(out), b = treeOf(again);
      QVERIFY(a.size() > 5);
      QCOMPARE(a.keys(), b.keys());
      for (const QString& k : a.keys()) QVERIFY2(a[k] == b[k], qPrintable(k));
      // Every object digested, and the tree digest is the sorted "<sha>  <key>" lines.
      const QJsonArray objects = m["output"].toObject()["objects"].toArray();
      QCOMPARE(objects.size(), a.size());
      QByteArray lines;
      for (const auto& v : objects) {
        const QJsonObject o = v.toObject();
        QCOMPARE(o["sha256"].toString(), sha256(a[o["key"].toString()]));
        lines += o["sha256"].toString().toLatin1() + "  " + o["key"].toString().toUtf8() + "\n";
      }
      QCOMPARE(m["output"].toObject()["sha256"].toString(), sha256(lines));
    } else {
      QVERIFY(!fileBytes(out).isEmpty());
      QVERIFY(fileBytes(out) == fileBytes(again));
      // Without -o: the recorded output is rebuilt where it was, never replaced unasked.
      Run exists = run({"export", "--replay", out + ".nzview.json"});
      QVERIFY(exists.rc != 0);
      QVERIFY2(exists.err.contains("exists; give -o OUT"), qPrintable(exists.err));
      const QByteArray before = fileBytes(out);
      QVERIFY(QFile::remove(out));
      Run rebuilt = run({"export", "--replay", out + ".nzview.json"});
      QVERIFY2(rebuilt.rc == 0, qPrintable(rebuilt.err));
      QVERIFY(fileBytes(out) == before);
    }
    // The replay's own manifest records the same digest.
    QCOMPARE(manifestOf(again)["output"].toObject()["sha256"].toString(),
             m["output"].toObject()["sha256"].toString());
  }

  // Replacing a metadata object of the source (same bytes, new mtime; then new bytes) makes the
  // replay refuse, naming the object, unless --allow-changed.
  void replayRefusesChangedSource() {
    QTemporaryDir dir;
    const QString src = dir.filePath("src.nii.zarr");
    QVERIFY(copyTree(kRef + "/g1_v3_uint8_oblique.nii.zarr", src));
    const QString out = dir.filePath("a.nii");
    QCOMPARE(run({"export", src, "-o", out, "--roi", "0:20,0:20,0:10"}).rc, 0);
    // Replaced by a copy with the same content: mtime differs.
    const QString meta = src + "/zarr.json";
    const QByteArray original = fileBytes(meta);
    QTest::qWait(20);
    QVERIFY(QFile::remove(meta));
    QFile f(meta);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(original + "\n");
    f.close();
    Run r = run({"export", "--replay", out + ".nzview.json", "-o", dir.filePath("b.nii")});
    QCOMPARE(r.rc == 0, false);
    QVERIFY2(r.err.contains("changed since the export") && r.err.contains("zarr.json: size") &&
                 r.err.contains("--allow-changed"),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(dir.filePath("b.nii")));
    Run allowed = run({"export", "--replay", out + ".nzview.json", "-o", dir.filePath("b.nii"),
                       "--allow-changed"});
    QVERIFY2(allowed.rc == 0, qPrintable(allowed.err));
    QVERIFY(allowed.err.contains("source changed: zarr.json"));
    QVERIFY(fileBytes(out) == fileBytes(dir.filePath("b.nii")));  // only whitespace changed
  }

  // The manifest's validators are those the open's own reads returned: writing it costs no
  // request (a request beside the chunk wave takes a connection the wave wants), and they name
  // exactly the objects the dataset was built from.
  void manifestTakesNoExtraRead_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QStringList>("keys");
    QTest::newRow("zarr v2") << "e_uint16_pyramid_4levels.nii.zarr"
                             << QStringList{".zgroup",   ".zattrs",   "nifti/.zarray", "nifti/0",
                                            "0/.zarray", "1/.zarray", "2/.zarray",     "3/.zarray"};
    QTest::newRow("zarr v3") << "g1_v3_uint8_oblique.nii.zarr"
                             << QStringList{"zarr.json", "nifti/zarr.json", "nifti/c/0",
                                            "0/zarr.json", "1/zarr.json"};
    QTest::newRow("nii.gz") << "a_uint8_oblique_sform.nii.gz" << QStringList{"src"};
  }
  void manifestTakesNoExtraRead() {
    QFETCH(QString, source);
    QFETCH(QStringList, keys);
    QTemporaryDir dir;
    const QString src = dir.filePath(source.endsWith(".nii.gz") ? "src.nii.gz" : "src.nii.zarr");
    if (source.endsWith(".nii.gz")) {
      QVERIFY(QFile::copy(kRef + "/" + source, src));
      keys = QStringList{"src.nii.gz"};
    } else {
      QVERIFY(copyTree(kRef + "/" + source, src));
    }
    auto requests = [&](const QStringList& extra) {
      Run r = run(QStringList{"export", src, "-o", dir.filePath("roi.nii"), "--roi", "2:9,3:8,1:6",
                              "--stats"} +
                  extra);
      if (r.rc != 0) qWarning() << r.err;
      // --stats prints one JSON line on stderr, last.
      const QJsonObject stats =
          QJsonDocument::fromJson(r.err.trimmed().split('\n').last().toUtf8()).object();
      return stats["requests"].toInt(-1);
    };
    const int without = requests({"--no-manifest"});
    const int with = requests({});
    QVERIFY(without > 0);
    QCOMPARE(with, without);
    QStringList got;
    for (const auto& v :
         manifestOf(dir.filePath("roi.nii"))["source"].toObject()["validators"].toArray()) {
      const QJsonObject o = v.toObject();
      got << o["key"].toString();
      QCOMPARE(o["size"].toInteger(),
               QFileInfo(src + (src.endsWith(".nii.gz") ? QString() : "/" + o["key"].toString()))
                   .size());
      QVERIFY(!o["last_modified"].toString().isEmpty());
    }
    got.sort();
    keys.sort();
    QCOMPARE(got, keys);
    // The .nii's digest, hashed beside the write, is the file's.
    const QString out = dir.filePath("roi.nii");
    QCOMPARE(manifestOf(out)["output"].toObject()["sha256"].toString(), sha256(fileBytes(out)));
  }

  // A .nii.gz source: its validators are the file's; replacing the file is refused.
  void replayOfNiftiSource() {
    QTemporaryDir dir;
    const QString src = dir.filePath("src.nii.gz");
    QVERIFY(QFile::copy(kRef + "/a_uint8_oblique_sform.nii.gz", src));
    const QString out = dir.filePath("a.nii.zarr");
    QCOMPARE(run({"export", src, "-o", out, "--roi", "5:30,5:30,5:30"}).rc, 0);
    const QJsonArray v = manifestOf(out)["source"].toObject()["validators"].toArray();
    QCOMPARE(v.size(), 1);
    QCOMPARE(v[0].toObject()["key"].toString(), QStringLiteral("src.nii.gz"));
    QCOMPARE(v[0].toObject()["size"].toInteger(), QFileInfo(src).size());
    Run ok = run({"export", "--replay", out + ".nzview.json", "-o", dir.filePath("b.nii.zarr")});
    QVERIFY2(ok.rc == 0, qPrintable(ok.err));
    QVERIFY(treeOf(out) == treeOf(dir.filePath("b.nii.zarr")));
    QVERIFY(QFile::remove(src));
    QVERIFY(QFile::copy(kRef + "/b_int16_scl_qform.nii.gz", src));
    Run r = run({"export", "--replay", out + ".nzview.json", "-o", dir.filePath("c.nii.zarr")});
    QVERIFY(r.rc != 0);
    QVERIFY2(r.err.contains("changed since the export") && r.err.contains("src.nii.gz"),
             qPrintable(r.err));
    QVERIFY(!QFile::exists(dir.filePath("c.nii.zarr")));
  }

  // `export --with` pairs: both files get a manifest; the image's records the label map's
  // source, validators and digest; replaying it rebuilds both byte for byte; a changed label
  // map is refused (nothing written) unless --allow-changed; the label file's own manifest
  // points at the image's.
  void pairReplay_data() {
    QTest::addColumn<QString>("format");
    QTest::newRow("nii") << "nii";
    QTest::newRow("nii.gz") << "nii.gz";
    QTest::newRow("nii.zarr") << "nii.zarr";
  }
  void pairReplay() {
    QFETCH(QString, format);
    QTemporaryDir dir;
    const QString src = dir.filePath("image.nii.zarr");
    QVERIFY(copyTree(kRef + "/a_uint8_oblique_sform.nii.zarr", src));
    const QString labels = dir.filePath("labels.nii.gz");
    QVERIFY(QFile::copy(kRef + "/a_uint8_oblique_sform.nii.gz", labels));
    const QString pairs = dir.filePath("pairs");
    Run r = run({"export", src, "--roi", "-2:30,0:25,3:20", "--crop-or-pad", "30,26,16", "--with",
                 labels, "-o", pairs, "--format", format});
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    const QString image = pairs + "/roi_image." + format, lab = pairs + "/roi_labels." + format;
    QCOMPARE(r.out.trimmed().split('\n'), QStringList({image, lab}));
    auto digestOf = [&](const QString& out) {
      if (format != "nii.zarr") return sha256(fileBytes(out));
      QByteArray lines;
      const auto tree = treeOf(out);
      for (auto it = tree.begin(); it != tree.end(); ++it)
        lines += sha256(it.value()).toLatin1() + "  " + it.key().toUtf8() + "\n";
      return sha256(lines);
    };
    // The image manifest: its own source and output, plus the label map's.
    const QJsonObject im = manifestOf(image);
    QCOMPARE(im["source"].toObject()["uri"].toString(), src);
    QCOMPARE(im["output"].toObject()["sha256"].toString(), digestOf(image));
    const QJsonObject with = im["with"].toObject();
    QCOMPARE(with["role"].toString(), QStringLiteral("image"));
    const QJsonObject ls = with["labels"].toObject();
    QCOMPARE(ls["uri"].toString(), labels);
    QCOMPARE(ls["format"].toString(), QStringLiteral("nifti"));
    const QJsonArray lv = ls["validators"].toArray();
    QCOMPARE(lv.size(), 1);
    QCOMPARE(lv[0].toObject()["key"].toString(), QStringLiteral("labels.nii.gz"));
    QCOMPARE(lv[0].toObject()["size"].toInteger(), QFileInfo(labels).size());
    QVERIFY(!lv[0].toObject()["last_modified"].toString().isEmpty());
    const QJsonObject lo = with["output"].toObject();
    QCOMPARE(lo["path"].toString(), lab);
    QCOMPARE(lo["dtype"].toString(), QStringLiteral("uint8"));
    QCOMPARE(lo["resampling"].toString(), QStringLiteral("nearest"));
    QCOMPARE(lo["sha256"].toString(), digestOf(lab));
    // The label file's own manifest: its source is the label map, its grid the image's.
    const QJsonObject lm = manifestOf(lab);
    QCOMPARE(lm["with"].toObject()["role"].toString(), QStringLiteral("labels"));
    QCOMPARE(lm["with"].toObject()["image_output"].toString(), image);
    QCOMPARE(lm["source"].toObject()["uri"].toString(), labels);
    QCOMPARE(lm["output"].toObject()["sha256"].toString(), digestOf(lab));
    QCOMPARE(lm["result"].toObject()["affine"], im["result"].toObject()["affine"]);
    QCOMPARE(lm["result"].toObject()["shape"].toArray(), QJsonArray({30, 26, 16}));
    QCOMPARE(lm["result"].toObject()["voxel_box"], im["result"].toObject()["voxel_box"]);

    // Replay: both rebuilt in the directory -o, byte for byte.
    const QString again = dir.filePath("again");
    Run rp = run({"export", "--replay", image + ".nzview.json", "-o", again});
    QVERIFY2(rp.rc == 0, qPrintable(rp.err));
    QVERIFY2(rp.err.isEmpty(), qPrintable(rp.err));
    const QString image2 = again + "/roi_image." + format, lab2 = again + "/roi_labels." + format;
    QCOMPARE(rp.out.trimmed().split('\n'), QStringList({image2, lab2}));
    if (format == "nii.zarr") {
      QVERIFY(treeOf(image).size() > 3);
      QVERIFY(treeOf(image) == treeOf(image2));
      QVERIFY(treeOf(lab) == treeOf(lab2));
    } else {
      QVERIFY(!fileBytes(lab).isEmpty());
      QVERIFY(fileBytes(image) == fileBytes(image2));
      QVERIFY(fileBytes(lab) == fileBytes(lab2));
    }
    QCOMPARE(manifestOf(image2)["with"].toObject()["output"].toObject()["sha256"].toString(),
             digestOf(lab));

    // The label file's manifest is not a replay of its own: it names the image's.
    Run half = run({"export", "--replay", lab + ".nzview.json", "-o", dir.filePath("half")});
    QVERIFY(half.rc != 0);
    QVERIFY2(half.err.contains("label map of an `export --with` pair") &&
                 half.err.contains(image + ".nzview.json"),
             qPrintable(half.err));

    // The label map replaced (other content): refused, naming it, and nothing written.
    QVERIFY(QFile::remove(labels));
    QVERIFY(QFile::copy(kRef + "/b_int16_scl_qform.nii.gz", labels));
    const QString third = dir.filePath("third");
    Run changed = run({"export", "--replay", image + ".nzview.json", "-o", third});
    QVERIFY(changed.rc != 0);
    QVERIFY2(changed.err.contains("the label map " + labels + " changed since the export") &&
                 changed.err.contains("labels.nii.gz: size") &&
                 changed.err.contains("--allow-changed"),
             qPrintable(changed.err));
    QCOMPARE(changed.err.count('\n'), 1);
    QVERIFY(!QFile::exists(third + "/roi_image." + format));
    QVERIFY(!QFile::exists(third + "/roi_labels." + format));
    // --with names another label map (the original content again): replayed identically.
    const QString original = dir.filePath("original.nii.gz");
    QVERIFY(QFile::copy(kRef + "/a_uint8_oblique_sform.nii.gz", original));
    Run other = run({"export", "--replay", image + ".nzview.json", "-o", third, "--with", original,
                     "--allow-changed"});
    QVERIFY2(other.rc == 0, qPrintable(other.err));
    QVERIFY2(other.err.contains("source changed: label map: original.nii.gz: new since the export"),
             qPrintable(other.err));
    if (format != "nii.zarr") QVERIFY(fileBytes(lab) == fileBytes(third + "/roi_labels." + format));
  }

  // --rois writes one manifest per ROI; `manifest DIR --csv` lists them, and Python's csv module
  // reads back exactly the manifests' values and the files' digests.
  void csvRoundTrip() {
    QTemporaryDir dir;
    QFile rois(dir.filePath("rois.json"));
    QVERIFY(rois.open(QIODevice::WriteOnly));
    rois.write(
        "{\"nzview_rois\": 1, \"rois\": ["
        "{\"name\": \"left, \\\"hippo\\\"\", \"box\": [[10, 70], [5, 60], [0, 40]]},"
        "{\"name\": \"b\", \"level\": 1, \"box\": [[0, 20], [0, 20], [0, 20]],"
        " \"crop_or_pad\": [24, 24, 16]}]}");
    rois.close();
    const QString out = dir.filePath("patches");
    const QString src = kRef + "/e_uint16_pyramid_4levels.nii.zarr";
    Run r = run({"export", src, "--rois", rois.fileName(), "-o", out});
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    Run zarr = run({"export", src, "-o", out + "/sub/z.nii.zarr", "--roi", "0:8,0:8,0:8"});
    QVERIFY2(zarr.rc == 0, qPrintable(zarr.err));
    Run csv = run({"manifest", out, "--csv"});
    QVERIFY2(csv.rc == 0, qPrintable(csv.err));
    QCOMPARE(csv.out.section('\n', 0, 0), QStringLiteral("path,source,box,level,shape,sha256"));
    QProcess py;
    py.start("/usr/bin/python3",
             {QStringLiteral(NZ_SOURCE_DIR "/tests/manifest/check_csv.py"), out});
    QVERIFY(py.waitForStarted());
    py.write(csv.out.toUtf8());
    py.closeWriteChannel();
    QVERIFY(py.waitForFinished(60000));
    const QString pyOut = QString::fromUtf8(py.readAllStandardOutput());
    QVERIFY2(py.exitCode() == 0, qPrintable(pyOut + py.readAllStandardError()));
    QCOMPARE(pyOut.trimmed(), QStringLiteral("rows 3 24x24x16 10:70,5:60,0:40"));
    Run json = run({"manifest", out, "--json"});
    QVERIFY2(json.rc == 0, qPrintable(json.err));
    QCOMPARE(QJsonDocument::fromJson(json.out.toUtf8()).array().size(), 3);
  }

  // --no-manifest writes none; bad manifests give one clear error naming the file and field.
  void noManifestAndBadManifests() {
    QTemporaryDir dir;
    const QString out = dir.filePath("n.nii");
    QCOMPARE(run({"export", kRef + "/g1_v3_uint8_oblique.nii.zarr", "-o", out, "--roi",
                  "0:4,0:4,0:4", "--no-manifest"})
                 .rc,
             0);
    QVERIFY(QFile::exists(out));
    QVERIFY(!QFile::exists(out + ".nzview.json"));
    QFile bad(dir.filePath("bad.nzview.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(
        "{\"nzview_manifest\": 1, \"source\": {\"uri\": \"x\"}, \"request\": {\"level\": 0},"
        " \"result\": {}, \"output\": {\"path\": \"o.nii\", \"format\": \"nii\"}}");
    bad.close();
    Run r = run({"export", "--replay", bad.fileName()});
    QVERIFY(r.rc != 0);
    QVERIFY2(r.err.contains("bad.nzview.json") && r.err.contains("request.roi"), qPrintable(r.err));
    Run m = run({"manifest", dir.path(), "--csv"});
    QVERIFY(m.rc != 0);
    QVERIFY2(m.err.contains("bad.nzview.json"), qPrintable(m.err));
    QCOMPARE(m.err.count('\n'), 1);
  }

  // A streamed export (over the memory bound) hashes its output while writing it: the same
  // digest as the file, and as the in-memory export of the same plan.
  void streamedExportDigest_data() {
    QTest::addColumn<QString>("suffix");
    QTest::newRow("nii") << ".nii";
    QTest::newRow("nii.gz") << ".nii.gz";
  }
  void streamedExportDigest() {
    QFETCH(QString, suffix);
    QTemporaryDir dir;
    auto ds = nz::openDataset((kRef + "/e_uint16_pyramid_4levels.nii.zarr").toStdString());
    nz::ExportRequest req;
    req.roi = nz::Box{{-3, 0, 2, 0, 0}, {50, 40, 45, 1, 1}};
    const nz::ExportPlan plan = nz::planExport(ds->info(), req);
    nz::ExportOutputOptions o;
    nz::ExportManifest streamed, inMemory;
    o.maxInMemoryBytes = 1;
    QVERIFY(nz::exportIsStreamed(plan, o));
    o.manifest = &streamed;
    const QString a = dir.filePath("a" + suffix), b = dir.filePath("b" + suffix);
    nz::runExport(*ds, plan, a.toStdString(), o);
    o.maxInMemoryBytes = std::uint64_t{1} << 30;
    o.manifest = &inMemory;
    nz::runExport(*ds, plan, b.toStdString(), o);
    QCOMPARE(QString::fromStdString(streamed.sha256), sha256(fileBytes(a)));
    QCOMPARE(streamed.sha256, inMemory.sha256);
    QCOMPARE(streamed.objects[0].size, static_cast<std::uint64_t>(QFileInfo(a).size()));
    QCOMPARE(manifestOf(a)["output"].toObject()["sha256"].toString(),
             QString::fromStdString(streamed.sha256));
  }

  // The sidecar name of each output form.
  void sidecarNames() {
    QCOMPARE(nz::manifestPathFor("a/b.nii.zarr/"), std::string("a/b.nii.zarr.nzview.json"));
    QCOMPARE(nz::manifestPathFor("az://c/x.nii.gz?sv=1&sig=abc"),
             std::string("az://c/x.nii.gz.nzview.json?sv=1&sig=abc"));
  }
};

QTEST_GUILESS_MAIN(TestManifest)
#include "tst_manifest.moc"
