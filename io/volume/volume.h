#pragma once
// Dense voxel buffers and boxes, always in NIfTI axis order (x, y, z, t, c) with x fastest:
// the same memory layout as a NIfTI file's data block and as a decoded C-order zarr chunk of a
// [t, c, z, y, x] array.
#include <array>
#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "volume/dtype.h"

namespace nz {

using Index5 = std::array<std::int64_t, 5>;  // x, y, z, t, c

// Half-open box [begin, end) in voxel indices of one level; may reach outside the volume.
struct Box {
  Index5 begin{0, 0, 0, 0, 0};
  Index5 end{1, 1, 1, 1, 1};
  Index5 shape() const {
    Index5 s;
    for (int i = 0; i < 5; ++i) s[i] = end[i] - begin[i];
    return s;
  }
  std::int64_t voxelCount() const {
    std::int64_t n = 1;
    for (int i = 0; i < 5; ++i) n *= (end[i] > begin[i] ? end[i] - begin[i] : 0);
    return n;
  }
  bool empty() const { return voxelCount() == 0; }
};

// A dense block of voxels (raw stored values, native byte order).
struct Volume {
  DType dtype = DType::UInt8;
  Index5 shape{0, 0, 0, 1, 1};
  Bytes data;  // shape[0]*...*shape[4]*dtypeSize(dtype) bytes, x fastest

  std::size_t voxelCount() const {
    std::size_t n = 1;
    for (auto s : shape) n *= static_cast<std::size_t>(s);
    return n;
  }
  std::size_t offsetOf(std::int64_t x, std::int64_t y, std::int64_t z, std::int64_t t = 0,
                       std::int64_t c = 0) const {
    return static_cast<std::size_t>(
        (((c * shape[3] + t) * shape[2] + z) * shape[1] + y) * shape[0] + x);
  }
  double valueAt(std::int64_t x, std::int64_t y, std::int64_t z, std::int64_t t = 0,
                 std::int64_t c = 0) const {
    return readAsDouble(data.data(), dtype, offsetOf(x, y, z, t, c));
  }
};

using SharedVolume = std::shared_ptr<const Volume>;

}  // namespace nz
