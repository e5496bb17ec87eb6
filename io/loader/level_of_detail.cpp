#include "loader/level_of_detail.h"

#include <cmath>
#include <limits>

namespace nz {

namespace {

bool hasAffine(const Matrix4& a) {
  // A usable affine has a non-singular 3x3 part.
  const double det = linearDeterminant(a);
  return std::isfinite(det) && std::abs(det) > 1e-30;
}

bool affinesUsable(const DatasetInfo& info, int level) {
  return level >= 0 && level < static_cast<int>(info.levels.size()) &&
         hasAffine(info.levels[0].affine) && hasAffine(info.levels[level].affine);
}

// Level-0 voxels per level voxel along each axis, from the shapes (fallback without affines).
Point3 shapeRatio(const DatasetInfo& info, int level) {
  Point3 r{1, 1, 1};
  if (level < 0 || level >= static_cast<int>(info.levels.size())) return r;
  for (int i = 0; i < 3; ++i) {
    const double n = double(info.levels[level].shape[i]);
    if (n > 0) r[i] = double(info.shape[i]) / n;
  }
  return r;
}

}  // namespace

double spaceUnitToMm(const std::string& unit) {
  if (unit == "um") return 1e-3;
  if (unit == "m") return 1e3;
  return 1;
}

Point3 levelVoxelSizeMm(const DatasetInfo& info, int level) {
  const double unit = spaceUnitToMm(info.spaceUnit);
  Point3 size{1, 1, 1};
  if (affinesUsable(info, level)) {
    const Matrix4& a = info.levels[level].affine;
    for (int c = 0; c < 3; ++c)
      size[c] = std::sqrt(a[c] * a[c] + a[4 + c] * a[4 + c] + a[8 + c] * a[8 + c]) * unit;
    return size;
  }
  const Point3 ratio = shapeRatio(info, level);
  for (int c = 0; c < 3; ++c)
    size[c] = (info.spacing[c] > 0 ? info.spacing[c] : 1) * ratio[c] * unit;
  return size;
}

int chooseLevel(const DatasetInfo& info, int normalAxis, double screenPixelMm) {
  const int n = static_cast<int>(info.levels.size());
  if (n == 0 || !(screenPixelMm > 0)) return 0;
  const int u = normalAxis == 0 ? 1 : 0, v = normalAxis == 2 ? 1 : 2;
  int best = 0;
  double bestCost = std::numeric_limits<double>::infinity();
  for (int level = 0; level < n; ++level) {
    const Point3 s = levelVoxelSizeMm(info, level);
    const double inPlane = std::sqrt(s[u] * s[v]);
    const double cost = std::abs(std::log(inPlane / screenPixelMm));
    if (cost < bestCost - 1e-9) {  // strictly better: ties keep the finer level
      bestCost = cost;
      best = level;
    }
  }
  return best;
}

Point3 level0ToLevel(const DatasetInfo& info, int level, const Point3& p0) {
  if (level == 0) return p0;
  if (affinesUsable(info, level))
    return applyAffine(invertAffine(info.levels[level].affine),
                       applyAffine(info.levels[0].affine, p0));
  const Point3 r = shapeRatio(info, level);
  // Voxel i of level L covers level-0 voxels [i*r - 0.5, (i+1)*r - 0.5) (edges aligned).
  return {(p0[0] + 0.5) / r[0] - 0.5, (p0[1] + 0.5) / r[1] - 0.5, (p0[2] + 0.5) / r[2] - 0.5};
}

Point3 levelToLevel0(const DatasetInfo& info, int level, const Point3& p) {
  if (level == 0) return p;
  if (affinesUsable(info, level))
    return applyAffine(invertAffine(info.levels[0].affine),
                       applyAffine(info.levels[level].affine, p));
  const Point3 r = shapeRatio(info, level);
  return {(p[0] + 0.5) * r[0] - 0.5, (p[1] + 0.5) * r[1] - 0.5, (p[2] + 0.5) * r[2] - 0.5};
}

}  // namespace nz
