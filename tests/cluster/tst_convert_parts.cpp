// A conversion split into parts (convert --part/--stage) against a single-process convert,
// byte for byte, for Zarr v2, v3 and v3 sharded, 3-D and 4-D, gzip and plain input; a part
// killed mid-way (records and objects missing or torn) and re-run; finalize's checks; the
// windowed pyramid step against the whole-volume one; --part auto from the schedulers'
// environment variables (through nzview-cli).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "convert/convert_parts.h"
#include "core/error.h"
#include "nifti/nifti_header.h"
#include "write/pyramid.h"

namespace fs = std::filesystem;

namespace {

std::string refdata(const char* name) { return std::string(NZ_TEST_DATA_DIR) + "/refdata/" + name; }

std::string readAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Relative path -> bytes of every file under root.
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> t;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) t[fs::relative(e.path(), root).string()] = readAll(e.path());
  }
  return t;
}

// Empty when equal; else the first differences.
QString compareTrees(const fs::path& a, const fs::path& b) {
  const auto ta = tree(a), tb = tree(b);
  QStringList diffs;
  for (const auto& [k, v] : ta) {
    auto it = tb.find(k);
    if (it == tb.end())
      diffs << QString::fromStdString("only in single: " + k);
    else if (it->second != v)
      diffs << QString::fromStdString("differs: " + k);
  }
  for (const auto& [k, v] : tb) {
    if (!ta.count(k)) diffs << QString::fromStdString("only in parts: " + k);
  }
  if (ta.empty()) diffs << "single-process output is empty";
  return diffs.mid(0, 5).join("; ") +
         (diffs.size() > 5 ? QString(" ... (%1)").arg(diffs.size()) : "");
}

// A 4-D int16 NIfTI-1 (.nii, little-endian): nx*ny*nz*nt smooth values with some noise.
std::string write4d(const fs::path& dir, std::int64_t nx, std::int64_t ny, std::int64_t nz,
                    std::int64_t nt) {
  nz::NiftiHeader h;
  h.dim = {4, nx, ny, nz, nt, 1, 1, 1};
  h.datatype = 4;
  h.bitpix = 16;
  h.voxOffset = 352;
  h.sclSlope = 1;
  h.pixdim = {1, 0.7, 0.7, 1.2, 2, 1, 1, 1};
  h.xyztUnits = 10;
  nz::Bytes b = nz::serializeNiftiHeader(h, true);
  std::mt19937 rng(7);
  for (std::int64_t t = 0; t < nt; ++t)
    for (std::int64_t z = 0; z < nz; ++z)
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = 0; x < nx; ++x) {
          const auto v =
              static_cast<std::int16_t>(200 * std::sin(0.1 * x + t) * std::cos(0.13 * y) + 5 * z -
                                        300 + static_cast<int>(rng() % 40));
          b.push_back(static_cast<std::uint8_t>(v & 0xff));
          b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
        }
  const fs::path p = dir / "vol4d.nii";
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return p.string();
}

nz::ConvertOptions options(int zarr, int chunk, int shard) {
  nz::ConvertOptions o;
  o.write.zarrVersion = zarr;
  o.write.chunk = chunk;
  o.write.shard = shard;
  return o;
}

void runParts(const std::string& in, const std::string& out, const nz::ConvertOptions& o,
              int level0Parts, int pyramidParts) {
  for (int i = 0; i < level0Parts; ++i)
    nz::convertPart(in, out, nz::ConvertStage::Level0, {i, level0Parts}, o);
  for (int i = 0; i < pyramidParts; ++i)
    nz::convertPart(in, out, nz::ConvertStage::Pyramid, {i, pyramidParts}, o);
  nz::convertPart(in, out, nz::ConvertStage::Finalize, {}, o);
}

QString errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestConvertParts : public QObject {
  Q_OBJECT

 private slots:
  void identicalToSingleProcess_data();
  void identicalToSingleProcess();
  void killedPartIsRedone();
  void finalizeNamesMissingObjects();
  void mixedOptionsAreRefused();
  void finishedOutputIsProtected();
  void labelVolumesAreRefused();
  void windowedPyramidStepMatchesWholeStep();
  void partShares();
  void partAutoFromSchedulerEnvironment();

 private:
  QTemporaryDir tmp_;
  int n_ = 0;
  fs::path fresh() { return fs::path(tmp_.path().toStdString()) / ("d" + std::to_string(++n_)); }
};

