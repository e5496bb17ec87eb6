#include "zarr/zarr_metadata.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/checked.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "zarr/codec_registry.h"

namespace nz {

using nlohmann::json;

namespace {

constexpr bool kHostBig = std::endian::native == std::endian::big;

[[noreturn]] void bad(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::InvalidData, what + ": " + msg);
}
[[noreturn]] void unsupported(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::Unsupported, what + ": " + msg);
}

json parseObjectJson(const std::string& text, const std::string& what) {
  json j = nz::parseJson(text, what);  // size and nesting bounded (core/json_parse.h)
  if (!j.is_object()) bad(what, "metadata is not a JSON object");
  return j;
}

const json& need(const json& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) bad(what, std::string("missing field \"") + key + "\"");
  return *it;
}

std::vector<std::int64_t> intList(const json& j, const char* field, std::int64_t minValue,
                                  const std::string& what) {
  if (!j.is_array()) bad(what, std::string("field \"") + field + "\" is not a list");
  if (j.size() > 32) bad(what, std::string("field \"") + field + "\" has more than 32 entries");
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const json& v = j[i];
    if (!v.is_number_integer()) {
      bad(what,
          std::string("field \"") + field + "[" + std::to_string(i) + "]\" is not an integer");
    }
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
      bad(what, std::string("field \"") + field + "[" + std::to_string(i) + "]\" is too large");
    }
    const auto x = v.get<std::int64_t>();
    if (x < minValue) {
      bad(what, std::string("field \"") + field + "[" + std::to_string(i) + "]\" is " +
                    std::to_string(x) + (x < 0 ? " (negative)" : " (must be >= 1)"));
    }
    out.push_back(x);
  }
  return out;
}

// Rejects shapes whose element or byte count overflows, and chunks above the decode limit.
void validateSizes(const ZarrArrayMeta& m, const std::string& what) {
  if (m.shape.size() != m.chunks.size()) {
    bad(what, "fields \"shape\" and \"chunks\" have different lengths (" +
                  std::to_string(m.shape.size()) + " vs " + std::to_string(m.chunks.size()) + ")");
  }
  std::int64_t n = 1;
  for (auto s : m.shape) {
    if (__builtin_mul_overflow(n, s, &n)) bad(what, "field \"shape\": element count overflows");
  }
  std::int64_t bytes;
  if (__builtin_mul_overflow(n, static_cast<std::int64_t>(m.itemSize), &bytes)) {
    bad(what, "field \"shape\": byte size overflows");
  }
  std::uint64_t c = m.itemSize;
  for (auto s : m.readShape()) {
    if (__builtin_mul_overflow(c, static_cast<std::uint64_t>(s), &c) || c > kMaxDecodedChunkBytes) {
      bad(what, "field \"chunks\": a decoded chunk would exceed 2 GiB");
    }
  }
  if (m.codecs.sharding) {
    // Entries in one shard index (16 bytes each): checked, so 2^63 inner chunks is an error
    // instead of an index size that wraps to zero.
    const auto& inner = m.codecs.sharding->innerShape;
    std::uint64_t entries = 1;
    for (std::size_t i = 0; i < m.chunks.size() && i < inner.size(); ++i) {
      if (inner[i] <= 0 || m.chunks[i] % inner[i] != 0)
        bad(what, "sharding_indexed.chunk_shape does not divide the shard shape");
      entries = checkedMul(entries, static_cast<std::uint64_t>(m.chunks[i] / inner[i]), what,
                           "inner chunks per shard");
    }
    if (entries > kMaxShardIndexEntries)
      bad(what, "a shard holds " + std::to_string(entries) +
                    " inner chunks, more than the limit of " +
                    std::to_string(kMaxShardIndexEntries));
  }
}

