// nzview-cli info/export end to end on the reference datasets (tests/data/refdata): info JSON
// against manifest.json, exports read back by nibabel (numpy/TorchIO expectations) and by our
// own reader, dry runs, --stats, clear errors, secrets never printed, atomic writes.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <csignal>

#include "common/process_run.h"

namespace {

const QString kCli = nztest::kCliPath;
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");
const QString kScripts = QStringLiteral(NZ_SOURCE_DIR "/tests/cli");

using nztest::Run;

Run run(const QString& program, const QStringList& args, int timeoutMs = 120000) {
  return nztest::runProcess(program, args, timeoutMs);
}

Run cli(const QStringList& args, int timeoutMs = 120000) { return run(kCli, args, timeoutMs); }
Run py(const QStringList& args) { return run(nztest::kPython, args); }

QString ds(const QString& name) { return kRef + "/" + name + ".nii.zarr"; }

// Files (including hidden temporaries) left in a directory.
QStringList filesIn(const QString& dir) {
  return QDir(dir).entryList(QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
}

bool copyTree(const QString& from, const QString& to) {
  QDir().mkpath(to);
  for (const QString& e : QDir(from).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot)) {
    if (!QFile::copy(from + "/" + e, to + "/" + e)) return false;
  }
  for (const QString& d : QDir(from).entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot)) {
    if (!copyTree(from + "/" + d, to + "/" + d)) return false;
  }
  return true;
}

const char* kSameVolumes = R"(
import sys, numpy as np, nibabel as nib
a, b = nib.load(sys.argv[1]), nib.load(sys.argv[2])
ra, rb = np.asanyarray(a.dataobj.get_unscaled()), np.asanyarray(b.dataobj.get_unscaled())
assert ra.dtype == rb.dtype and ra.shape == rb.shape, (ra.dtype, rb.dtype, ra.shape, rb.shape)
assert np.array_equal(ra, rb, equal_nan=ra.dtype.kind == 'f'), 'data differ'
assert np.allclose(a.affine, b.affine, atol=1e-4), (a.affine, b.affine)
assert a.dataobj.slope == b.dataobj.slope and a.dataobj.inter == b.dataobj.inter
print('ok')
)";

