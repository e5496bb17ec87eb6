#include "volume/volume_copy.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace nz {

void copyOverlap(const Volume& src, const Box& srcBox, Volume& dst, const Box& dstBox) {
  Box o;
  for (int i = 0; i < 5; ++i) {
    o.begin[i] = std::max(srcBox.begin[i], dstBox.begin[i]);
    o.end[i] = std::min(srcBox.end[i], dstBox.end[i]);
    if (o.end[i] <= o.begin[i]) return;
  }
  const std::size_t es = dtypeSize(dst.dtype);
  if (src.data.size() < src.voxelCount() * es || src.shape != srcBox.shape())
    throw Error(ErrorKind::InvalidData, "decoded chunk is smaller than its box");
  const std::size_t row = static_cast<std::size_t>(o.end[0] - o.begin[0]) * es;
  for (std::int64_t c = o.begin[4]; c < o.end[4]; ++c) {
    for (std::int64_t t = o.begin[3]; t < o.end[3]; ++t) {
      for (std::int64_t z = o.begin[2]; z < o.end[2]; ++z) {
        for (std::int64_t y = o.begin[1]; y < o.end[1]; ++y) {
          const std::size_t s =
              src.offsetOf(o.begin[0] - srcBox.begin[0], y - srcBox.begin[1], z - srcBox.begin[2],
                           t - srcBox.begin[3], c - srcBox.begin[4]);
          const std::size_t d =
              dst.offsetOf(o.begin[0] - dstBox.begin[0], y - dstBox.begin[1], z - dstBox.begin[2],
                           t - dstBox.begin[3], c - dstBox.begin[4]);
          std::memcpy(dst.data.data() + d * es, src.data.data() + s * es, row);
        }
      }
    }
  }
}

}  // namespace nz