// NumPy typestr, e.g. "<i2", "|u1", ">f4", "<c8", "|S348", "|b1".
void parseTypestr(const std::string& s, ZarrArrayMeta& m, const std::string& what) {
  if (s.size() < 3) unsupported(what, "unsupported dtype \"" + s + "\"");
  const char order = s[0];
  const char kind = s[1];
  std::size_t size = 0;
  try {
    size = std::stoul(s.substr(2));
  } catch (...) {
    unsupported(what, "unsupported dtype \"" + s + "\"");
  }
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    bad(what, "field \"dtype\" \"" + s + "\" has no byte order");
  }
  const bool big = order == '>' || (order == '=' && kHostBig);
  struct K {
    char kind;
    std::size_t size;
    DType t;
  };
  static const K table[] = {
      {'u', 1, DType::UInt8},      {'i', 1, DType::Int8},    {'b', 1, DType::UInt8},
      {'u', 2, DType::UInt16},     {'i', 2, DType::Int16},   {'u', 4, DType::UInt32},
      {'i', 4, DType::Int32},      {'u', 8, DType::UInt64},  {'i', 8, DType::Int64},
      {'f', 4, DType::Float32},    {'f', 8, DType::Float64}, {'c', 8, DType::Complex64},
      {'c', 16, DType::Complex128}};
  if (kind == 'f' && size == 2) {  // float16: decoded to float32 by a last step
    m.dtype = DType::Float32;
    m.itemSize = 4;
    m.swapUnit = 0;
    m.storedFloat16 = true;
    m.codecs.bigEndian = big;
    m.codecs.filters.insert(m.codecs.filters.begin(), float16Stage(big));
    return;
  }
  for (const auto& k : table) {
    if (k.kind == kind && k.size == size) {
      m.dtype = k.t;
      m.itemSize = size;
      m.swapUnit = kind == 'c' ? size / 2 : (size > 1 ? size : 0);
      m.codecs.bigEndian = big;
      return;
    }
  }
  if ((kind == 'S' || kind == 'V') && size >= 1 && size <= (1u << 20)) {
    m.dtype = DType::UInt8;
    m.itemSize = size;
    m.rawBytes = true;
    return;
  }
  unsupported(what, "unsupported dtype \"" + s + "\"");
}

// Structured RGB/RGBA: [["r","|u1"],["g","|u1"],["b","|u1"](,["a","|u1"])].
bool parseStructured(const json& j, ZarrArrayMeta& m) {
  if (!j.is_array() || (j.size() != 3 && j.size() != 4)) return false;
  for (const auto& f : j) {
    if (!f.is_array() || f.size() < 2 || !f[1].is_string()) return false;
    const auto t = f[1].get<std::string>();
    if (t != "|u1" && t != "u1" && t != "<u1" && t != ">u1") return false;
  }
  m.dtype = j.size() == 3 ? DType::RGB24 : DType::RGBA32;
  m.itemSize = j.size();
  return true;
}

void parseDataTypeV3(const json& j, ZarrArrayMeta& m, const std::string& what) {
  if (!j.is_string()) unsupported(what, "unsupported data_type " + j.dump());
  const auto s = j.get<std::string>();
  if (s == "float16") {  // decoded to float32; the step is added once the codecs are known
    m.dtype = DType::Float32;
    m.itemSize = 4;
    m.swapUnit = 0;
    m.storedFloat16 = true;
    return;
  }
  if (s == "bool") {
    m.dtype = DType::UInt8;
  } else if (!dtypeFromName(s, m.dtype) || m.dtype == DType::RGB24 || m.dtype == DType::RGBA32) {
    unsupported(what, "unsupported data_type \"" + s + "\"");
  }
  m.itemSize = dtypeSize(m.dtype);
  const bool cplx = m.dtype == DType::Complex64 || m.dtype == DType::Complex128;
  m.swapUnit = cplx ? m.itemSize / 2 : (m.itemSize > 1 ? m.itemSize : 0);
}

template <typename T>
void putElement(Bytes& out, T v) {
  std::memcpy(out.data(), &v, sizeof(T));
}

