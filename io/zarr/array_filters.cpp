#include "zarr/array_filters.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace nz {

using nlohmann::json;

namespace {

constexpr bool kHostBig = std::endian::native == std::endian::big;

[[noreturn]] void unsupported(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::Unsupported, what + ": " + msg);
}

// Element i as an integer (integer kinds) or a double (floats), in the type's byte order.
std::uint64_t loadBits(const std::uint8_t* p, const ElementType& t) {
  std::uint8_t b[8] = {};
  std::memcpy(b, p, t.size);
  if (t.bigEndian != kHostBig) std::reverse(b, b + t.size);
  std::uint64_t v = 0;
  if constexpr (kHostBig) {
    std::memcpy(reinterpret_cast<std::uint8_t*>(&v) + (8 - t.size), b, t.size);
  } else {
    std::memcpy(&v, b, t.size);
  }
  return v;
}

std::int64_t loadInt(const std::uint8_t* p, const ElementType& t) {
  const std::uint64_t bits = loadBits(p, t);
  if (t.kind == 'u' || t.size == 8) return static_cast<std::int64_t>(bits);
  const unsigned shift = static_cast<unsigned>(64 - 8 * t.size);
  return static_cast<std::int64_t>(bits << shift) >> shift;  // sign-extend
}

double loadDouble(const std::uint8_t* p, const ElementType& t) {
  if (t.kind != 'f') {
    const std::int64_t i = loadInt(p, t);
    return t.kind == 'u' && t.size == 8 ? static_cast<double>(static_cast<std::uint64_t>(i))
                                        : static_cast<double>(i);
  }
  const std::uint64_t bits = loadBits(p, t);
  if (t.size == 2) return halfToFloat(static_cast<std::uint16_t>(bits));
  if (t.size == 4) return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
  return std::bit_cast<double>(bits);
}

void storeBits(std::uint8_t* p, const ElementType& t, std::uint64_t v) {
  std::uint8_t b[8];
  if constexpr (kHostBig) {
    std::memcpy(b, reinterpret_cast<const std::uint8_t*>(&v) + (8 - t.size), t.size);
  } else {
    std::memcpy(b, &v, t.size);
  }
  std::memcpy(p, b, t.size);  // host order: the output is native
}

void storeInt(std::uint8_t* p, const ElementType& t, std::int64_t v) {
  storeBits(p, t, static_cast<std::uint64_t>(v));  // wraps like a NumPy cast
}

void storeDouble(std::uint8_t* p, const ElementType& t, double v, const std::string& what) {
  if (t.kind != 'f') {
    // NumPy's float -> int cast truncates toward zero (clamped here: no undefined cast).
    const double c = std::isfinite(v) ? std::clamp(std::trunc(v), -9.2e18, 9.2e18) : 0.0;
    storeInt(p, t, static_cast<std::int64_t>(c));
  } else if (t.size == 4) {
    storeBits(p, t, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
  } else if (t.size == 8) {
    storeBits(p, t, std::bit_cast<std::uint64_t>(v));
  } else {
    unsupported(what, "a filter that decodes to float16 is not supported");
  }
}

}  // namespace

float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    int e = -1;  // subnormal: normalise
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

bool elementTypeFromTypestr(const std::string& s, ElementType& out) {
  if (s.size() < 3) return false;
  const char order = s[0], kind = s[1];
  if (order != '<' && order != '>' && order != '|' && order != '=') return false;
  if (kind != 'i' && kind != 'u' && kind != 'f') return false;
  std::size_t size = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    size = size * 10 + static_cast<std::size_t>(s[i] - '0');
    if (size > 8) return false;
  }
  if (size != 1 && size != 2 && size != 4 && size != 8) return false;
  if (kind == 'f' && size == 1) return false;
  out = {kind, size, order == '>' || (order == '=' && kHostBig)};
  return true;
}

