#include "loader/level_of_detail.h"

#include <cmath>
#include <limits>

namespace nz {

namespace {

bool hasAffine(const Matrix4& a) {
  // A usable affine has a non-singular 3x3 part.
  const double det = a[0] * (a[5] * a[10] - a[6] * a[9]) - a[1] * (a[4] * a[10] - a[6] * a[8]) +
                     a[2] * (a[4] * a[9] - a[5] * a[8]);
  return std::isfinite(det) && std::abs(det) > 1e-30;
}

Point3 apply(const Matrix4& a, const Point3& p) {
  Point3 out;
  for (int r = 0; r < 3; ++r)
    out[r] = a[r * 4] * p[0] + a[r * 4 + 1] * p[1] + a[r * 4 + 2] * p[2] + a[r * 4 + 3];
  return out;
}

// Voxel coordinate of world point `w` under affine `a` (solves the 3x3 system).
Point3 applyInverse(const Matrix4& a, const Point3& w) {
  const double m00 = a[0], m01 = a[1], m02 = a[2], m10 = a[4], m11 = a[5], m12 = a[6], m20 = a[8],
               m21 = a[9], m22 = a[10];
  const double det =
      m00 * (m11 * m22 - m12 * m21) - m01 * (m10 * m22 - m12 * m20) + m02 * (m10 * m21 - m11 * m20);
  const Point3 b{w[0] - a[3], w[1] - a[7], w[2] - a[11]};
  const double inv[9] = {
      (m11 * m22 - m12 * m21) / det, (m02 * m21 - m01 * m22) / det, (m01 * m12 - m02 * m11) / det,
      (m12 * m20 - m10 * m22) / det, (m00 * m22 - m02 * m20) / det, (m02 * m10 - m00 * m12) / det,
      (m10 * m21 - m11 * m20) / det, (m01 * m20 - m00 * m21) / det, (m00 * m11 - m01 * m10) / det};
  Point3 out;
  for (int r = 0; r < 3; ++r)
    out[r] = inv[r * 3] * b[0] + inv[r * 3 + 1] * b[1] + inv[r * 3 + 2] * b[2];
  return out;
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
    return applyInverse(info.levels[level].affine, apply(info.levels[0].affine, p0));
  const Point3 r = shapeRatio(info, level);
  // Voxel i of level L covers level-0 voxels [i*r - 0.5, (i+1)*r - 0.5) (edges aligned).
  return {(p0[0] + 0.5) / r[0] - 0.5, (p0[1] + 0.5) / r[1] - 0.5, (p0[2] + 0.5) / r[2] - 0.5};
}

Point3 levelToLevel0(const DatasetInfo& info, int level, const Point3& p) {
  if (level == 0) return p;
  if (affinesUsable(info, level))
    return applyInverse(info.levels[0].affine, apply(info.levels[level].affine, p));
  const Point3 r = shapeRatio(info, level);
  return {(p[0] + 0.5) * r[0] - 0.5, (p[1] + 0.5) * r[1] - 0.5, (p[2] + 0.5) * r[2] - 0.5};
}

}  // namespace nz
