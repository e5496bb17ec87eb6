// `nzview-cli export --rois ... --part I/N` without a scheduler: the shares of N parts are
// disjoint and together give exactly the files of one run, byte for byte; a re-run skips what
// exists; the CSV list of many sources (columns, quoting, per-row settings) and its errors,
// each naming the file, the line and the column.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  QString out, err;
};

Run cli(const QStringList& args) {
  QProcess p;
  QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
  for (const char* k : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"})
    e.remove(k);
  p.setProcessEnvironment(e);
  p.start(NZ_CLI_EXE, QStringList{"export"} + args);
  p.waitForFinished(120000);
  return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

std::map<std::string, std::string> files(const fs::path& dir) {
  std::map<std::string, std::string> m;
  if (!fs::exists(dir)) return m;
  for (const auto& e : fs::directory_iterator(dir)) {
    // Export manifests name their own output path, so they differ between runs by design.
    if (e.path().string().ends_with(".nzview.json")) continue;
    std::ifstream f(e.path(), std::ios::binary);
    m[e.path().filename().string()] = {std::istreambuf_iterator<char>(f), {}};
  }
  return m;
}

void writeText(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

const std::string kSource =
    std::string(NZ_TEST_DATA_DIR) + "/refdata/e_uint16_pyramid_4levels.nii.gz";
const std::string kZarr =
    std::string(NZ_TEST_DATA_DIR) + "/refdata/e_uint16_pyramid_4levels.nii.zarr";

}  // namespace

class TestExportParts : public QObject {
  Q_OBJECT

 private slots:
  void partsTogetherEqualOneRun();
  void csvListOfManySources();
  void csvErrorsNameLineAndColumn();

 private:
  QTemporaryDir tmp_;
  fs::path dir(const char* name) { return fs::path(tmp_.path().toStdString()) / name; }
};

void TestExportParts::partsTogetherEqualOneRun() {
  const fs::path rois = dir("rois.json");
  writeText(rois, R"({"nzview_rois": 1, "rois": [
    {"name": "a", "level": 0, "box": [[0, 30], [0, 30], [0, 30]]},
    {"name": "b", "level": 1, "box": [[-5, 20], [0, 25], [0, 20]], "crop_or_pad": [24, 24, 24]},
    {"name": "a", "level": 0, "box": [[60, 90], [50, 80], [40, 70]]},
    {"name": "../c", "level": 2, "box": [[0, 10], [0, 10], [0, 10]]},
    {"name": "d", "level": 0, "box": [[100, 150], [0, 20], [0, 20]]}]})");
  const Run one =
      cli({QString::fromStdString(kZarr), "--rois", QString::fromStdString(rois.string()), "-o",
           QString::fromStdString(dir("one").string())});
  QVERIFY2(one.code == 0, qPrintable(one.err));
  const auto all = files(dir("one"));
  QCOMPARE(all.size(), std::size_t{5});
  std::map<std::string, std::string> joined;
  for (int i = 0; i < 3; ++i) {
    const Run r =
        cli({QString::fromStdString(kZarr), "--rois", QString::fromStdString(rois.string()), "-o",
             QString::fromStdString(dir("parts").string()), "--part", QString("%1/3").arg(i)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QString("part %1/3: ROIs").arg(i)), qPrintable(r.err));
    const auto now = files(dir("parts"));
    QCOMPARE(now.size() - joined.size(), std::size_t{i == 0 ? 1u : 2u});  // shares 1, 2, 2
    joined = now;
  }
  QVERIFY(joined == all);
  // Resume: one output removed, the others kept; a re-run of every part redoes only it.
  fs::remove(dir("parts") / "a-2.nii.gz");
  const auto before = fs::last_write_time(dir("parts") / "b.nii.gz");
  int skipped = 0;
  for (int i = 0; i < 3; ++i) {
    const Run r =
        cli({QString::fromStdString(kZarr), "--rois", QString::fromStdString(rois.string()), "-o",
             QString::fromStdString(dir("parts").string()), "--part", QString("%1/3").arg(i)});
    QCOMPARE(r.code, 0);
    skipped += static_cast<int>(r.err.count("skipped "));
    if (r.out.contains("a-2.nii.gz")) QVERIFY(!r.err.contains("a-2.nii.gz: exists"));
  }
  QCOMPARE(skipped, 4);
  QVERIFY(files(dir("parts")) == all);
  QCOMPARE(fs::last_write_time(dir("parts") / "b.nii.gz"), before);
  const Run bad = cli({QString::fromStdString(kZarr), "-o", "x.nii", "--part", "0/2"});
  QVERIFY(bad.code != 0);
  QVERIFY2(bad.err.contains("--part goes with --rois"), qPrintable(bad.err));
}

