#include "roi/roi_on_grid.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nz {

RoiBox roiOnGrid(const RoiBox& roi, const DatasetInfo& from, const DatasetInfo& to) {
  RoiBox out;
  Vec3 lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = std::numeric_limits<double>::infinity();
    hi[a] = -std::numeric_limits<double>::infinity();
  }
  // Corners are voxel edges in `from`; in `to` they are continuous coordinates (centres at
  // integers), so voxel i covers [i - 0.5, i + 0.5].
  for (const Vec3& world : roi.worldCorners(from)) {
    const Vec3 v = voxelFromWorld(to, 0, world);
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], v[a]);
      hi[a] = std::max(hi[a], v[a]);
    }
  }
  constexpr double eps = 1e-6;  // a shared edge stays exact despite rounding error
  for (int a = 0; a < 3; ++a) {
    out.box.begin[a] = static_cast<std::int64_t>(std::floor(lo[a] + 0.5 + eps));
    out.box.end[a] = static_cast<std::int64_t>(std::ceil(hi[a] + 0.5 - eps));
  }
  for (int a = 3; a < 5; ++a) {
    out.box.begin[a] = roi.box.begin[a];
    out.box.end[a] = roi.box.end[a];
  }
  out = out.clipped(to);
  for (int a = 3; a < 5; ++a)
    if (out.box.end[a] <= out.box.begin[a]) out.box.begin[a] = 0, out.box.end[a] = to.shape[a];
  return out;
}

}  // namespace nz