// Converts one JSON scalar fill value into element bytes.
double scalarFill(const json& v, DType t, std::size_t itemSize, Bytes& out,
                  const std::string& what) {
  if (v.is_null()) return 0;  // "undefined" in the spec; every reader in practice uses 0
  if (v.is_boolean()) {
    out[0] = v.get<bool>() ? 1 : 0;
    return out[0];
  }
  const bool isFloat =
      t == DType::Float32 || t == DType::Float64 || t == DType::Complex64 || t == DType::Complex128;
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    double d;
    if (s == "NaN") {
      d = std::numeric_limits<double>::quiet_NaN();
    } else if (s == "Infinity") {
      d = std::numeric_limits<double>::infinity();
    } else if (s == "-Infinity") {
      d = -std::numeric_limits<double>::infinity();
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isFloat) {
      // v3 hex bit pattern of the (component) float, e.g. "0x7fc00000".
      const std::uint64_t bits = std::stoull(s.substr(2), nullptr, 16);
      const std::size_t width = (t == DType::Float32 || t == DType::Complex64) ? 4 : 8;
      if (width == 4) {
        const auto b32 = static_cast<std::uint32_t>(bits);
        float f;
        std::memcpy(&f, &b32, 4);
        d = f;
      } else {
        std::memcpy(&d, &bits, 8);
      }
    } else if (itemSize == out.size() && (t == DType::RGB24 || t == DType::RGBA32)) {
      return 0;  // base64 structured fill: treat as zeros
    } else {
      bad(what, "field \"fill_value\" \"" + s + "\" is not understood");
    }
    if (!isFloat) bad(what, "field \"fill_value\" \"" + s + "\" is not valid for an integer type");
    writeFromDouble(out.data(), t, 0, d);
    return d;
  }
  if (!v.is_number()) bad(what, "field \"fill_value\" is not a number");
  if (v.is_number_unsigned() && t == DType::UInt64) {
    putElement(out, v.get<std::uint64_t>());
    return static_cast<double>(v.get<std::uint64_t>());
  }
  if (v.is_number_integer() && t == DType::Int64) {
    putElement(out, v.get<std::int64_t>());
    return static_cast<double>(v.get<std::int64_t>());
  }
  const double d = v.get<double>();
  writeFromDouble(out.data(), t, 0, d);
  return d;
}

double parseFill(const json& v, ZarrArrayMeta& m, const std::string& what) {
  m.fillValue.assign(m.itemSize, 0);
  if (m.rawBytes) return 0;
  if (v.is_array()) {  // complex [re, im]
    if (v.size() != 2 || (m.dtype != DType::Complex64 && m.dtype != DType::Complex128)) {
      bad(what, "field \"fill_value\" " + v.dump() + " does not match the data type");
    }
    const DType part = m.dtype == DType::Complex64 ? DType::Float32 : DType::Float64;
    const std::size_t half = m.itemSize / 2;
    Bytes re(half), im(half);
    const double r = scalarFill(v[0], part, half, re, what);
    scalarFill(v[1], part, half, im, what);
    std::memcpy(m.fillValue.data(), re.data(), half);
    std::memcpy(m.fillValue.data() + half, im.data(), half);
    return r;
  }
  return scalarFill(v, m.dtype, m.itemSize, m.fillValue, what);
}

void finishNames(ZarrArrayMeta& m) {
  std::string detail;
  for (const auto& c : m.codecs.bytesCodecs) {
    if (!detail.empty()) detail += ", ";
    detail += c.name + (c.detail.empty() ? "" : " " + c.detail);
  }
  if (m.codecs.sharding) {
    for (const auto& c : m.codecs.sharding->inner.bytesCodecs) {
      if (!detail.empty()) detail += ", ";
      detail += c.name + (c.detail.empty() ? "" : " " + c.detail);
    }
  }
  m.compressorDetail = detail.empty() ? "none" : detail;
}

ZarrCodecChain parseCodecsV3(const json& list, std::size_t ndim, bool itemMultiByte,
                             std::vector<std::string>& names, const std::string& what, int depth);

