#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace nz {

// Element types of voxel data (native byte order once decoded).
enum class DType { UInt8, Int8, UInt16, Int16, UInt32, Int32, UInt64, Int64, Float32, Float64,
                   Complex64, Complex128, RGB24, RGBA32 };

std::size_t dtypeSize(DType t);
const char* dtypeName(DType t);                 // "uint8", "float32", ... (the contract names)
bool dtypeFromName(const std::string& name, DType& out);
// Reads element `index` of a buffer of type `t` as double (complex: real part; RGB: luminance).
double readAsDouble(const void* data, DType t, std::size_t index);

}  // namespace nz