void TestExportParts::csvListOfManySources() {
  const fs::path list = dir("list.csv");
  writeText(list,
            "# ROIs of two sources\n"
            "name,box,uri,level,crop_or_pad,pad_mode,pad_value\n"
            "\"left, \"\"big\"\"\",\"0:30,0:30,0:30\"," +
                kSource +
                ",,,,\n"
                "left,\"0:16,0:16,0:16\"," +
                kZarr +
                ",1,\"20,20,20\",constant,5\r\n"
                "\n"
                "edge pad,\"-4:20,0:24,0:24\"," +
                kZarr + ",0,,edge,\n");
  const Run r = cli({"--rois", QString::fromStdString(list.string()), "-o",
                     QString::fromStdString(dir("csv").string()), "--format", "nii"});
  QVERIFY2(r.code == 0, qPrintable(r.err));
  const auto out = files(dir("csv"));
  QCOMPARE(out.size(), std::size_t{3});
  QVERIFY(out.count("left_big.nii") && out.count("left.nii") && out.count("edge_pad.nii"));
  // Each row equals the single export with the same settings.
  const Run single = cli({QString::fromStdString(kZarr), "-o",
                          QString::fromStdString(dir("one.nii").string()), "--level", "1", "--roi",
                          "0:16,0:16,0:16", "--crop-or-pad", "20,20,20", "--pad-value", "5"});
  QVERIFY2(single.code == 0, qPrintable(single.err));
  std::ifstream one(dir("one.nii"), std::ios::binary);
  QVERIFY(std::string(std::istreambuf_iterator<char>(one), {}) == out.at("left.nii"));
  // Shares: 2 parts give the same three files.
  for (int i = 0; i < 2; ++i) {
    const Run p = cli({"--rois", QString::fromStdString(list.string()), "-o",
                       QString::fromStdString(dir("csv2").string()), "--format", "nii", "--part",
                       QString("%1/2").arg(i)});
    QVERIFY2(p.code == 0, qPrintable(p.err));
  }
  QVERIFY(files(dir("csv2")) == out);
}

void TestExportParts::csvErrorsNameLineAndColumn() {
  struct Case {
    std::string text, expect;
  };
  const Case cases[] = {
      {"uri,name,box,colour\n", "line 1: unknown column 'colour'"},
      {"uri,name\n" + kZarr + ",a\n", "the header line has no 'box' column"},
      {"uri,name,box\n" + kZarr + ",a,\"0:4,0:4\n", "line 2: a quote is not closed"},
      {"uri,name,box\n" + kZarr + ",a,\n", "line 2: empty box"},
      {"uri,name,box,level\n" + kZarr + ",a,\"0:4,0:4,0:4\",x\n", "line 2: level must be 0..999"},
      {"uri,name,box,level\n" + kZarr + ",a,\"0:4,0:4,0:4\",9\n", "line 2: level 9 does not exist"},
      {"uri,name,box,pad_value\n" + kZarr + ",a,\"0:4,0:4,0:4\",abc\n",
       "line 2: pad_value must be a finite number"},
      {"uri,name,box,pad_mode\n" + kZarr + ",a,\"0:4,0:4,0:4\",sideways\n", "line 2: "},
      {"# nothing\n", "no header line"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const fs::path list = dir(("bad" + std::to_string(++i) + ".csv").c_str());
    writeText(list, c.text);
    const Run r = cli({"--rois", QString::fromStdString(list.string()), "-o",
                       QString::fromStdString(dir("never").string())});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains(QString::fromStdString(list.filename().string())) &&
                 r.err.contains(QString::fromStdString(c.expect)),
             qPrintable(QString::fromStdString(c.expect) + " | " + r.err));
  }
  QVERIFY(!fs::exists(dir("never")) || fs::is_empty(dir("never")));
  const Run withUri = cli({QString::fromStdString(kZarr), "--rois",
                           QString::fromStdString(dir("bad1.csv").string()), "-o", "x"});
  QVERIFY2(withUri.err.contains("takes no URI"), qPrintable(withUri.err));
}

QTEST_GUILESS_MAIN(TestExportParts)
#include "tst_export_parts.moc"
