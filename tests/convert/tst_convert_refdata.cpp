// Converts every reference source NIfTI (tests/data/refdata/*.nii.gz) and compares with what
// niizarr wrote: Zarr v2 through Debian's zarr-python 2.13 + nibabel (check_v2.py), Zarr v3
// (plain and sharded) through our reader; label pyramids; atomic failure and cancel.
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "convert/convert.h"
#include "convert_test_util.h"
#include "dataset/nifti_file_dataset.h"
#include "nifti/nifti_header.h"
#include "store/memory_store.h"

using namespace nzconv;

namespace {

nz::Bytes nztest_readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return nz::Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Case {
  const char* source;     // refdata source name
  const char* reference;  // niizarr output compared with
  int chunk;
  int levels;
};

// chunk/levels as in manifest.json nii2zarr_kwargs (c's reference h2 was written with chunk 32).
const Case kCases[] = {
    {"a_uint8_oblique_sform", "a_uint8_oblique_sform", 32, -1},
    {"b_int16_scl_qform", "b_int16_scl_qform", 16, -1},
    {"c_float32_bigendian", "h2_missing_chunks_nanfill", 32, -1},
    {"e_uint16_pyramid_4levels", "e_uint16_pyramid_4levels", 32, -1},
    {"f_blosc_default_chunk64_float32", "f_blosc_default_chunk64_float32", 64, -1},
    {"f_zstd_via_zlib_option", "f_zstd_via_zlib_option", 16, 1},
};

}  // namespace

class TestConvertRefdata : public QObject {
  Q_OBJECT

 private slots:
  void v2MatchesReference_data();
  void v2MatchesReference();
  void v3ReadsBackWithOurReader_data() { v2MatchesReference_data(); }
  void v3ReadsBackWithOurReader();
  void v3ShardedMatchesReference();
  void labelPyramidVotes();
  void failedConversionLeavesNothing();
  void cancelledConversionLeavesNothing();
  void cloudOutputWritesGroupMetadataLast();
  void cloudFailureRemovesWrittenObjects();

 private:
  QTemporaryDir tmp_;
};

void TestConvertRefdata::v2MatchesReference_data() {
  QTest::addColumn<int>("index");
  for (int i = 0; i < static_cast<int>(std::size(kCases)); ++i) {
    QTest::newRow(kCases[i].source) << i;
  }
}

void TestConvertRefdata::v2MatchesReference() {
  QFETCH(int, index);
  const Case& c = kCases[index];
  const std::string src = refdir() + "/" + c.source + ".nii.gz";
  const std::string out = tmp_.path().toStdString() + "/" + c.source + "_v2.nii.zarr";
  nz::ConvertOptions o;
  o.write.zarrVersion = 2;
  o.write.chunk = c.chunk;
  o.write.levels = c.levels;
  const nz::ConvertResult r = nz::convertNiftiToNiftiZarr(src, out, o);
  const auto m = manifest()["datasets"][c.reference];
  QCOMPARE(r.write.levelShapes.size(), m["levels"].size());
  int code = -1;
  const auto j = runOracle({QString::fromStdString(out), QString::fromStdString(src),
                            QString::fromStdString(refdir() + "/" + c.reference + ".nii.zarr")},
                           &code);
  qInfo("%s v2 oracle: %s", c.source, j.dump().c_str());
  QCOMPARE(code, 0);
  QVERIFY(j.value("ok", false));
  QVERIFY(j.value("header_bytes_equal_reference", false));
  // Level 0 exact; lower levels: integer types exactly niizarr's, floats within rounding.
  for (double d : j["max_abs_diff"]) QVERIFY2(d <= 1e-4, "pyramid level differs from niizarr");
}