const QStringList kDatasets = {"a_uint8_oblique_sform",    "b_int16_scl_qform",
                               "e_uint16_pyramid_4levels", "f_blosc_default_chunk64_float32",
                               "f_zstd_via_zlib_option",   "g1_v3_uint8_oblique",
                               "g2_v3_sharded_uint16",     "h2_missing_chunks_nanfill"};

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private slots:
  void infoJsonMatchesManifest_data() {
    QTest::addColumn<QString>("name");
    for (const auto& d : kDatasets) QTest::newRow(qPrintable(d)) << d;
  }
  void infoJsonMatchesManifest() {
    QFETCH(QString, name);
    Run r = cli({"info", ds(name), "--json"});
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    QVERIFY(r.err.isEmpty());
    QTemporaryDir dir;
    QFile f(dir.filePath("info.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(r.out.toUtf8());
    f.close();
    Run c = py({kScripts + "/check_info.py", kRef + "/manifest.json", name, f.fileName()});
    QVERIFY2(c.rc == 0 && c.out.contains("ok"), qPrintable(c.out + c.err));
  }

  void infoTableIsReadable() {
    Run r = cli({"info", ds("b_int16_scl_qform")});
    QCOMPARE(r.rc, 0);
    QVERIFY(r.out.contains("shape             50 x 40 x 30"));
    QVERIFY(r.out.contains("value = raw * 2 + -100"));
    QVERIFY(r.out.contains("level 2"));
  }

  void exportMatchesNumpyAndNibabel_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("roi");
    QTest::addColumn<QString>("cropOrPad");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("padValue");
    QTest::addColumn<QString>("out");
    QTest::newRow("a roi outside, constant, .nii.gz")
        << "a_uint8_oblique_sform" << 0 << "-5:30,10:60,-2:20"
        << "-"
        << "constant"
        << "0"
        << "a.nii.gz";
    QTest::newRow("b odd/even crop-or-pad, reflect") << "b_int16_scl_qform" << 0 << "3:40,5:30,2:29"
                                                     << "21,30,24"
                                                     << "reflect"
                                                     << "0"
                                                     << "b.nii";
    QTest::newRow("b scaled pad value") << "b_int16_scl_qform" << 0 << "-4:40,5:30,2:29"
                                        << "50,20,31"
                                        << "constant"
                                        << "0"
                                        << "b2.nii";
    QTest::newRow("b scaled pad value 300") << "b_int16_scl_qform" << 1 << "-4:20,0:20,0:15"
                                            << "30,25,16"
                                            << "constant"
                                            << "300"
                                            << "b3.nii.gz";
    QTest::newRow("e level 1 mean") << "e_uint16_pyramid_4levels" << 1 << "5:60,7:50,3:40"
                                    << "61,40,41"
                                    << "mean"
                                    << "0"
                                    << "e.nii.gz";
    QTest::newRow("e median") << "e_uint16_pyramid_4levels" << 0 << "10:100,20:90,5:77"
                              << "100,64,70"
                              << "median"
                              << "0"
                              << "e2.nii";
    QTest::newRow("e level 2 minimum") << "e_uint16_pyramid_4levels" << 2 << "-3:30,0:31,0:25"
                                       << "40,35,26"
                                       << "minimum"
                                       << "0"
                                       << "e3.nii";
    QTest::newRow("f whole level float32") << "f_blosc_default_chunk64_float32" << 0 << "-"
                                           << "-"
                                           << "constant"
                                           << "0"
                                           << "f.nii.gz";
    QTest::newRow("f zstd maximum") << "f_zstd_via_zlib_option" << 0 << "0:33,0:29,0:17"
                                    << "34,30,18"
                                    << "maximum"
                                    << "0"
                                    << "fz.nii";
    QTest::newRow("g1 v3 level 1 wrap") << "g1_v3_uint8_oblique" << 1 << "0:30,2:20,1:19"
                                        << "33,21,21"
                                        << "wrap"
                                        << "0"
                                        << "g1.nii";
    QTest::newRow("g2 sharded symmetric") << "g2_v3_sharded_uint16" << 0 << "40:110,30:100,20:80"
                                          << "80,71,57"
                                          << "symmetric"
                                          << "0"
                                          << "g2.nii";
    QTest::newRow("h2 missing chunk NaN, edge")
        << "h2_missing_chunks_nanfill" << 0 << "20:45,20:37,0:29"
        << "31,20,30"
        << "edge"
        << "0"
        << "h2.nii";
  }
  void exportMatchesNumpyAndNibabel() {
    QFETCH(QString, name);
    QFETCH(int, level);
    QFETCH(QString, roi);
    QFETCH(QString, cropOrPad);
    QFETCH(QString, mode);
    QFETCH(QString, padValue);
    QFETCH(QString, out);
    QTemporaryDir dir;
    QString path = dir.filePath(out);
    QStringList args{
        "export",     ds(name), "-o",          path,    "--level", QString::number(level),
        "--pad-mode", mode,     "--pad-value", padValue};
    if (roi != "-") args << "--roi" << roi;
    if (cropOrPad != "-") args << "--crop-or-pad" << cropOrPad;
    Run r = cli(args);
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    // No temporary left behind; the manifest beside the output.
    QCOMPARE(filesIn(dir.path()), QStringList({out, out + ".nzview.json"}));
    Run c = py({kScripts + "/check_export.py", kRef, name, QString::number(level), roi, cropOrPad,
                mode, padValue, path});
    QVERIFY2(c.rc == 0 && c.out.contains("ok"), qPrintable(c.out + c.err));
    // Read back by our own reader (export of the exported file) gives the same volume.
    QString again = dir.filePath("again.nii");
    Run r2 = cli({"export", path, "-o", again});
    QVERIFY2(r2.rc == 0, qPrintable(r2.err));
    Run c2 = py({"-c", kSameVolumes, path, again});
    QVERIFY2(c2.rc == 0 && c2.out.contains("ok"), qPrintable(c2.out + c2.err));
  }

  void exportNiftiZarrRoundTrip() {
    QTemporaryDir dir;
    QString z = dir.filePath("roi.nii.zarr"), direct = dir.filePath("direct.nii"),
            back = dir.filePath("back.nii");
    QStringList roi{"--roi", "3:40,5:30,2:29"};
    Run r = cli(QStringList{"export", ds("b_int16_scl_qform"), "-o", z, "--zarr-version", "2",
                            "--chunk", "16"} +
                roi);
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(z + "/.zgroup"));
    QVERIFY(cli(QStringList{"export", ds("b_int16_scl_qform"), "-o", direct} + roi).rc == 0);
    Run r2 = cli({"export", z, "-o", back});
    QVERIFY2(r2.rc == 0, qPrintable(r2.err));
    Run c = py({"-c", kSameVolumes, direct, back});
    QVERIFY2(c.rc == 0 && c.out.contains("ok"), qPrintable(c.out + c.err));
  }

  void dryRunWritesNothing() {
    QTemporaryDir dir;
    QString out = dir.filePath("x.nii.gz");
    Run r = cli({"export", ds("f_blosc_default_chunk64_float32"), "-o", out, "--roi",
                 "10:74,0:64,0:66", "--crop-or-pad", "64,64,64", "--dry-run"});
    QCOMPARE(r.rc, 0);
    QVERIFY(r.out.contains("chunks to fetch:  4"));  // x chunks 0 and 1, z chunks 0 and 1
    QVERIFY(r.out.contains("output shape:     64x64x64 float32"));
    QVERIFY(r.out.contains("estimated time"));
    QVERIFY(filesIn(dir.path()).isEmpty());
    Run j =
        cli({"export", ds("f_blosc_default_chunk64_float32"), "-o", out, "--dry-run", "--json"});
    QCOMPARE(j.rc, 0);
    QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
    QCOMPARE(o["chunks"].toInt(), 4);
    QCOMPARE(o["streamed"].toBool(), false);  // 1 MiB output: held in memory
    QVERIFY(filesIn(dir.path()).isEmpty());
  }

  // --rois: one file per ROI inside -o DIR, named after the ROI (a name is never a path), each
  // identical to the single --roi export of the same box and settings.
  void roiSetExportsStayInDirectory() {
    QTemporaryDir dir;
    const QString outDir = dir.filePath("sub/out");
    const QString roisFile = dir.filePath("rois.json");
    QFile f(roisFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"nzview_rois": 1, "source": "x", "rois": [
      {"name": "../../escape", "box": [[0, 10], [5, 17], [3, 9]]},
      {"name": "/etc/passwd", "level": 1, "box": [[-5, 10], [0, 10], [0, 10]],
       "crop_or_pad": [8, 12, 6], "pad_mode": "edge"},
      {"name": "..", "box": [[0, 4], [0, 4], [0, 4]]},
      {"name": "ESCAPE", "box": [[1, 4], [0, 4], [0, 4]]},
      {"name": "a\\b:c\u0001d", "box": [[0, 4], [0, 4], [0, 2]]}]})");
    f.close();
    const QString src = ds("e_uint16_pyramid_4levels");
    Run r = cli({"export", src, "--rois", roisFile, "-o", outDir});
    QVERIFY2(r.rc == 0, qPrintable(r.err));
    const QStringList expected = {"escape.nii.gz", "etc_passwd.nii.gz", "roi.nii.gz",
                                  "ESCAPE-2.nii.gz", "a_b_c_d.nii.gz"};
    QStringList printed;
    for (const QString& name : expected) printed << QDir(outDir).filePath(name);
    QCOMPARE(r.out.trimmed().split('\n'), printed);
    QStringList got = filesIn(outDir), want = expected;
    for (const QString& name : expected) want << name + ".nzview.json";  // one manifest per ROI
    got.sort();
    want.sort();
    QCOMPARE(got, want);
    QCOMPARE(filesIn(dir.path()), QStringList({"rois.json", "sub"}));  // nothing escaped
    QCOMPARE(filesIn(dir.filePath("sub")), QStringList({"out"}));
    // Same bytes of data as the one-ROI command with the same settings.
    Run one = cli({"export", src, "-o", dir.filePath("one.nii.gz"), "--level", "1", "--roi",
                   "-5:10,0:10,0:10", "--crop-or-pad", "8,12,6", "--pad-mode", "edge"});
    QCOMPARE(one.rc, 0);
    Run same = py({"-c", kSameVolumes, dir.filePath("one.nii.gz"),
                   QDir(outDir).filePath("etc_passwd.nii.gz")});
    QVERIFY2(same.rc == 0, qPrintable(same.err + same.out));
    // Bad ROI files: one clear line naming the file and field, nothing written.
    f.setFileName(dir.filePath("bad.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"nzview_rois": 1, "rois": [{"name": "x", "box": [[5, 5], [0, 1], [0, 1]]}]})");
    f.close();
    Run bad = cli({"export", src, "--rois", dir.filePath("bad.json"), "-o", dir.filePath("b")});
    QCOMPARE(bad.rc == 0, false);
    QVERIFY2(bad.err.contains("bad.json: rois[0].box[0] is empty"), qPrintable(bad.err));
    QVERIFY(!QDir(dir.filePath("b")).exists());
    Run mix = cli({"export", src, "--rois", roisFile, "--roi", "0:1,0:1,0:1", "-o", outDir});
    QVERIFY(mix.rc != 0 && mix.err.contains("--roi cannot be combined with --rois"));
  }

  void statsIsOneJsonLine() {
    QTemporaryDir dir;
    Run r = cli({"export", ds("a_uint8_oblique_sform"), "-o", dir.filePath("s.nii"), "--roi",
                 "0:32,0:32,0:32", "--stats"});
    QCOMPARE(r.rc, 0);
    QStringList lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QJsonObject o = QJsonDocument::fromJson(lines[0].toUtf8()).object();
    QVERIFY(o.contains("requests") && o.contains("bytes") && o.contains("seconds"));
    QVERIFY(o["requests"].toInt() >= 2);
    QVERIFY(o["bytes"].toDouble() > 0);
    // The chunk loader's counters of the read, on the same line (32³ at chunk 32: 1+ chunks).
    for (const char* k : {"chunks", "cache_hits", "cache_misses", "bytes_decoded", "throughput"})
      QVERIFY2(o.contains(k), k);
    QVERIFY(o["chunks"].toInt() >= 1);
    QCOMPARE(o["cache_misses"].toInt(), o["chunks"].toInt());
    QVERIFY(o["bytes_decoded"].toDouble() >= 32.0 * 32 * 32);
    // Where the time went: the open, then the read, inside the whole.
    const double open = o["open_seconds"].toDouble(-1), read = o["read_seconds"].toDouble(-1);
    QVERIFY2(open > 0 && read > 0, qPrintable(lines[0]));
    QVERIFY2(open + read <= o["seconds"].toDouble(), qPrintable(lines[0]));
  }

  void helpPerCommand() {
    Run e = cli({"export", "--help"});
    QCOMPARE(e.rc, 0);
    QVERIFY(e.out.contains("--crop-or-pad"));
    QVERIFY(e.out.contains("--azure-connection-string"));
    Run i = cli({"info", "--help"});
    QCOMPARE(i.rc, 0);
    QVERIFY(i.out.contains("--json"));
    QVERIFY(i.out.contains("--gcs-credentials"));
  }

  void clearErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expect");
    QTest::newRow("missing") << QStringList{"info", kRef + "/nope.nii.zarr"} << "not found";
    QTest::newRow("missing nii") << QStringList{"info", kRef + "/nope.nii.gz"} << "nope.nii.gz";
    QTest::newRow("bad output") << QStringList{"export", ds("a_uint8_oblique_sform"), "-o",
                                               "/tmp/x.png"}
                                << ".nii.gz";
    QTest::newRow("no -o") << QStringList{"export", ds("a_uint8_oblique_sform")} << "-o OUT";
    QTest::newRow("bad roi") << QStringList{"export", ds("a_uint8_oblique_sform"),
                                            "-o",     "/tmp/x.nii",
                                            "--roi",  "0:4,0:4"}
                             << "--roi";
    QTest::newRow("bad level") << QStringList{"export",  ds("a_uint8_oblique_sform"),
                                              "-o",      "/tmp/x.nii",
                                              "--level", "7"}
                               << "--level 7";
    QTest::newRow("bad mode") << QStringList{"export",     ds("a_uint8_oblique_sform"),
                                             "-o",         "/tmp/x.nii",
                                             "--pad-mode", "zeros"}
                              << "zeros";
    QTest::newRow("bad target")
        << QStringList{"export", ds("a_uint8_oblique_sform"), "-o", "/tmp/x.nii", "--crop-or-pad",
                       "3,4"}
        << "--crop-or-pad";
    QTest::newRow("unknown option")
        << QStringList{"info", ds("a_uint8_oblique_sform"), "--frobnicate"} << "--frobnicate";
  }
  void clearErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, expect);
    Run r = cli(args);
    QVERIFY(r.rc != 0);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err.count('\n'), 1);  // one line
    QVERIFY2(r.err.startsWith("nzview-cli: ") && r.err.contains(expect), qPrintable(r.err));
  }

  void malformedMetadataNamesFileAndField() {
    QTemporaryDir dir;
    QString copy = dir.filePath("bad.nii.zarr");
    QVERIFY(copyTree(ds("a_uint8_oblique_sform"), copy));
    QFile f(copy + "/0/.zarray");
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("{\"zarr_format\": 2, \"shape\": \"oops\"");
    f.close();
    Run r = cli({"info", copy});
    QVERIFY(r.rc != 0);
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(".zarray"), qPrintable(r.err));
  }

  void secretsNeverPrinted() {
    const QString key = "ZmFrZVNlY3JldEtleUZvclRlc3RzMTIzNDU2Nzg5MA==";
    const QString token = "SuperSecretBearerToken987";
    const QString awsSecret = "AwsSecretAccessKeyXYZ123456";
    QTemporaryDir dir;
    QList<QStringList> cases = {
        {"info", ds("a_uint8_oblique_sform"), "--json", "--azure-key", key},
        {"info", "az://container/missing.nii.zarr", "--azure-account", "devaccount", "--azure-key",
         key, "--azure-endpoint", "http://127.0.0.1:9/devaccount", "--option", "max_retries=0"},
        {"info", "http://127.0.0.1:9/x.nii.zarr", "--header", "Authorization: Bearer " + token},
        {"info", "s3://bucket/x.nii.zarr", "--endpoint-url", "http://127.0.0.1:9", "--option",
         "aws_access_key_id=AKIDEXAMPLE", "--option", "aws_secret_access_key=" + awsSecret},
        {"export", ds("a_uint8_oblique_sform"), "-o", dir.filePath("x.png"), "--azure-key", key},
        {"export", "--azure-key", key},
    };
    for (const auto& args : cases) {
      Run r = cli(args, 180000);
      QString all = r.out + r.err;
      QVERIFY2(!all.contains(key) && !all.contains(token) && !all.contains(awsSecret),
               qPrintable(args.join(' ') + " printed a secret"));
    }
  }

  void failedExportLeavesNoFile() {
    QTemporaryDir dir;
    QString copy = dir.filePath("src.nii.zarr");
    QVERIFY(copyTree(ds("f_blosc_default_chunk64_float32"), copy));
    // Corrupt one level-0 chunk: the failure happens mid-way, after other chunks were read.
    QFile chunk(copy + "/0/1/0/1");
    QVERIFY(chunk.exists());
    QVERIFY(chunk.open(QIODevice::WriteOnly | QIODevice::Truncate));
    chunk.write(QByteArray(100, '\x7f'));
    chunk.close();
    QString outDir = dir.filePath("out");
    QDir().mkpath(outDir);
    for (const QString& out : {QString("o.nii"), QString("o.nii.gz")}) {
      Run r = cli({"export", copy, "-o", outDir + "/" + out});
      QVERIFY(r.rc != 0);
      QCOMPARE(r.err.count('\n'), 1);
      QVERIFY(filesIn(outDir).isEmpty());
    }
  }

  void signalDuringWriteLeavesNoFile() {
    QTemporaryDir dir;
    QString out = dir.filePath("big.nii.gz");
    QProcess p;
    // A large padded output compressed at level 9: slow enough to be interrupted while writing.
    p.start(kCli, {"export", ds("a_uint8_oblique_sform"), "-o", out, "--crop-or-pad", "480,480,480",
                   "--pad-mode", "wrap", "--gzip-level", "9"});
    QVERIFY(p.waitForStarted());
    bool sawTemp = false;
    for (int i = 0; i < 600 && p.state() == QProcess::Running; ++i) {
      QStringList f = filesIn(dir.path());
      if (!f.isEmpty() && f[0].startsWith(".big.nii.gz.tmp-")) {
        sawTemp = true;
        break;
      }
      QThread::msleep(50);
    }
    QVERIFY2(sawTemp, "the export never created its temporary file");
    ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 128 + SIGTERM);
    QVERIFY(!QFile::exists(out));
    QVERIFY(filesIn(dir.path()).isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
