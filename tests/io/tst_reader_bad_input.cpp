// Bad input gives one clear nz::Error naming the file and field, never a crash or a hang:
// malformed JSON, overflowing/negative shapes, oversized chunks, truncated chunks, a blosc
// header that lies about its size, unknown codecs/dtypes, NaN in the affine, broken NIfTI
// headers, corrupt shard indexes. Each case mutates one file of a valid reference dataset
// copied into a MemoryStore.
#include <QtTest>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/bad_input.h"
#include "dataset/nifti_zarr_dataset.h"
#include "io_test_util.h"
#include "nifti/nifti_header.h"

using nlohmann::json;

namespace {

std::shared_ptr<nz::MemoryStore> copyOf(const std::string& refName) {
  return nztest::refdataCopy(refName, "bad");
}

using nztest::editJson;
using nztest::textOf;

// Runs `f`, expecting an nz::Error of `kind` whose message contains every `parts` entry.
template <typename F>
bool expectError(F&& f, nz::ErrorKind kind, std::initializer_list<const char*> parts) {
  return nztest::expectErrorOf(std::forward<F>(f), kind, parts);
}

std::shared_ptr<nz::Dataset> open(std::shared_ptr<nz::MemoryStore> s) {
  return nz::openDataset(std::move(s), "mem://bad");
}

void readAll(const std::shared_ptr<nz::MemoryStore>& s) {
  auto ds = open(s);
  ds->readRegion(0, nztest::wholeLevel(*ds, 0));
}

}  // namespace

class ReaderBadInput : public QObject {
  Q_OBJECT
 private slots:
  void missingGroup();
  void malformedJson();
  void shapeOverflow();
  void negativeDims();
  void chunkTooLarge();
  void unknownCodecAndDtype();
  void truncatedChunk();
  void lyingBloscHeader();
  void truncatedZstd();
  void nanInAffine();
  void brokenNiftiHeader();
  void corruptShardIndex();
  void chunkErrorsReachCallback();
  void fillValueSpellings();
};

void ReaderBadInput::missingGroup() {
  auto s = std::make_shared<nz::MemoryStore>("empty");
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::NotFound, {"mem://bad", "not a Zarr group"}));
}

void ReaderBadInput::malformedJson() {
  auto s = copyOf("a_uint8_oblique_sform");
  s->put(".zattrs", std::string("{\"multiscales\": [ {"));
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {".zattrs", "malformed JSON"}));
  s = copyOf("a_uint8_oblique_sform");
  s->put("1/.zarray", std::string("[1,2"));
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"1/.zarray", "malformed JSON"}));
  s = copyOf("g1_v3_uint8_oblique");
  s->put("0/zarr.json",
         std::string("{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": \"x\"}"));
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"0/zarr.json", "shape"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, ".zattrs", [](json& j) { j["multiscales"][0]["datasets"][0].erase("path"); });
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {".zattrs", "datasets[0].path"}));
  // Fields of the wrong JSON type (found by fuzz_dataset_zarr): named, never an exception of
  // the JSON library escaping.
  s = copyOf("g1_v3_uint8_oblique");
  editJson(*s, "zarr.json", [](json& j) { j["node_type"] = json::array(); });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"zarr.json", "node_type"}));
  s = copyOf("g1_v3_uint8_oblique");
  editJson(*s, "zarr.json", [](json& j) { j["zarr_format"] = "3"; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"zarr.json", "zarr_format"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, ".zattrs", [](json& j) { j["multiscales"][0]["axes"] = json{{"name", 1}}; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"mem://"}));
}

void ReaderBadInput::shapeOverflow() {
  auto s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) {
    j["shape"] = {std::int64_t{1} << 40, std::int64_t{1} << 40, std::int64_t{1} << 40};
  });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData,
                      {"0/.zarray", "shape", "overflow"}));
}

void ReaderBadInput::negativeDims() {
  auto s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["shape"][1] = -5; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData,
                      {"0/.zarray", "shape[1]", "negative"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["chunks"][0] = 0; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"0/.zarray", "chunks[0]"}));
}

void ReaderBadInput::chunkTooLarge() {
  auto s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["chunks"] = {2048, 2048, 1024}; });
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"0/.zarray", "chunks", "2 GiB"}));
}