void TestConvertRefdata::v3ReadsBackWithOurReader() {
  QFETCH(int, index);
  const Case& c = kCases[index];
  const std::string src = refdir() + "/" + c.source + ".nii.gz";
  const std::string out = tmp_.path().toStdString() + "/" + c.source + "_v3.nii.zarr";
  nz::ConvertOptions o;
  o.write.zarrVersion = 3;
  o.write.chunk = c.chunk;
  o.write.levels = c.levels;
  nz::convertNiftiToNiftiZarr(src, out, o);
  QVERIFY(std::filesystem::exists(out + "/zarr.json"));
  QVERIFY(std::filesystem::exists(out + "/nifti/c/0"));

  auto ours = nz::openDataset(out);
  auto source = nz::openDataset(src);
  auto ref = nz::openDataset(refdir() + "/" + c.reference + ".nii.zarr");
  const auto m = manifest()["datasets"][c.reference];
  QCOMPARE(ours->info().zarrFormat, 3);
  QCOMPARE(ours->info().levels.size(), m["levels"].size());
  for (std::size_t L = 0; L < ours->info().levels.size(); ++L) {
    const nz::LevelInfo& l = ours->info().levels[L];
    const auto& ml = m["levels"][L];
    const auto zshape = ml["shape"].get<std::vector<std::int64_t>>();  // z, y, x
    QCOMPARE(l.shape[0], zshape[2]);
    QCOMPARE(l.shape[1], zshape[1]);
    QCOMPARE(l.shape[2], zshape[0]);
    const auto aff = ml["affine_world_from_level_voxel"];
    for (int r = 0; r < 4; ++r) {
      for (int k = 0; k < 4; ++k) {
        const double want = aff[r][k].get<double>();
        QVERIFY2(std::fabs(l.affine[r * 4 + k] - want) < 1e-5 * std::max(1.0, std::fabs(want)),
                 "level affine differs from the manifest");
      }
    }
    const nz::Volume got = ours->readRegion(static_cast<int>(L), wholeBox(l));
    if (L == 0) {
      const nz::Volume want = source->readRegion(0, wholeBox(source->info().levels[0]));
      QCOMPARE(got.dtype, want.dtype);
      QCOMPARE(maxAbsDiff(got, want), 0.0);
    } else {
      const nz::Volume want = ref->readRegion(static_cast<int>(L), wholeBox(l));
      const double d = maxAbsDiff(got, want);
      qInfo("%s v3 level %zu max |ours - niizarr| = %g", c.source, L, d);
      QVERIFY(d <= 1e-4);
    }
  }
}

void TestConvertRefdata::v3ShardedMatchesReference() {
  // g2: niizarr's sharded layout of e (shard 64, chunk 32).
  const std::string src = refdir() + "/e_uint16_pyramid_4levels.nii.gz";
  const std::string out = tmp_.path().toStdString() + "/e_sharded.nii.zarr";
  nz::ConvertOptions o;
  o.write.chunk = 32;
  o.write.shard = 64;
  const auto r = nz::convertNiftiToNiftiZarr(src, out, o);
  QVERIFY(r.write.objectsWritten > 0);
  auto ours = nz::openDataset(out);
  auto ref = nz::openDataset(refdir() + "/g2_v3_sharded_uint16.nii.zarr");
  QCOMPARE(ours->info().levels.size(), ref->info().levels.size());
  for (std::size_t L = 0; L < ours->info().levels.size(); ++L) {
    const nz::LevelInfo& l = ours->info().levels[L];
    QCOMPARE(l.shardShape[0], 64);
    QCOMPARE(l.chunkShape[0], 32);
    const double d = maxAbsDiff(ours->readRegion(static_cast<int>(L), wholeBox(l)),
                                ref->readRegion(static_cast<int>(L), wholeBox(l)));
    qInfo("sharded level %zu max |ours - g2| = %g", L, d);
    QCOMPARE(d, 0.0);
  }
}

namespace {

// A small NIfTI-1 label volume (intent 1002) in memory: labels 0, 3, 7 in blocks.
nz::Bytes labelNifti(nz::Index5 shape) {
  nz::NiftiHeader h;
  h.dim = {3, shape[0], shape[1], shape[2], 1, 1, 1, 1};
  h.datatype = 2;
  h.bitpix = 8;
  h.intentCode = 1002;
  h.voxOffset = 352;
  h.sclSlope = 1;
  h.xyztUnits = 10;
  nz::Bytes b = nz::serializeNiftiHeader(h, true);
  for (std::int64_t z = 0; z < shape[2]; ++z) {
    for (std::int64_t y = 0; y < shape[1]; ++y) {
      for (std::int64_t x = 0; x < shape[0]; ++x) {
        b.push_back(x < 8 ? 0 : (y < 12 ? 3 : 7));
      }
    }
  }
  return b;
}

}  // namespace

void TestConvertRefdata::labelPyramidVotes() {
  auto in = std::make_shared<nz::MemoryStore>("labels-in");
  in->put("lab.nii", labelNifti({24, 20, 18, 1, 1}));
  auto out = std::make_shared<nz::MemoryStore>("labels-out");
  nz::ConvertOptions o;
  o.write.chunk = 8;
  const auto r = nz::convertNiftiToNiftiZarr(in, "lab.nii", "mem://labels-in/lab.nii", *out, o);
  QCOMPARE(r.write.labelCount, std::size_t{3});
  auto ds = nz::openDataset(out, "mem://labels-out");
  QVERIFY(ds->info().levels.size() >= 2);
  for (std::size_t L = 1; L < ds->info().levels.size(); ++L) {
    const nz::Volume v = ds->readRegion(static_cast<int>(L), wholeBox(ds->info().levels[L]));
    std::set<int> seen;
    for (std::size_t i = 0; i < v.voxelCount(); ++i) seen.insert(v.data[i]);
    for (int s : seen) QVERIFY2(s == 0 || s == 3 || s == 7, "a voted label is not a source label");
    QVERIFY(seen.count(3) && seen.count(7));
    // Far from the borders the majority label survives.
    QCOMPARE(static_cast<int>(v.valueAt(v.shape[0] - 1, v.shape[1] - 1, 0)), 7);
  }
}