void TestConvertParts::identicalToSingleProcess_data() {
  QTest::addColumn<QString>("source");
  QTest::addColumn<int>("zarr");
  QTest::addColumn<int>("chunk");
  QTest::addColumn<int>("shard");
  QTest::addColumn<int>("level0Parts");
  QTest::addColumn<int>("pyramidParts");
  const QString e = "e_uint16_pyramid_4levels.nii.gz", c = "c_float32_bigendian.nii.gz";
  QTest::newRow("v2 uint16 gz, 3+2 parts") << e << 2 << 16 << 0 << 3 << 2;
  QTest::newRow("v2 uint16 gz, chunk 8, 5+1 parts (K=3)") << e << 2 << 8 << 0 << 5 << 1;
  QTest::newRow("v3 uint16, 2+4 parts") << e << 3 << 16 << 0 << 2 << 4;
  QTest::newRow("v3 sharded uint16, 4+3 parts") << e << 3 << 8 << 16 << 4 << 3;
  QTest::newRow("v2 float32 big-endian, 3+2 parts") << c << 2 << 16 << 0 << 3 << 2;
  QTest::newRow("v3 sharded float32, 1+1 part") << c << 3 << 16 << 32 << 1 << 1;
  QTest::newRow("v2 4-D int16 .nii, 5+3 parts") << "4d" << 2 << 8 << 0 << 5 << 3;
  QTest::newRow("v3 sharded 4-D int16 .nii, 7+2 parts") << "4d" << 3 << 8 << 16 << 7 << 2;
}

void TestConvertParts::identicalToSingleProcess() {
  QFETCH(QString, source);
  QFETCH(int, zarr);
  QFETCH(int, chunk);
  QFETCH(int, shard);
  QFETCH(int, level0Parts);
  QFETCH(int, pyramidParts);
  const fs::path dir = fresh();
  fs::create_directories(dir);
  const std::string in =
      source == "4d" ? write4d(dir, 45, 38, 41, 3) : refdata(source.toStdString().c_str());
  const auto o = options(zarr, chunk, shard);
  const std::string single = (dir / "single.nii.zarr").string();
  const std::string parts = (dir / "parts.nii.zarr").string();
  nz::convertNiftiToNiftiZarr(in, single, o);
  runParts(in, parts, o, level0Parts, pyramidParts);
  QCOMPARE(compareTrees(single, parts), QString());
  QVERIFY(!fs::exists(fs::path(parts) / nz::kPartsPrefix));
}

void TestConvertParts::killedPartIsRedone() {
  // The state a SIGKILL can leave: a unit's objects partly written (one torn, one missing, a
  // temporary file of the store) and no record; the units before it recorded.
  const fs::path dir = fresh();
  const std::string in = refdata("e_uint16_pyramid_4levels.nii.gz");
  const auto o = options(2, 16, 0);
  const std::string single = (dir / "single.nii.zarr").string();
  const std::string parts = (dir / "parts.nii.zarr").string();
  nz::convertNiftiToNiftiZarr(in, single, o);
  for (int i = 0; i < 2; ++i) nz::convertPart(in, parts, nz::ConvertStage::Level0, {i, 2}, o);
  const fs::path rec = fs::path(parts) / nz::kPartsPrefix / "level0" / "0.0.5.json";  // part 1
  QVERIFY(fs::exists(rec));
  fs::remove(rec);
  fs::resize_file(fs::path(parts) / "0" / "5" / "0" / "0", 3);
  fs::remove(fs::path(parts) / "0" / "5" / "1" / "1");
  std::ofstream(fs::path(parts) / "0" / "5" / "2" / "0.tmp-12345") << "torn";
  const QString perr = errorOf([&] {
    nz::convertPart(in, parts, nz::ConvertStage::Pyramid, {1, 2}, o);
  });
  QVERIFY2(perr.contains("level 0 is incomplete: no record") && perr.contains("0.0.5.json"),
           qPrintable(perr));
  const QString err =
      errorOf([&] { nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o); });
  QVERIFY2(err.contains("level 0 is incomplete: no record") && err.contains("0.0.5.json"),
           qPrintable(err));
  QVERIFY(!fs::exists(fs::path(parts) / ".zgroup"));

  const nz::PartResult again = nz::convertPart(in, parts, nz::ConvertStage::Level0, {1, 2}, o);
  QCOMPARE(again.unitsOwned, std::int64_t{4});
  QCOMPARE(again.unitsSkipped, std::int64_t{3});  // only the unrecorded unit is redone
  QCOMPARE(again.objectsWritten, std::uint64_t{8 * 10});
  for (int i = 0; i < 3; ++i) nz::convertPart(in, parts, nz::ConvertStage::Pyramid, {i, 3}, o);
  const nz::PartResult fin = nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o);
  QCOMPARE(fin.levelShapes.size(), std::size_t{5});
  QCOMPARE(compareTrees(single, parts), QString());
  // Finalize again: nothing to do, nothing changed.
  QVERIFY(nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o).alreadyFinalized);
  QCOMPARE(compareTrees(single, parts), QString());
}