void ReaderBadInput::unknownCodecAndDtype() {
  auto s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["compressor"] = {{"id", "lzf"}}; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/.zarray", "lzf"}));
  s = copyOf("a_uint8_oblique_sform");  // raw LZMA needs filter chains nzview does not read
  editJson(*s, "0/.zarray", [](json& j) { j["compressor"] = {{"id", "lzma"}, {"format", 3}}; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/.zarray", "lzma"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["dtype"] = "<m8"; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/.zarray", "dtype", "<m8"}));
  s = copyOf("g1_v3_uint8_oblique");
  editJson(*s, "0/zarr.json", [](json& j) { j["codecs"][1]["name"] = "lzw"; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/zarr.json", "lzw"}));
  s = copyOf("g1_v3_uint8_oblique");
  editJson(*s, "0/zarr.json", [](json& j) { j["data_type"] = "bfloat16"; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/zarr.json", "bfloat16"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["filters"] = {{{"id", "delta"}}}; });  // no dtype
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/.zarray", "delta"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "0/.zarray", [](json& j) { j["filters"] = {{{"id", "quantize"}}}; });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::Unsupported, {"0/.zarray", "quantize"}));
}

void ReaderBadInput::truncatedChunk() {
  auto s = copyOf("a_uint8_oblique_sform");
  nz::Bytes c = s->read("0/0/0/0").data;
  c.resize(c.size() / 2);
  s->put("0/0/0/0", c);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "blosc"}));
  c.resize(7);
  s->put("0/0/0/0", c);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "blosc"}));
}

void ReaderBadInput::lyingBloscHeader() {
  auto s = copyOf("a_uint8_oblique_sform");
  nz::Bytes c = s->read("0/0/0/0").data;
  std::uint32_t nbytes;
  std::memcpy(&nbytes, c.data() + 4, 4);
  nbytes /= 2;  // claims half the real size (still self-consistent enough to pass validation)
  std::memcpy(c.data() + 4, &nbytes, 4);
  s->put("0/0/0/0", c);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "blosc"}));
  nbytes *= 8;  // claims more than the chunk holds
  std::memcpy(c.data() + 4, &nbytes, 4);
  s->put("0/0/0/0", c);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "blosc"}));
}

void ReaderBadInput::truncatedZstd() {
  auto s = copyOf("f_zstd_via_zlib_option");
  nz::Bytes c = s->read("0/0/0/0").data;
  c.resize(c.size() - 5);
  s->put("0/0/0/0", c);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "zstd"}));
  s->put("0/0/0/0", std::string("not a zstd frame at all"));
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/0/0/0", "zstd"}));
}

void ReaderBadInput::nanInAffine() {
  auto s = copyOf("a_uint8_oblique_sform");  // sform_code 2, little-endian NIfTI-1
  nz::Bytes h = s->read("nifti/0").data;
  const float nan = std::nanf("");
  std::memcpy(h.data() + 280, &nan, 4);  // srow_x[0]
  s->put("nifti/0", h);
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"nifti", "srow", "not finite"}));
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, ".zattrs", [](json& j) {
    j["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"][0] = 0.0;
  });
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {".zattrs", "scale"}));
}

void ReaderBadInput::brokenNiftiHeader() {
  auto s = copyOf("a_uint8_oblique_sform");
  nz::Bytes h = s->read("nifti/0").data;
  nz::Bytes bad = h;
  bad[0] = 0x11;
  s->put("nifti/0", bad);
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"nifti", "sizeof_hdr"}));
  bad = h;
  const std::int16_t neg = -3;
  std::memcpy(bad.data() + 42, &neg, 2);  // dim[1]
  s->put("nifti/0", bad);
  QVERIFY(
      expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"nifti", "dim[1]", "negative"}));
  // Header array shorter than the header (metadata lies about its shape).
  s = copyOf("a_uint8_oblique_sform");
  editJson(*s, "nifti/.zarray", [](json& j) {
    j["shape"] = {100};
    j["chunks"] = {100};
  });
  h.resize(100);
  s->put("nifti/0", h);
  QVERIFY(expectError([&] { open(s); }, nz::ErrorKind::InvalidData, {"nifti", "truncated"}));
  // Direct parser checks: extension sizes.
  nz::NiftiHeader hdr;
  hdr.extensions.push_back({4, nz::Bytes(20, 'x')});
  nz::Bytes ser = nz::serializeNiftiHeader(hdr);
  const std::int32_t huge = 1 << 30;
  std::memcpy(ser.data() + 352, &huge, 4);
  QVERIFY(expectError([&] { nz::parseNiftiHeader(ser.data(), ser.size(), "x.nii"); },
                      nz::ErrorKind::InvalidData, {"x.nii", "esize"}));
  // vox_offset that no file can have: NIfTI-2's int64 maximum (2^63 as a double, which used to
  // overflow the int64 cast when written back), a negative one, and a NaN in a NIfTI-1 float.
  nz::NiftiHeader v2;
  v2.version = 2;
  v2.magic = "n+2";
  nz::Bytes ser2 = nz::serializeNiftiHeader(v2);
  const std::int64_t maxOffset = std::numeric_limits<std::int64_t>::max();
  std::memcpy(ser2.data() + 168, &maxOffset, 8);
  QVERIFY(expectError([&] { nz::parseNiftiHeader(ser2.data(), ser2.size(), "big.nii"); },
                      nz::ErrorKind::InvalidData, {"big.nii", "vox_offset", "9.22337e+18"}));
  const std::int64_t negativeOffset = -352;
  std::memcpy(ser2.data() + 168, &negativeOffset, 8);
  QVERIFY(expectError([&] { nz::parseNiftiHeader(ser2.data(), ser2.size(), "neg.nii"); },
                      nz::ErrorKind::InvalidData, {"neg.nii", "vox_offset", "-352"}));
  nz::Bytes ser1 = nz::serializeNiftiHeader(nz::NiftiHeader{});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(ser1.data() + 108, &nan, 4);
  QVERIFY(expectError([&] { nz::parseNiftiHeader(ser1.data(), ser1.size(), "nan.nii"); },
                      nz::ErrorKind::InvalidData, {"nan.nii", "vox_offset", "nan"}));
  // A legal but huge vox_offset parses, and padding a header to it is refused, not allocated.
  const std::int64_t farOffset = std::int64_t{1} << 40;
  std::memcpy(ser2.data() + 168, &farOffset, 8);
  const nz::NiftiHeader far = nz::parseNiftiHeader(ser2.data(), ser2.size(), "far.nii");
  QCOMPARE(far.voxOffset, static_cast<double>(farOffset));
  QVERIFY(expectError([&] { nz::serializeNiftiHeader(far, true); }, nz::ErrorKind::InvalidArgument,
                      {"vox_offset", "1099511627776"}));
}

