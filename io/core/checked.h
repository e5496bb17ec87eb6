#pragma once
// Checked arithmetic for numbers that come from metadata (shapes, chunk counts, byte sizes):
// a product that does not fit is an error naming the field, never a silent wrap.
//
//   std::uint64_t n = nz::checkedProduct(shape, "scan.zarr/0/.zarray", "shape");
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"

namespace nz {

// a * b, or nullopt-like false when it overflows.
inline bool mulOverflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return __builtin_mul_overflow(a, b, &out);
}

inline std::uint64_t checkedMul(std::uint64_t a, std::uint64_t b, const std::string& what,
                                const std::string& field) {
  std::uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out))
    throw Error(ErrorKind::InvalidData, what + ": " + field + " is too large (" +
                                            std::to_string(a) + " × " + std::to_string(b) +
                                            " does not fit in 64 bits)");
  return out;
}

inline std::uint64_t checkedAdd(std::uint64_t a, std::uint64_t b, const std::string& what,
                                const std::string& field) {
  std::uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out))
    throw Error(ErrorKind::InvalidData, what + ": " + field + " is too large (sum overflows)");
  return out;
}

// Product of non-negative extents (negative ones are an error), checked against `limit`.
template <typename Int>
std::uint64_t checkedProduct(const std::vector<Int>& values, const std::string& what,
                             const std::string& field,
                             std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()) {
  std::uint64_t p = 1;
  for (Int v : values) {
    if (v < 0) throw Error(ErrorKind::InvalidData, what + ": " + field + " has a negative value");
    p = checkedMul(p, static_cast<std::uint64_t>(v), what, field);
  }
  if (p > limit)
    throw Error(ErrorKind::InvalidData, what + ": " + field + " gives " + std::to_string(p) +
                                            ", more than the limit of " + std::to_string(limit));
  return p;
}

}  // namespace nz