std::shared_ptr<ZarrSharding> parseSharding(const json& cfg, std::size_t ndim, bool multiByte,
                                            std::vector<std::string>& names,
                                            const std::string& what, int depth) {
  // One level of nesting (shards of shards) is read; deeper nesting is refused.
  if (depth > 1) unsupported(what, "sharding_indexed nested more than two levels deep");
  auto s = std::make_shared<ZarrSharding>();
  s->innerShape = intList(need(cfg, "chunk_shape", what), "sharding_indexed.chunk_shape", 1, what);
  if (s->innerShape.size() != ndim) bad(what, "sharding_indexed.chunk_shape has the wrong length");
  s->inner = parseCodecsV3(need(cfg, "codecs", what), ndim, multiByte, names, what, depth + 1);
  if (s->inner.sharding) {
    for (std::size_t i = 0; i < ndim; ++i)
      if (s->innerShape[i] % s->inner.sharding->innerShape[i] != 0)
        bad(what, "nested sharding_indexed.chunk_shape does not divide the outer chunk_shape");
  }
  std::vector<std::string> indexNames;
  const json idx = cfg.value(
      "index_codecs", json::array({{{"name", "bytes"}, {"configuration", {{"endian", "little"}}}},
                                   {{"name", "crc32c"}}}));
  s->index = parseCodecsV3(idx, ndim + 1, true, indexNames, what, depth + 1);
  if (!s->index.transpose.empty() || s->index.sharding) {
    unsupported(what, "sharding_indexed index_codecs other than bytes/crc32c");
  }
  const auto loc = cfg.value("index_location", std::string("end"));
  if (loc != "start" && loc != "end") bad(what, "sharding_indexed.index_location \"" + loc + "\"");
  s->indexAtStart = loc == "start";
  return s;
}

ZarrCodecChain parseCodecsV3(const json& list, std::size_t ndim, bool multiByte,
                             std::vector<std::string>& names, const std::string& what, int depth) {
  if (!list.is_array()) bad(what, "field \"codecs\" is not a list");
  ZarrCodecChain chain;
  bool haveArrayToBytes = false;
  std::vector<int> perm;  // combined transpose
  for (const json& c : list) {
    std::string name;
    json cfg = json::object();
    if (c.is_string()) {
      name = c.get<std::string>();
    } else if (c.is_object() && c.contains("name") && c["name"].is_string()) {
      name = c["name"].get<std::string>();
      if (c.contains("configuration")) cfg = c["configuration"];
    } else {
      bad(what, "field \"codecs\" has an entry without a name");
    }
    if (!cfg.is_object()) bad(what, "codec \"" + name + "\" configuration is not an object");
    names.push_back(name);
    if (name == "transpose") {
      if (haveArrayToBytes) bad(what, "transpose codec after the array->bytes codec");
      auto order = intList(need(cfg, "order", what), "transpose.order", 0, what);
      if (order.size() != ndim) bad(what, "transpose.order has the wrong length");
      std::vector<bool> seen(ndim, false);
      for (auto o : order) {
        if (o >= static_cast<std::int64_t>(ndim) || seen[o]) {
          bad(what, "transpose.order is not a permutation");
        }
        seen[o] = true;
      }
      if (perm.empty()) {
        for (auto o : order) perm.push_back(static_cast<int>(o));
      } else {
        std::vector<int> next(ndim);
        for (std::size_t i = 0; i < ndim; ++i) next[i] = perm[order[i]];
        perm = next;
      }
    } else if (name == "bytes" || name == "endian") {
      if (haveArrayToBytes) bad(what, "two array->bytes codecs");
      haveArrayToBytes = true;
      const auto endian = cfg.value("endian", std::string(multiByte ? "" : "little"));
      if (endian != "little" && endian != "big") {
        bad(what, "codec \"bytes\" needs \"endian\" \"little\" or \"big\"");
      }
      chain.bigEndian = endian == "big";
    } else if (name == "sharding_indexed") {
      if (haveArrayToBytes) bad(what, "two array->bytes codecs");
      haveArrayToBytes = true;
      chain.sharding = parseSharding(cfg, ndim, multiByte, names, what, depth);
    } else {
      BytesCodec bc;
      if (!bytesCodecByName(name, cfg, true, bc))
        unsupported(what, "unknown codec \"" + name + "\"");
      if (!haveArrayToBytes) bad(what, "codec \"" + name + "\" before the array->bytes codec");
      chain.bytesCodecs.push_back(bc);
    }
  }
  if (!haveArrayToBytes) bad(what, "field \"codecs\" has no array->bytes codec (\"bytes\")");
  bool identity = true;
  for (std::size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int(i);
  if (!identity) chain.transpose = perm;
  return chain;
}

std::vector<std::string> stringList(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) out.push_back(v.is_string() ? v.get<std::string>() : std::string());
  return out;
}

}  // namespace