void ReaderBadInput::corruptShardIndex() {
  auto s = copyOf("g2_v3_sharded_uint16");
  nz::Bytes shard = s->read("0/c/0/0/0").data;
  shard[shard.size() - 10] ^= 0xFF;  // inside the index: the crc32c no longer matches
  s->put("0/c/0/0/0", shard);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/c/0/0/0", "crc32c"}));
  // Index pointing past the end of the shard.
  s = copyOf("g2_v3_sharded_uint16");
  shard = s->read("0/c/0/0/0").data;
  shard.erase(shard.begin(), shard.begin() + 100);  // shorter body, same index
  s->put("0/c/0/0/0", shard);
  QVERIFY(expectError([&] { readAll(s); }, nz::ErrorKind::InvalidData, {"0/c/0/0/0"}));
}

void ReaderBadInput::chunkErrorsReachCallback() {
  auto s = copyOf("a_uint8_oblique_sform");
  s->put("0/0/0/0", std::string("garbage"));
  auto ds = open(s);
  std::promise<nz::ChunkResult> p;
  ds->readChunkAsync(0, {0, 0, 0, 0, 0}, {}, [&](nz::ChunkResult r) { p.set_value(std::move(r)); });
  const nz::ChunkResult r = p.get_future().get();
  QVERIFY(!r.ok);
  QCOMPARE(r.errorKind, nz::ErrorKind::InvalidData);
  QVERIFY(r.error.find("0/0/0/0") != std::string::npos);
  // A missing chunk is not an error: fill value.
  s->remove("0/0/0/0");
  std::promise<nz::ChunkResult> p2;
  ds->readChunkAsync(0, {0, 0, 0, 0, 0}, {},
                     [&](nz::ChunkResult r2) { p2.set_value(std::move(r2)); });
  const nz::ChunkResult r2 = p2.get_future().get();
  QVERIFY(r2.ok && r2.missing && r2.volume);
  QCOMPARE(r2.volume->valueAt(3, 3, 3), 0.0);
}

void ReaderBadInput::fillValueSpellings() {
  auto f = [](const char* text, nz::DType t) {
    const nz::Bytes b = nz::parseFillValueText(text, t, nz::dtypeSize(t), "test");
    return nz::readAsDouble(b.data(), t, 0);
  };
  QVERIFY(std::isnan(f("\"NaN\"", nz::DType::Float32)));
  QCOMPARE(f("\"Infinity\"", nz::DType::Float64), INFINITY);
  QCOMPARE(f("\"-Infinity\"", nz::DType::Float32), -INFINITY);
  QVERIFY(std::isnan(f("\"0x7fc00000\"", nz::DType::Float32)));
  QCOMPARE(f("\"0x3ff0000000000000\"", nz::DType::Float64), 1.0);
  QCOMPARE(f("null", nz::DType::Int16), 0.0);
  QCOMPARE(f("-7", nz::DType::Int16), -7.0);
  QCOMPARE(f("true", nz::DType::UInt8), 1.0);
  QVERIFY(expectError([&] { f("\"NaN\"", nz::DType::Int32); }, nz::ErrorKind::InvalidData,
                      {"fill_value"}));
  QVERIFY(expectError([&] { f("{", nz::DType::Int32); }, nz::ErrorKind::InvalidData, {"test"}));
}

QTEST_GUILESS_MAIN(ReaderBadInput)
#include "tst_reader_bad_input.moc"
