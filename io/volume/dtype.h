#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"

namespace nz {

// Element types of voxel data (native byte order once decoded).
enum class DType {
  UInt8,
  Int8,
  UInt16,
  Int16,
  UInt32,
  Int32,
  UInt64,
  Int64,
  Float32,
  Float64,
  Complex64,
  Complex128,
  RGB24,
  RGBA32
};

std::size_t dtypeSize(DType t);
const char* dtypeName(DType t);  // "uint8", "float32", ... (the contract names)
bool dtypeFromName(const std::string& name, DType& out);
// Reads element `index` of a buffer of type `t` as double (complex: real part; RGB: luminance).
double readAsDouble(const void* data, DType t, std::size_t index);
// Writes `value` into element `index` (integers: rounded and clamped to the type's range,
// NaN becomes 0; complex: real part, imaginary 0; RGB: every component).
void writeFromDouble(void* data, DType t, std::size_t index, double value);
// Fills `count` elements with copies of the one element at `element` (dtypeSize(t) bytes).
void fillElements(void* data, DType t, std::size_t count, const void* element);
// Bytes of one element holding `value` (native byte order).
Bytes elementFromDouble(DType t, double value);

}  // namespace nz