void TestConvertParts::finalizeNamesMissingObjects() {
  const fs::path dir = fresh();
  const std::string in = refdata("e_uint16_pyramid_4levels.nii.gz");
  const auto o = options(3, 16, 32);
  const std::string parts = (dir / "parts.nii.zarr").string();
  nz::convertPart(in, parts, nz::ConvertStage::Level0, {0, 1}, o);
  QString err = errorOf([&] { nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o); });
  QVERIFY2(err.contains("the pyramid stage is incomplete (no part has run)"), qPrintable(err));
  nz::convertPart(in, parts, nz::ConvertStage::Pyramid, {0, 2}, o);
  err = errorOf([&] { nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o); });
  QVERIFY2(err.contains("the pyramid stage is incomplete: no record") && err.contains("pyramid-K"),
           qPrintable(err));
  nz::convertPart(in, parts, nz::ConvertStage::Pyramid, {1, 2}, o);
  fs::remove(fs::path(parts) / "1" / "c" / "1" / "0" / "0");  // a level-1 shard, recorded
  fs::resize_file(fs::path(parts) / "0" / "c" / "0" / "0" / "0", 10);
  err = errorOf([&] { nz::convertPart(in, parts, nz::ConvertStage::Finalize, {}, o); });
  QVERIFY2(err.contains("missing or damaged") && err.contains("0/c/0/0/0 (size 10, not ") &&
               err.contains("1/c/1/0/0 (missing)"),
           qPrintable(err));
  QVERIFY(!fs::exists(fs::path(parts) / "zarr.json"));
}

void TestConvertParts::mixedOptionsAreRefused() {
  const fs::path dir = fresh();
  const std::string in = refdata("e_uint16_pyramid_4levels.nii.gz");
  const std::string parts = (dir / "parts.nii.zarr").string();
  nz::convertPart(in, parts, nz::ConvertStage::Level0, {0, 2}, options(3, 16, 0));
  // Part 0 again with another chunk size sees its own records from other options.
  const QString err = errorOf([&] {
    nz::convertPart(in, parts, nz::ConvertStage::Level0, {0, 2}, options(3, 32, 0));
  });
  QVERIFY2(err.contains("other options or another source") && err.contains("chunk 16"),
           qPrintable(err));
}

void TestConvertParts::finishedOutputIsProtected() {
  const fs::path dir = fresh();
  const std::string in = refdata("e_uint16_pyramid_4levels.nii.gz");
  const std::string out = (dir / "done.nii.zarr").string();
  nz::convertNiftiToNiftiZarr(in, out, options(3, 16, 0));
  const QString err = errorOf([&] {
    nz::convertPart(in, out, nz::ConvertStage::Level0, {0, 2}, options(3, 16, 0));
  });
  QVERIFY2(err.contains("already a finished NIfTI-Zarr"), qPrintable(err));
  QVERIFY(errorOf([&] {
            nz::convertPart(in, out, nz::ConvertStage::Level0, {2, 2}, options(3, 16, 0));
          }).contains("index must be in 0..count-1"));
}

