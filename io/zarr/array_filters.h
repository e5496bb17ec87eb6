#pragma once
// Array-to-array steps between the decompressed bytes of a chunk and its elements: the
// numcodecs `delta` and `fixedscaleoffset` filters of Zarr v2, and float16 storage (decoded to
// float32, the type nzview shows and exports). Each step turns elements of an encoded type
// into elements of a decoded type; decoding runs the list last to first, as numcodecs does.
//
//   ArrayFilter f = parseArrayFilter(filterJson, "scan.zarr/0/.zarray");   // v2 "filters" entry
//   Bytes native = decodeArrayFilters(chain.filters, std::move(bytes), count, what);
//
// Pure and thread-safe. Errors: nz::Error(InvalidData|Unsupported) naming `what`.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/bytes.h"

namespace nz {

// A NumPy scalar type: kind 'i', 'u' or 'f', size in bytes, byte order.
struct ElementType {
  char kind = 'u';
  std::size_t size = 1;
  bool bigEndian = false;
};

struct ArrayFilter {
  enum class Kind { Delta, FixedScaleOffset, Float16 };
  Kind kind = Kind::Delta;
  ElementType decoded;  // numcodecs "dtype" (for Float16: native float32)
  ElementType encoded;  // numcodecs "astype" (for Float16: the stored float16)
  double scale = 1, offset = 0;
  std::string name;  // "delta", "fixedscaleoffset", "float16"
};

// Parses a NumPy typestr such as "<i2" into an ElementType; false when not i/u/f 1-8 bytes.
bool elementTypeFromTypestr(const std::string& s, ElementType& out);
// One v2 "filters" entry; throws nz::Error(Unsupported) for other filter ids.
ArrayFilter parseArrayFilter(const nlohmann::json& filter, const std::string& what);
// The float16 -> float32 step for stored float16 data in the given byte order.
ArrayFilter float16Stage(bool storedBigEndian);

// Bytes of one element as the compressor sees it (the last filter's encoded type).
std::size_t encodedItemSize(const std::vector<ArrayFilter>& filters, std::size_t itemSize);
// Decodes `count` elements; the result is in the host byte order of the first filter's
// decoded type.
Bytes decodeArrayFilters(const std::vector<ArrayFilter>& filters, Bytes data, std::size_t count,
                         const std::string& what);

// IEEE 754 binary16 -> binary32 (exact; NaN and infinities kept).
float halfToFloat(std::uint16_t h);

}  // namespace nz