ArrayFilter parseArrayFilter(const json& f, const std::string& what) {
  if (!f.is_object() || !f.contains("id") || !f["id"].is_string())
    unsupported(what, "a \"filters\" entry has no \"id\"");
  const std::string id = f["id"].get<std::string>();
  ArrayFilter a;
  if (id == "delta") {
    a.kind = ArrayFilter::Kind::Delta;
  } else if (id == "fixedscaleoffset") {
    a.kind = ArrayFilter::Kind::FixedScaleOffset;
  } else {
    unsupported(what, "unsupported filter \"" + id + "\" (supported: delta, fixedscaleoffset)");
  }
  a.name = id;
  const std::string dtype = f.value("dtype", std::string());
  const std::string astype =
      f.contains("astype") && f["astype"].is_string() ? f["astype"].get<std::string>() : dtype;
  if (!elementTypeFromTypestr(dtype, a.decoded) || !elementTypeFromTypestr(astype, a.encoded))
    unsupported(what, "filter \"" + id + "\" has an unsupported dtype/astype (" + dtype + ", " +
                          astype + ")");
  if (a.kind == ArrayFilter::Kind::FixedScaleOffset) {
    const json scale = f.value("scale", json(1.0)), offset = f.value("offset", json(0.0));
    if (!scale.is_number() || !offset.is_number())
      throw Error(ErrorKind::InvalidData,
                  what + ": filter fixedscaleoffset: scale/offset not numbers");
    a.scale = scale.get<double>();
    a.offset = offset.get<double>();
    if (!std::isfinite(a.scale) || a.scale == 0 || !std::isfinite(a.offset))
      throw Error(ErrorKind::InvalidData,
                  what + ": filter fixedscaleoffset: scale must be finite and non-zero");
  }
  return a;
}

ArrayFilter float16Stage(bool storedBigEndian) {
  ArrayFilter a;
  a.kind = ArrayFilter::Kind::Float16;
  a.name = "float16";
  a.decoded = {'f', 4, kHostBig};
  a.encoded = {'f', 2, storedBigEndian};
  return a;
}

std::size_t encodedItemSize(const std::vector<ArrayFilter>& filters, std::size_t itemSize) {
  return filters.empty() ? itemSize : filters.back().encoded.size;
}

Bytes decodeArrayFilters(const std::vector<ArrayFilter>& filters, Bytes data, std::size_t count,
                         const std::string& what) {
  for (std::size_t k = filters.size(); k-- > 0;) {
    const ArrayFilter& f = filters[k];
    // The input of this step is the output of the previous (native order), except the first.
    ElementType in = f.encoded;
    if (k + 1 < filters.size()) in.bigEndian = kHostBig;
    if (data.size() != count * in.size)
      throw Error(ErrorKind::InvalidData, what + ": filter " + f.name + " input is " +
                                              std::to_string(data.size()) + " bytes, expected " +
                                              std::to_string(count * in.size));
    Bytes out(count * f.decoded.size);
    ElementType o = f.decoded;
    o.bigEndian = kHostBig;
    const std::uint8_t* src = data.data();
    std::uint8_t* dst = out.data();
    switch (f.kind) {
      case ArrayFilter::Kind::Float16:
        for (std::size_t i = 0; i < count; ++i)
          storeDouble(dst + i * o.size, o, loadDouble(src + i * in.size, in), what);
        break;
      case ArrayFilter::Kind::FixedScaleOffset:
        for (std::size_t i = 0; i < count; ++i)
          storeDouble(dst + i * o.size, o, loadDouble(src + i * in.size, in) / f.scale + f.offset,
                      what);
        break;
      case ArrayFilter::Kind::Delta:
        if (o.kind == 'f' && o.size == 4) {
          float acc = 0;  // NumPy accumulates float32 sums in float32
          for (std::size_t i = 0; i < count; ++i) {
            acc += static_cast<float>(loadDouble(src + i * in.size, in));
            storeDouble(dst + i * o.size, o, acc, what);
          }
        } else if (o.kind == 'f') {
          double acc = 0;
          for (std::size_t i = 0; i < count; ++i) {
            acc += loadDouble(src + i * in.size, in);
            storeDouble(dst + i * o.size, o, acc, what);
          }
        } else {
          std::uint64_t acc = 0;  // wraps like NumPy integer arithmetic
          for (std::size_t i = 0; i < count; ++i) {
            acc += static_cast<std::uint64_t>(loadInt(src + i * in.size, in));
            storeInt(dst + i * o.size, o, static_cast<std::int64_t>(acc));
          }
        }
        break;
    }
    data = std::move(out);
  }
  return data;
}

}  // namespace nz