void TestConvertParts::labelVolumesAreRefused() {
  const fs::path dir = fresh();
  fs::create_directories(dir);
  nz::NiftiHeader h;
  h.dim = {3, 40, 40, 40, 1, 1, 1, 1};
  h.datatype = 2;
  h.bitpix = 8;
  h.intentCode = 1002;
  h.voxOffset = 352;
  h.sclSlope = 1;
  nz::Bytes b = nz::serializeNiftiHeader(h, true);
  b.resize(b.size() + 40 * 40 * 40, 3);
  const fs::path in = dir / "labels.nii";
  std::ofstream(in, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  const QString err = errorOf([&] {
    nz::convertPart(in.string(), (dir / "o.nii.zarr").string(), nz::ConvertStage::Level0, {0, 2},
                    options(3, 8, 0));
  });
  QVERIFY2(err.contains("label volume") && err.contains("without --part"), qPrintable(err));
}

void TestConvertParts::windowedPyramidStepMatchesWholeStep() {
  std::mt19937 rng(3);
  for (const std::int64_t nz : {1, 2, 3, 7, 8, 9, 31, 64}) {
    const std::int64_t nx = 5, ny = 4;
    std::vector<nz::Plane> in(static_cast<std::size_t>(nz), nz::Plane(nx * ny));
    for (auto& p : in)
      for (double& v : p) v = static_cast<double>(rng() % 1000) / 7.0;
    std::map<std::int64_t, nz::Plane> whole;
    nz::PyramidStep full(nx, ny, nz);
    for (const auto& p : in)
      full.push(p, [&](std::int64_t z, const nz::Plane& q) { whole[z] = q; });
    const std::int64_t oz = nz::PyramidStep::halve(nz);
    QCOMPARE(static_cast<std::int64_t>(whole.size()), oz);
    for (std::int64_t a = 0; a < oz; ++a) {
      for (std::int64_t e = a + 1; e <= oz; ++e) {
        const auto [first, end] = nz::PyramidStep::inputsFor(nz, a, e);
        QVERIFY(first >= 0 && end <= nz && first < end);
        nz::PyramidStep win(nx, ny, nz, first, a, e);
        std::int64_t next = a;
        for (std::int64_t z = first; z < end; ++z) {
          win.push(in[static_cast<std::size_t>(z)], [&](std::int64_t zo, const nz::Plane& q) {
            QCOMPARE(zo, next++);
            QVERIFY(q == whole[zo]);  // bit for bit
          });
        }
        QVERIFY(win.finished());
        QCOMPARE(next, e);
      }
    }
  }
}

void TestConvertParts::partShares() {
  std::int64_t covered = 0;
  for (std::int64_t i = 0; i < 7; ++i) {
    const auto [a, b] = nz::partShare(20, {i, 7});
    QCOMPARE(a, covered);
    QVERIFY(b - a == 2 || b - a == 3);
    covered = b;
  }
  QCOMPARE(covered, std::int64_t{20});
  QCOMPARE(nz::partShare(2, {3, 5}).first, nz::partShare(2, {3, 5}).second);  // idle part
}

void TestConvertParts::partAutoFromSchedulerEnvironment() {
  const fs::path dir = fresh();
  const QString in = QString::fromStdString(refdata("e_uint16_pyramid_4levels.nii.gz"));
  const QString out = QString::fromStdString((dir / "o.nii.zarr").string());
  auto run = [&](const QStringList& env, const QStringList& extra) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const char* k : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                          "SLURM_ARRAY_TASK_STEP", "JOB_COMPLETION_INDEX",
                          "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE"})
      e.remove(k);
    for (const QString& kv : env) e.insert(kv.section('=', 0, 0), kv.section('=', 1));
    p.setProcessEnvironment(e);
    p.start(NZ_CLI_EXE, QStringList{"convert", in, out, "--part", "auto", "--chunk", "32"} + extra);
    p.waitForFinished(60000);
    return std::make_pair(p.exitCode(),
                          QString(p.readAllStandardOutput() + p.readAllStandardError()));
  };
  auto [c1, o1] = run({"SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_COUNT=3",
                       "SLURM_ARRAY_TASK_MIN=5", "SLURM_ARRAY_TASK_STEP=2"},
                      {});
  QCOMPARE(c1, 0);
  QVERIFY2(o1.contains("level0 part 1/3"), qPrintable(o1));
  auto [c2, o2] = run({"JOB_COMPLETION_INDEX=2"}, {"--part-count", "3"});
  QCOMPARE(c2, 0);
  QVERIFY2(o2.contains("level0 part 2/3"), qPrintable(o2));
  auto [c3, o3] = run({"AWS_BATCH_JOB_ARRAY_INDEX=0", "AWS_BATCH_JOB_ARRAY_SIZE=3"}, {});
  QCOMPARE(c3, 0);
  QVERIFY2(o3.contains("level0 part 0/3"), qPrintable(o3));
  auto [c4, o4] = run({"JOB_COMPLETION_INDEX=2"}, {});
  QVERIFY(c4 != 0);
  QVERIFY2(o4.contains("needs --part-count N"), qPrintable(o4));
  auto [c5, o5] = run({}, {});
  QVERIFY(c5 != 0);
  QVERIFY2(o5.contains("not inside an array job"), qPrintable(o5));
  auto [c6, o6] =
      run({"AWS_BATCH_JOB_ARRAY_INDEX=0", "AWS_BATCH_JOB_ARRAY_SIZE=3"}, {"--part-count", "4"});
  QVERIFY(c6 != 0);
  QVERIFY2(o6.contains("--part-count 4 differs"), qPrintable(o6));
  auto [c7, o7] = run({"SLURM_ARRAY_TASK_ID=x", "SLURM_ARRAY_TASK_COUNT=3"}, {});
  QVERIFY(c7 != 0);
  QVERIFY2(o7.contains("SLURM_ARRAY_TASK_ID must be a non-negative integer"), qPrintable(o7));
}

QTEST_GUILESS_MAIN(TestConvertParts)
#include "tst_convert_parts.moc"