void TestConvertRefdata::failedConversionLeavesNothing() {
  const std::string bad = tmp_.path().toStdString() + "/notnifti.nii";
  std::ofstream(bad) << "this is not a NIfTI file, just text long enough to be read";
  const std::string out = tmp_.path().toStdString() + "/failed.nii.zarr";
  bool threw = false;
  try {
    nz::convertNiftiToNiftiZarr(bad, out);
  } catch (const nz::Error& e) {
    threw = true;
    QCOMPARE(e.kind(), nz::ErrorKind::InvalidData);
  }
  QVERIFY(threw);
  QVERIFY(!std::filesystem::exists(out));
  for (const auto& e : std::filesystem::directory_iterator(tmp_.path().toStdString())) {
    QVERIFY2(e.path().filename().string().find(".partial") == std::string::npos,
             "temporary output left behind");
  }
}

void TestConvertRefdata::cancelledConversionLeavesNothing() {
  nz::CancelSource cancel;
  cancel.cancel();
  nz::ConvertOptions o;
  o.cancel = cancel.token();
  const std::string out = tmp_.path().toStdString() + "/cancelled.nii.zarr";
  bool threw = false;
  try {
    nz::convertNiftiToNiftiZarr(refdir() + "/e_uint16_pyramid_4levels.nii.gz", out, o);
  } catch (const nz::Error& e) {
    threw = true;
    QCOMPARE(e.kind(), nz::ErrorKind::Cancelled);
  }
  QVERIFY(threw);
  QVERIFY(!std::filesystem::exists(out));
}

namespace {

// Records the order of writes (what a cloud store would receive).
class OrderStore : public nz::MemoryStore {
 public:
  using nz::MemoryStore::MemoryStore;
  void write(const std::string& key, const nz::Bytes& data) override {
    {
      std::lock_guard lock(m_);
      order_.push_back(key);
    }
    nz::MemoryStore::write(key, data);
  }
  std::vector<std::string> order() const {
    std::lock_guard lock(m_);
    return order_;
  }

 private:
  mutable std::mutex m_;
  std::vector<std::string> order_;
};

}  // namespace

void TestConvertRefdata::cloudOutputWritesGroupMetadataLast() {
  auto in = std::make_shared<nz::MemoryStore>("order-in");
  in->put("e.nii.gz", nztest_readFile(refdir() + "/e_uint16_pyramid_4levels.nii.gz"));
  OrderStore out("order-out");
  nz::ConvertOptions o;
  o.write.chunk = 32;
  nz::convertNiftiToNiftiZarr(in, "e.nii.gz", "mem://order-in/e.nii.gz", out, o);
  const auto order = out.order();
  QVERIFY(!order.empty());
  QCOMPARE(order.back(), std::string("zarr.json"));
  // Every chunk precedes every array's metadata.
  std::size_t firstMeta = order.size(), lastChunk = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const bool meta = order[i].size() >= 9 && order[i].substr(order[i].size() - 9) == "zarr.json";
    if (meta) firstMeta = std::min(firstMeta, i);
    if (!meta && order[i].rfind("nifti", 0) != 0) lastChunk = i;
  }
  QVERIFY(lastChunk < firstMeta);
  // Through a URI (mem:// stands in for a cloud store): readable afterwards.
  nz::convertNiftiToNiftiZarr(refdir() + "/e_uint16_pyramid_4levels.nii.gz", "mem://conv-cloud", o);
  auto ds = nz::openDataset("mem://conv-cloud");
  QCOMPARE(ds->info().levels.size(), std::size_t{4});
}

void TestConvertRefdata::cloudFailureRemovesWrittenObjects() {
  bool threw = false;
  try {
    nz::writeNiftiZarrAtomically("mem://conv-fail", {}, [](nz::Store& s) {
      s.write("0/c/0/0/0", nz::Bytes(10, 1));
      s.write("0/zarr.json", nz::Bytes(2, '{'));
      throw nz::Error(nz::ErrorKind::Network, "upload failed");
    });
  } catch (const nz::Error&) {
    threw = true;
  }
  QVERIFY(threw);
  QVERIFY(nz::MemoryStore::named("conv-fail")->keys().empty());
}

QTEST_GUILESS_MAIN(TestConvertRefdata)
#include "tst_convert_refdata.moc"