const std::vector<std::int64_t>& ZarrArrayMeta::readShape() const {
  if (!codecs.sharding) return chunks;
  const ZarrSharding* s = codecs.sharding.get();
  while (s->inner.sharding) s = s->inner.sharding.get();  // nested: the innermost chunk
  return s->innerShape;
}

std::vector<std::int64_t> ZarrArrayMeta::gridShape() const {
  const auto& r = readShape();
  std::vector<std::int64_t> g(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) g[i] = (shape[i] + r[i] - 1) / r[i];
  return g;
}

std::string ZarrArrayMeta::chunkKey(const std::string& path,
                                    const std::vector<std::int64_t>& idx) const {
  std::string key = path.empty() ? std::string() : path + "/";
  if (!keyPrefix.empty()) {
    key += keyPrefix;
    for (auto i : idx) key += separator + std::to_string(i);
    return key;
  }
  if (idx.empty()) return key + "0";
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (i) key += separator;
    key += std::to_string(idx[i]);
  }
  return key;
}

static ZarrArrayMeta parseV2Impl(const std::string& text, const std::string& what) {
  const json j = parseObjectJson(text, what);
  ZarrArrayMeta m;
  m.zarrFormat = 2;
  const json& fmt = need(j, "zarr_format", what);
  if (fmt != 2) bad(what, "field \"zarr_format\" is " + fmt.dump() + " (expected 2)");
  m.shape = intList(need(j, "shape", what), "shape", 0, what);
  m.chunks = intList(need(j, "chunks", what), "chunks", 1, what);
  const json& dt = need(j, "dtype", what);
  if (dt.is_string()) {
    parseTypestr(dt.get<std::string>(), m, what);
  } else if (!parseStructured(dt, m)) {
    unsupported(what, "unsupported dtype " + dt.dump());
  }
  const auto order = j.value("order", std::string("C"));
  if (order != "C" && order != "F") bad(what, "field \"order\" is \"" + order + "\"");
  if (order == "F" && m.shape.size() > 1) {
    for (int i = static_cast<int>(m.shape.size()) - 1; i >= 0; --i) m.codecs.transpose.push_back(i);
  }
  const json filters = j.value("filters", json());
  if (!filters.is_null() && !filters.is_array()) bad(what, "field \"filters\" is not a list");
  if (filters.is_array()) {
    for (const auto& f : filters) {
      ArrayFilter a = parseArrayFilter(f, what);
      // The first filter decodes to the array's own type.
      const ElementType& prev =
          m.codecs.filters.empty() ? ElementType{} : m.codecs.filters.back().encoded;
      if (!m.codecs.filters.empty() && (prev.kind != a.decoded.kind || prev.size != a.decoded.size))
        bad(what, "filter \"" + a.name + "\" dtype does not match the previous step");
      if (m.codecs.filters.empty() && (m.rawBytes || m.itemSize != a.decoded.size))
        bad(what, "filter \"" + a.name + "\" dtype does not match the array dtype");
      m.codecNames.push_back(a.name);
      m.codecs.filters.push_back(a);
    }
  }
  const json& comp = need(j, "compressor", what);
  if (!comp.is_null()) {
    if (!comp.is_object() || !comp.contains("id") || !comp["id"].is_string()) {
      bad(what, "field \"compressor\" has no \"id\"");
    }
    BytesCodec bc;
    const auto id = comp["id"].get<std::string>();
    if (!bytesCodecByName(id, comp, false, bc) || bc.kind == BytesCodec::Kind::Crc32c) {
      unsupported(what, "unknown compressor \"" + id + "\"");
    }
    m.codecs.bytesCodecs.push_back(bc);
    m.codecNames.push_back(bc.name);
  }
  const auto sep = j.value("dimension_separator", std::string("."));
  if (sep != "." && sep != "/") bad(what, "field \"dimension_separator\" is \"" + sep + "\"");
  m.separator = sep[0];
  m.fillDouble = parseFill(j.value("fill_value", json()), m, what);
  validateSizes(m, what);
  finishNames(m);
  return m;
}

