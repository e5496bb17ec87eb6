// Hostile metadata and codec chains (issue "Hardening, round 2"): every case is built the way
// a broken writer or an attacker would, and must end in one clear nz::Error naming the file,
// the field and the limit, or in correct data; never a crash, a hang or a huge allocation.
#include <zlib.h>
#include <zstd.h>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "cloud/token_provider.h"
#include "common/bad_input.h"
#include "core/checked.h"
#include "core/json_parse.h"
#include "core/limits.h"
#include "core/parse_number.h"
#include "io/io_test_util.h"
#include "nifti/nifti_header.h"
#include "roi/roi_set.h"
#include "uri/uri.h"
#include "zarr/codecs.h"
#include "zarr/zarr_metadata.h"

using nlohmann::json;

namespace {

std::shared_ptr<nz::MemoryStore> copyOf(const std::string& refName) {
  return nztest::refdataCopy(refName, "hostile");
}

using nztest::editJson;
using nztest::textOf;

template <typename F>
bool expectError(F&& f, std::initializer_list<const char*> parts) {
  return nztest::expectErrorOf(std::forward<F>(f), std::nullopt, parts);
}

std::shared_ptr<nz::Dataset> open(std::shared_ptr<nz::MemoryStore> s) {
  return nz::openDataset(std::move(s), "mem://hostile");
}

std::string deepArrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

nz::Bytes deflate(const nz::Bytes& in, int windowBits) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, windowBits, 9, Z_DEFAULT_STRATEGY);
  nz::Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

nz::BytesCodec codec(nz::BytesCodec::Kind k, const char* name) { return {k, name, ""}; }

}  // namespace

class HardeningMetadata : public QObject {
  Q_OBJECT
 private slots:
  void cleanup() { nz::setInputLimits(nz::InputLimits{}); }

  // Arrays nested 100k deep in .zarray, in zarr.json attributes and in a codec configuration:
  // refused by the shared parser before nlohmann builds anything.
  void deepJsonNestingIsBounded() {
    const std::string deep = deepArrays(100000);
    auto s = copyOf("a_uint8_oblique_sform");
    s->put("0/.zarray", deep);
    QVERIFY(expectError([&] { open(s); }, {"0/.zarray", "nested deeper than 128"}));
    s = copyOf("g1_v3_uint8_oblique");
    std::string group = textOf(*s, "zarr.json");
    const auto attrsAt = group.find("\"attributes\"");
    QVERIFY(attrsAt != std::string::npos);
    group.insert(group.find('{', attrsAt) + 1, "\"deep\": " + deep + ",");
    s->put("zarr.json", group);
    QVERIFY(expectError([&] { open(s); }, {"zarr.json", "json.max_depth"}));
    s = copyOf("g1_v3_uint8_oblique");
    std::string arr = textOf(*s, "0/zarr.json");
    const auto at = arr.find("\"codecs\"");
    QVERIFY(at != std::string::npos);
    arr.insert(at, "\"x\": {\"configuration\": " + deep + "},");
    s->put("0/zarr.json", arr);
    QVERIFY(expectError([&] { open(s); }, {"0/zarr.json", "nested deeper"}));
    // ROI files, token answers: the same helper.
    QVERIFY(expectError([&] { nz::parseRoiSet(deep, "rois.json", nullptr); },
                        {"rois.json", "nested deeper"}));
    QVERIFY(expectError([&] { nz::parseTokenJson("{\"a\":" + deep + "}", "token endpoint"); },
                        {"token endpoint"}));
    // Brackets inside strings do not count; a reasonable depth parses.
    QCOMPARE(nz::jsonNestingDepth("{\"a\": \"[[[[[[\\\"[[[\", \"b\": [[1]]}", 1000),
             std::size_t{3});
    QVERIFY(nz::parseJson(deepArrays(100), "ok.json").is_array());
    // The limit can be raised.
    nz::applyInputLimitOptions({{"json.max_depth", "2000"}});
    QVERIFY(nz::parseJson(deepArrays(1000), "ok.json").is_array());
  }

  // A .zattrs of 17 MiB is refused after reading at most the limit; the option raises it.
  void metadataReadsAreCapped() {
    auto s = copyOf("a_uint8_oblique_sform");
    std::string attrs = textOf(*s, ".zattrs");
    attrs.insert(attrs.find('{') + 1, "\"pad\": \"" + std::string(17u << 20, 'x') + "\",");
    s->put(".zattrs", attrs);
    QVERIFY(expectError([&] { open(s); },
                        {".zattrs", "16777216 bytes", "--option metadata.max_bytes"}));
    nz::applyInputLimitOptions({{"metadata.max_bytes", "67108864"}});
    auto ds = open(s);
    QCOMPARE(ds->info().levels.size(), std::size_t{2});
    QVERIFY(expectError(
        [&] {
          nz::applyInputLimitOptions({{"metadata.max_bytes", "12x"}});
        },
        {"--option metadata.max_bytes"}));
  }

