#include "roi/roi_box.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace nz {

namespace {

const Matrix4& levelAffine(const DatasetInfo& info, int level) {
  if (level < 0 || level >= static_cast<int>(info.levels.size())) {
    if (level == 0 && info.levels.empty()) return info.affine;
    throw Error(ErrorKind::InvalidArgument, "level " + std::to_string(level) +
                                                " does not exist (the dataset has " +
                                                std::to_string(info.levels.size()) + " levels)");
  }
  return info.levels[static_cast<std::size_t>(level)].affine;
}

}  // namespace

Vec3 levelFromLevel0(const DatasetInfo& info, int level, const Vec3& p0) {
  if (level == 0) return p0;
  Matrix4 m = multiply(invertAffine(levelAffine(info, level)), levelAffine(info, 0));
  return applyAffine(m, p0);
}

Vec3 level0FromLevel(const DatasetInfo& info, int level, const Vec3& pL) {
  if (level == 0) return pL;
  Matrix4 m = multiply(invertAffine(levelAffine(info, 0)), levelAffine(info, level));
  return applyAffine(m, pL);
}

Vec3 worldFromVoxel(const DatasetInfo& info, int level, const Vec3& voxel) {
  return applyAffine(levelAffine(info, level), voxel);
}

Vec3 voxelFromWorld(const DatasetInfo& info, int level, const Vec3& world) {
  return applyAffine(invertAffine(levelAffine(info, level)), world);
}

RoiBox RoiBox::whole(const DatasetInfo& info) {
  RoiBox r;
  r.box.begin = {0, 0, 0, 0, 0};
  r.box.end = info.shape;
  return r;
}

RoiBox RoiBox::fromLevel(const DatasetInfo& info, int level, const Box& levelBox) {
  RoiBox r;
  r.box = levelBox;
  if (level == 0) return r;
  // Voxel edges sit at index - 0.5; map both edges and round to the nearest level-0 edge.
  Vec3 lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = static_cast<double>(levelBox.begin[a]) - 0.5;
    hi[a] = static_cast<double>(levelBox.end[a]) - 0.5;
  }
  Vec3 l0 = level0FromLevel(info, level, lo), h0 = level0FromLevel(info, level, hi);
  for (int a = 0; a < 3; ++a) {
    double e0 = std::min(l0[a], h0[a]) + 0.5, e1 = std::max(l0[a], h0[a]) + 0.5;
    r.box.begin[a] = static_cast<std::int64_t>(std::llround(e0));
    r.box.end[a] = static_cast<std::int64_t>(std::llround(e1));
  }
  return r;
}

Box RoiBox::toLevel(const DatasetInfo& info, int level) const {
  if (level == 0) return box;
  Box out = box;
  Vec3 lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = static_cast<double>(box.begin[a]) - 0.5;
    hi[a] = static_cast<double>(box.end[a]) - 0.5;
  }
  Vec3 lL = levelFromLevel0(info, level, lo), hL = levelFromLevel0(info, level, hi);
  constexpr double eps = 1e-6;  // keep exact multiples exact despite rounding error
  for (int a = 0; a < 3; ++a) {
    double e0 = std::min(lL[a], hL[a]) + 0.5, e1 = std::max(lL[a], hL[a]) + 0.5;
    out.begin[a] = static_cast<std::int64_t>(std::floor(e0 + eps));
    out.end[a] = static_cast<std::int64_t>(std::ceil(e1 - eps));
    if (out.end[a] <= out.begin[a] && box.end[a] > box.begin[a]) out.end[a] = out.begin[a] + 1;
  }
  return out;
}

std::array<Vec3, 8> RoiBox::worldCorners(const DatasetInfo& info) const {
  std::array<Vec3, 8> corners;
  for (int n = 0; n < 8; ++n) {
    Vec3 v;
    for (int a = 0; a < 3; ++a)
      v[a] = static_cast<double>((n >> a) & 1 ? box.end[a] : box.begin[a]) - 0.5;
    corners[static_cast<std::size_t>(n)] = worldFromVoxel(info, 0, v);
  }
  return corners;
}

std::array<Vec3, 2> RoiBox::worldBounds(const DatasetInfo& info) const {
  auto c = worldCorners(info);
  std::array<Vec3, 2> b{c[0], c[0]};
  for (const auto& p : c)
    for (int a = 0; a < 3; ++a) {
      b[0][a] = std::min(b[0][a], p[a]);
      b[1][a] = std::max(b[1][a], p[a]);
    }
  return b;
}

Vec3 RoiBox::sizeWorld(const DatasetInfo& info) const {
  Vec3 s;
  const Matrix4& m = levelAffine(info, 0);
  for (int a = 0; a < 3; ++a) {
    double n = std::sqrt(m[a] * m[a] + m[4 + a] * m[4 + a] + m[8 + a] * m[8 + a]);
    s[a] = n * static_cast<double>(std::max<std::int64_t>(0, box.end[a] - box.begin[a]));
  }
  return s;
}

RoiBox RoiBox::clipped(const DatasetInfo& info) const {
  RoiBox r = *this;
  for (int a = 0; a < 5; ++a) {
    r.box.begin[a] = std::clamp<std::int64_t>(box.begin[a], 0, info.shape[a]);
    r.box.end[a] = std::clamp<std::int64_t>(box.end[a], r.box.begin[a], info.shape[a]);
  }
  return r;
}

Box parseRoiText(const std::string& text, const Index5& shape) {
  Box b;
  b.begin = {0, 0, 0, 0, 0};
  b.end = shape;
  std::stringstream ss(text);
  std::string part;
  int axis = 0;
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::InvalidArgument,
                 "invalid --roi '" + text + "': " + why +
                     " (expected i0:i1,j0:j1,k0:k1[,t0:t1], half-open voxel ranges)");
  };
  while (std::getline(ss, part, ',')) {
    if (axis >= 5) throw bad("too many ranges");
    auto colon = part.find(':');
    if (colon == std::string::npos) throw bad("range '" + part + "' has no ':'");
    try {
      std::size_t used = 0;
      std::string a = part.substr(0, colon), z = part.substr(colon + 1);
      if (!a.empty()) {
        b.begin[axis] = std::stoll(a, &used);
        if (used != a.size()) throw bad("'" + a + "' is not an integer");
      }
      if (!z.empty()) {
        b.end[axis] = std::stoll(z, &used);
        if (used != z.size()) throw bad("'" + z + "' is not an integer");
      }
    } catch (const std::logic_error&) {
      throw bad("'" + part + "' is not an integer range");
    }
    if (b.end[axis] <= b.begin[axis]) throw bad("range '" + part + "' is empty");
    ++axis;
  }
  if (axis < 3) throw bad("need at least three ranges");
  return b;
}

std::string roiText(const Box& box, int ndim) {
  std::string s;
  for (int a = 0; a < std::max(3, std::min(ndim, 5)); ++a) {
    if (a) s += ",";
    s += std::to_string(box.begin[a]) + ":" + std::to_string(box.end[a]);
  }
  return s;
}

}  // namespace nz