static ZarrArrayMeta parseV3Impl(const std::string& text, const std::string& what) {
  const json j = parseObjectJson(text, what);
  ZarrArrayMeta m;
  m.zarrFormat = 3;
  const json& fmt = need(j, "zarr_format", what);
  if (fmt != 3) bad(what, "field \"zarr_format\" is " + fmt.dump() + " (expected 3)");
  if (j.value("node_type", std::string()) != "array")
    bad(what, "field \"node_type\" is not \"array\"");
  m.shape = intList(need(j, "shape", what), "shape", 0, what);
  parseDataTypeV3(need(j, "data_type", what), m, what);
  const json& grid = need(j, "chunk_grid", what);
  if (grid.value("name", std::string()) != "regular") {
    unsupported(what, "chunk_grid \"" + grid.value("name", std::string("?")) + "\"");
  }
  m.chunks = intList(need(need(grid, "configuration", what), "chunk_shape", what),
                     "chunk_grid.configuration.chunk_shape", 1, what);
  const json cke = j.value("chunk_key_encoding", json{{"name", "default"}});
  const auto ckeName = cke.value("name", std::string("default"));
  const json ckeCfg = cke.value("configuration", json::object());
  if (ckeName == "default") {
    m.keyPrefix = "c";
    const auto sep = ckeCfg.value("separator", std::string("/"));
    if (sep != "/" && sep != ".") bad(what, "chunk_key_encoding separator \"" + sep + "\"");
    m.separator = sep[0];
  } else if (ckeName == "v2") {
    const auto sep = ckeCfg.value("separator", std::string("."));
    if (sep != "/" && sep != ".") bad(what, "chunk_key_encoding separator \"" + sep + "\"");
    m.separator = sep[0];
  } else {
    unsupported(what, "chunk_key_encoding \"" + ckeName + "\"");
  }
  for (const auto& t : j.value("storage_transformers", json::array())) {
    unsupported(what, "storage transformer " + t.dump());
  }
  m.codecs =
      parseCodecsV3(need(j, "codecs", what), m.shape.size(), m.itemSize > 1, m.codecNames, what, 0);
  if (m.storedFloat16) {
    if (m.codecs.sharding) {
      auto s = std::make_shared<ZarrSharding>(*m.codecs.sharding);
      s->inner.filters.push_back(float16Stage(s->inner.bigEndian));
      m.codecs.sharding = s;
    } else {
      m.codecs.filters.push_back(float16Stage(m.codecs.bigEndian));
    }
  }
  if (m.shape.size() != m.chunks.size()) bad(what, "chunk_shape and shape differ in length");
  if (m.codecs.sharding) {
    for (std::size_t i = 0; i < m.chunks.size(); ++i) {
      if (m.chunks[i] % m.codecs.sharding->innerShape[i] != 0) {
        bad(what, "sharding_indexed.chunk_shape does not divide the shard shape");
      }
    }
  }
  m.fillDouble = parseFill(need(j, "fill_value", what), m, what);
  m.dimensionNames = stringList(j.value("dimension_names", json()));
  validateSizes(m, what);
  finishNames(m);
  return m;
}

template <typename F>
static ZarrArrayMeta guarded(F&& f, const std::string& what) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    bad(what, std::string("invalid metadata (") + e.what() + ")");
  }
}

ZarrArrayMeta parseZarrArrayV2(const std::string& text, const std::string& what) {
  return guarded([&] { return parseV2Impl(text, what); }, what);
}

ZarrArrayMeta parseZarrArrayV3(const std::string& text, const std::string& what) {
  return guarded([&] { return parseV3Impl(text, what); }, what);
}

Bytes parseFillValueText(const std::string& text, DType dtype, std::size_t itemSize,
                         const std::string& what) {
  ZarrArrayMeta m;
  m.dtype = dtype;
  m.itemSize = itemSize;
  const json v = nz::parseJson(text, what);
  parseFill(v, m, what);
  return m.fillValue;
}

}  // namespace nz