  // shard shape / inner chunk shape = 2^63 inner chunks: the index size would wrap to zero.
  void shardIndexSizeIsChecked() {
    auto s = copyOf("g2_v3_sharded_uint16");
    editJson(*s, "0/zarr.json", [](json& j) {
      j["chunk_grid"]["configuration"]["chunk_shape"] = {
          std::int64_t{1} << 21, std::int64_t{1} << 21, std::int64_t{1} << 21};
      for (auto& c : j["codecs"])
        if (c["name"] == "sharding_indexed") c["configuration"]["chunk_shape"] = {1, 1, 1};
    });
    QVERIFY(expectError([&] { open(s); }, {"0/zarr.json", "inner chunks"}));
    QVERIFY(expectError([] { nz::checkedMul(std::uint64_t{1} << 63, 16, "x", "index bytes"); },
                        {"index bytes", "does not fit"}));
  }

  // The valid v3 chain [bytes, crc32c, gzip] (zarr-python writes it): sizes follow the chain.
  void crc32cInsideGzipIsAccepted() {
    nz::Bytes raw(4096);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7);
    nz::Bytes withCrc = raw;
    const std::uint32_t crc = nz::crc32c(raw.data(), raw.size());
    for (int k = 0; k < 4; ++k) withCrc.push_back(static_cast<std::uint8_t>(crc >> (8 * k)));
    const nz::Bytes stored = deflate(withCrc, 15 + 16);  // gzip
    const std::vector<nz::BytesCodec> chain = {codec(nz::BytesCodec::Kind::Crc32c, "crc32c"),
                                               codec(nz::BytesCodec::Kind::Gzip, "gzip")};
    QCOMPARE(nz::decodeBytesChain(chain, stored, raw.size(), "c/0"), raw);
    nz::Bytes corrupt = withCrc;
    corrupt[10] ^= 1;
    QVERIFY(
        expectError([&] { nz::decodeBytesChain(chain, deflate(corrupt, 31), raw.size(), "c/0"); },
                    {"c/0", "crc32c checksum mismatch"}));
  }

  // [bytes, gzip, zstd]: the zstd stage may not expand past what gzip can take for a 4 KiB
  // chunk, though its frame (64 MiB of gzip'd zeros) is small.
  void chainStagesAreBounded() {
    const nz::Bytes zeros(64u << 20, 0);
    const nz::Bytes gz = deflate(zeros, 31);
    nz::Bytes bomb(ZSTD_compressBound(gz.size() * 40));
    nz::Bytes padded = gz;
    padded.resize(gz.size() * 40, 0);  // more than gzip could ever produce for 4 KiB
    const std::size_t n = ZSTD_compress(bomb.data(), bomb.size(), padded.data(), padded.size(), 3);
    QVERIFY(!ZSTD_isError(n));
    bomb.resize(n);
    const std::vector<nz::BytesCodec> chain = {codec(nz::BytesCodec::Kind::Gzip, "gzip"),
                                               codec(nz::BytesCodec::Kind::Zstd, "zstd")};
    QVERIFY(expectError([&] { nz::decodeBytesChain(chain, bomb, 4096, "0/0/0"); },
                        {"0/0/0", "the next codec in the chain can take"}));
    // A 100-byte zlib payload for a chunk declared 2 GiB: refused before any allocation.
    nz::Bytes small = deflate(nz::Bytes(100, 1), 15);
    const std::vector<nz::BytesCodec> zlib = {codec(nz::BytesCodec::Kind::Zlib, "zlib")};
    QVERIFY(expectError([&] { nz::decodeBytesChain(zlib, small, std::size_t{2} << 30, "0.0.0"); },
                        {"0.0.0", "cannot decode to the 2147483648 bytes"}));
    // A valid frame still decodes exactly.
    nz::Bytes good(ZSTD_compressBound(1000));
    good.resize(ZSTD_compress(good.data(), good.size(), zeros.data(), 1000, 1));
    QCOMPARE(nz::decodeBytesChain({codec(nz::BytesCodec::Kind::Zstd, "zstd")}, good, 1000, "z"),
             nz::Bytes(1000, 0));
  }

  // The `nifti` header array: shape = chunks = [2^31] or 100000 one-byte chunks are refused
  // before anything is allocated or requested.
  void headerArrayIsBounded() {
    auto s = copyOf("a_uint8_oblique_sform");
    editJson(*s, "nifti/.zarray", [](json& j) {
      j["shape"] = {std::int64_t{1} << 31};
      j["chunks"] = {std::int64_t{1} << 31};
    });
    QVERIFY(expectError([&] { open(s); },
                        {"nifti/.zarray", "2147483648 bytes", "nifti.max_header_bytes"}));
    s = copyOf("a_uint8_oblique_sform");
    editJson(*s, "nifti/.zarray", [](json& j) {
      j["shape"] = {100000};
      j["chunks"] = {1};
    });
    QVERIFY(expectError([&] { open(s); }, {"nifti/.zarray", "100000 chunks", "limit of 4096"}));
  }

  // qform with b = c = d = 1: normalised as niftilib does (a rotation, never a shear), with a
  // warning; dim[1] = 0 is an error, not 1.
  void qformAndDims() {
    nz::NiftiHeader h;
    h.dim = {3, 4, 5, 6, 1, 1, 1, 1};
    h.pixdim = {1, 2, 3, 4, 1, 1, 1, 1};
    h.qformCode = 1;
    h.quaternB = h.quaternC = h.quaternD = 1;
    nz::Bytes bytes = nz::serializeNiftiHeader(h, false, false);
    nz::NiftiHeader p = nz::parseNiftiHeader(bytes.data(), bytes.size(), "q.nii");
    QCOMPARE(p.warnings.size(), std::size_t{1});
    QVERIFY(p.warnings[0].find("normalised") != std::string::npos);
    const nz::Matrix4 m = nz::niftiQformAffine(p);
    for (int j = 0; j < 3; ++j) {  // columns: unit rotation times the voxel size
      double n = 0;
      for (int i = 0; i < 3; ++i) n += m[i * 4 + j] * m[i * 4 + j];
      QVERIFY(std::abs(std::sqrt(n) - p.pixdim[j + 1]) < 1e-4);
    }
    double dot = 0;  // orthogonal columns (a sheared matrix fails this)
    for (int i = 0; i < 3; ++i) dot += m[i * 4 + 0] * m[i * 4 + 1];
    QVERIFY(std::abs(dot) < 1e-4);
    h.quaternB = 0.5, h.quaternC = h.quaternD = 0;
    bytes = nz::serializeNiftiHeader(h, false, false);
    QVERIFY(nz::parseNiftiHeader(bytes.data(), bytes.size(), "ok.nii").warnings.empty());
    h.dim[1] = 0;
    bytes = nz::serializeNiftiHeader(h, false, false);
    QVERIFY(expectError([&] { nz::parseNiftiHeader(bytes.data(), bytes.size(), "z.nii"); },
                        {"z.nii", "dim[1] is 0"}));
  }

  // A NUL inside a dataset path is named, and the message is not cut at it.
  void nulInPath() {
    const std::string path = std::string("scan") + '\0' + "evil.nii.zarr";
    QVERIFY(expectError([&] { nz::parseUri(path); }, {"NUL byte at position 4", "scan\\0evil"}));
  }

  void numbersAreRangeChecked() {
    QVERIFY(expectError([] { nz::parseIntInRange("4294967297", 0, 1000, "--level"); },
                        {"--level", "from 0 to 1000", "4294967297"}));
    QVERIFY(expectError([] { nz::parseIntInRange("99999999999999999999", 0, 9, "--level"); },
                        {"--level"}));
    QVERIFY(expectError([] { nz::parseIntInRange("1x", 0, 9, "--gzip-level"); }, {"'1x'"}));
    QCOMPARE(nz::parseIntInRange("7", 0, 9, "--gzip-level"), std::int64_t{7});
    QCOMPARE(nz::parseIntInRange("-3", -5, 9, "x"), std::int64_t{-3});
  }

  void nonUtf8TextIsShownAsLatin1() {
    QCOMPARE(nz::toValidUtf8("caf\xe9"), std::string("caf\xc3\xa9"));
    QCOMPARE(nz::toValidUtf8("ok \xc3\xa9"), std::string("ok \xc3\xa9"));
    QCOMPARE(nz::toValidUtf8("\xed\xa0\x80"), std::string("\xc3\xad\xc2\xa0\xc2\x80"));
    json j = nz::toValidUtf8(std::string("\xff\xfe\x00x", 4));
    QVERIFY(!j.dump().empty());
  }
};

QTEST_GUILESS_MAIN(HardeningMetadata)
#include "tst_hardening_metadata.moc"
