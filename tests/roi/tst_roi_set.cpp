// ROI files and export names: a user-chosen name never becomes a path (nothing can be written
// outside the chosen directory), and ROI files round-trip exactly and reject bad input clearly.
#include <QtTest>
#include <set>

#include "core/error.h"
#include "roi/export_name.h"
#include "roi/roi_set.h"

using namespace nz;

class TestRoiSet : public QObject {
  Q_OBJECT
 private slots:
  void safeStems_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("stem");
    QTest::newRow("plain") << "hippocampus_L-2"
                           << "hippocampus_L-2";
    QTest::newRow("spaces") << "left hippo  1"
                            << "left_hippo_1";
    QTest::newRow("parent") << "../../etc/passwd"
                            << "etc_passwd";
    QTest::newRow("absolute") << "/tmp/x"
                              << "tmp_x";
    QTest::newRow("dotdot") << ".."
                            << "roi";
    QTest::newRow("dot") << "."
                         << "roi";
    QTest::newRow("empty") << ""
                           << "roi";
    QTest::newRow("hidden") << ".bashrc"
                            << "bashrc";
    QTest::newRow("option-like") << "--help"
                                 << "help";
    QTest::newRow("backslash") << "..\\..\\win"
                               << "win";
    QTest::newRow("drive") << "C:\\x"
                           << "C_x";
    QTest::newRow("trailing dots") << "name..."
                                   << "name";
    QTest::newRow("inner dots kept") << "a..b"
                                     << "a..b";
    QTest::newRow("device") << "NUL"
                            << "_NUL";
    QTest::newRow("device ext") << "com1.nii"
                                << "_com1.nii";
    QTest::newRow("not device") << "console"
                                << "console";
    QTest::newRow("utf8") << QString::fromUtf8("Gehirn-ü") << "Gehirn";
  }
  void safeStems() {
    QFETCH(QString, name);
    QFETCH(QString, stem);
    QCOMPARE(QString::fromStdString(safeFileStem(name.toStdString())), stem);
  }

  void controlBytesAndLength() {
    QCOMPARE(safeFileStem(std::string("a\0b\n\x7f", 5)), std::string("a_b"));
    const std::string longName(5000, 'x');
    QCOMPARE(safeFileStem(longName).size(), std::size_t(120));
  }

  void pathsStayInsideDirectory() {
    std::set<std::string> used;
    QCOMPARE(exportPathInDirectory("/data/out", "../../etc/passwd", ".nii.gz", used),
             std::string("/data/out/etc_passwd.nii.gz"));
    QCOMPARE(exportPathInDirectory("/data/out/", "etc_passwd", ".nii.gz", used),
             std::string("/data/out/etc_passwd-2.nii.gz"));
    QCOMPARE(exportPathInDirectory("/data/out", "ETC/passwd", ".nii.gz", used),
             std::string("/data/out/ETC_passwd-3.nii.gz"));  // case-insensitive filesystems
    QCOMPARE(exportPathInDirectory("", "x", ".nii", used), std::string("./x.nii"));
    QCOMPARE(exportPathInDirectory("rel/dir", "..", ".nii.zarr", used),
             std::string("rel/dir/roi.nii.zarr"));
    // Cloud prefixes: joined with '/', a SAS query stays at the end.
    QCOMPARE(exportPathInDirectory("s3://bucket/rois", "../a", ".nii.gz", used),
             std::string("s3://bucket/rois/a.nii.gz"));
    QCOMPARE(exportPathInDirectory("az://acct/c/dir/?sv=1&sig=abc", "b/c", ".nii", used),
             std::string("az://acct/c/dir/b_c.nii?sv=1&sig=abc"));
    // A suffix that is itself a path is refused (callers pass fixed suffixes).
    QVERIFY_THROWS_EXCEPTION(Error, exportPathInDirectory("/d", "x", "/../../y", used));
  }

  void roundTrip() {
    RoiSet set;
    set.source = "https://host/scan.nii.zarr";
    NamedRoi a;
    a.name = "../evil \"quoted\"";
    a.request.level = 2;
    Box b;
    b.begin = {-4, 5, 6, 0, 0};
    b.end = {60, 70, 80, 1, 1};
    a.request.roi = b;
    a.request.cropOrPad = std::array<std::int64_t, 3>{64, 64, 32};
    a.request.padMode = PadMode::Reflect;
    a.request.padValue = -1.5;
    NamedRoi c;
    c.name = "4d";
    Box b4;
    b4.begin = {0, 0, 0, 2, 0};
    b4.end = {10, 10, 10, 5, 1};
    c.request.roi = b4;
    set.rois = {a, c};
    const std::string text = roiSetJson(set);
    QVERIFY(text.find("[[-4,") == std::string::npos);  // pretty-printed
    const RoiSet back = parseRoiSet(text, "rois.json");
    QCOMPARE(back.source, set.source);
    QCOMPARE(back.rois.size(), std::size_t(2));
    QCOMPARE(back.rois[0].name, a.name);
    QCOMPARE(back.rois[0].request.level, 2);
    QVERIFY(back.rois[0].request.roi->begin == b.begin && back.rois[0].request.roi->end == b.end);
    QVERIFY(back.rois[0].request.cropOrPad == a.request.cropOrPad);
    QCOMPARE(back.rois[0].request.padMode, PadMode::Reflect);
    QCOMPARE(back.rois[0].request.padValue, -1.5);
    QVERIFY(!back.rois[1].request.cropOrPad);
    QVERIFY(back.rois[1].request.roi->begin == b4.begin && back.rois[1].request.roi->end == b4.end);
  }

  void missingTimeRangeTakesWholeExtent() {
    DatasetInfo info;
    info.ndim = 4;
    LevelInfo l0;
    l0.shape = {10, 10, 10, 7, 1};
    info.levels = {l0};
    const RoiSet s = parseRoiSet(
        R"({"nzview_rois":1,"rois":[{"name":"a","box":[[0,1],[0,1],[0,1]]}]})", "f.json", &info);
    QCOMPARE(s.rois[0].request.roi->end[3], std::int64_t(7));
  }

  void badFilesGiveClearErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString box = R"("box":[[0,1],[0,1],[0,1]])";
    QTest::newRow("not json") << "{"
                              << "f.json: not valid JSON";
    QTest::newRow("array") << "[]"
                           << "f.json: the document must be a JSON object";
    QTest::newRow("no version") << R"({"rois":[]})"
                                << "f.json: nzview_rois must be 1";
    QTest::newRow("rois not list") << R"({"nzview_rois":1,"rois":{}})"
                                   << "f.json: rois must be a list";
    QTest::newRow("no name") << R"({"nzview_rois":1,"rois":[{)" + box + "}]}"
                             << "f.json: rois[0].name must be a string";
    QTest::newRow("negative level")
        << R"({"nzview_rois":1,"rois":[{"name":"a","level":-1,)" + box + "}]}"
        << "f.json: rois[0].level must be >= 0";
    QTest::newRow("level too big")
        << R"({"nzview_rois":1,"rois":[{"name":"a","level":3,)" + box + "}]}"
        << "f.json: rois[0].level 3 does not exist (levels 0..0)";
    QTest::newRow("two ranges") << R"({"nzview_rois":1,"rois":[{"name":"a","box":[[0,1],[0,1]]}]})"
                                << "f.json: rois[0].box must be a list of 3 to 5";
    QTest::newRow("reversed")
        << R"({"nzview_rois":1,"rois":[{"name":"a","box":[[0,1],[5,2],[0,1]]}]})"
        << "f.json: rois[0].box[1] is empty";
    QTest::newRow("float coordinate")
        << R"({"nzview_rois":1,"rois":[{"name":"a","box":[[0,1.5],[0,1],[0,1]]}]})"
        << "f.json: rois[0].box[0] must be an integer";
    QTest::newRow("huge coordinate")
        << R"({"nzview_rois":1,"rois":[{"name":"a","box":[[0,9223372036854775807],[0,1],[0,1]]}]})"
        << "f.json: rois[0].box[0] is out of range";
    QTest::newRow("zero crop") << R"({"nzview_rois":1,"rois":[{"name":"a",)" + box +
                                      R"(,"crop_or_pad":[0,1,1]}]})"
                               << "f.json: rois[0].crop_or_pad sizes must be positive";
    QTest::newRow("pad mode") << R"({"nzview_rois":1,"rois":[{"name":"a",)" + box +
                                     R"(,"pad_mode":"mirror"}]})"
                              << "f.json: rois[0].pad_mode";
    QTest::newRow("pad value") << R"({"nzview_rois":1,"rois":[{"name":"a",)" + box +
                                      R"(,"pad_value":"x"}]})"
                               << "f.json: rois[0].pad_value must be a finite number";
  }
  void badFilesGiveClearErrors() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    DatasetInfo info;
    LevelInfo l0;
    l0.shape = {10, 10, 10, 1, 1};
    info.levels = {l0};
    try {
      parseRoiSet(text.toStdString(), "f.json", &info);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).startsWith(message), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestRoiSet)
#include "tst_roi_set.moc"
