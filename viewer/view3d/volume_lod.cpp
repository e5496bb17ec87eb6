#include "view3d/volume_lod.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "loader/level_of_detail.h"
#include "loader/slice_request.h"

namespace nzviewer {

int levelForBudget(const nz::DatasetInfo& info, std::int64_t budget) {
  const int levels = static_cast<int>(info.levels.size());
  for (int l = 0; l < levels; ++l) {
    const nz::Index5& s = info.levels[l].shape;
    // Compared in double: a huge level's product must not overflow.
    if (double(s[0]) * double(s[1]) * double(s[2]) <= double(budget)) return l;
  }
  return std::max(0, levels - 1);
}

std::vector<nz::Index5> levelChunks(const nz::DatasetInfo& info, int level, std::int64_t t,
                                    std::int64_t c) {
  if (level < 0 || level >= static_cast<int>(info.levels.size())) return {};
  const nz::LevelInfo& L = info.levels[level];
  nz::Box box;
  box.begin = {0, 0, 0, std::clamp<std::int64_t>(t, 0, L.shape[3] - 1),
               std::clamp<std::int64_t>(c, 0, L.shape[4] - 1)};
  box.end = {L.shape[0], L.shape[1], L.shape[2], box.begin[3] + 1, box.begin[4] + 1};
  return nz::chunksInBox(L, box);
}

void computeRange(LevelVolume& v) {
  v.hasRange = false;
  const float* p = v.voxels.data();
  const std::size_t n = v.voxels.size();
  // One pass: comparisons are false for NaN, so NaNs never become the min or max.
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < n; ++i) {
    lo = p[i] < lo ? p[i] : lo;
    hi = p[i] > hi ? p[i] : hi;
  }
  if (lo > hi) return;  // empty or all NaN: VTK computes its own (empty) range
  v.range[0] = lo, v.range[1] = hi;
  if (std::isfinite(lo) && std::isfinite(hi)) {
    v.finiteRange[0] = lo, v.finiteRange[1] = hi;
    v.hasRange = true;
    return;
  }
  float flo = std::numeric_limits<float>::max(), fhi = -flo;  // infinities present: a 2nd pass
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) continue;
    flo = std::min(flo, p[i]), fhi = std::max(fhi, p[i]);
    any = true;
  }
  if (!any) return;
  v.finiteRange[0] = flo, v.finiteRange[1] = fhi;
  v.hasRange = true;
}

void encodeCodes(LevelVolume& v) {
  v.codes.clear();
  const double lo = v.finiteRange[0], hi = v.finiteRange[1];
  if (!v.hasRange || v.range[0] != lo || v.range[1] != hi || !(hi > lo)) return;
  v.codes.resize(v.voxels.size());
  const float* p = v.voxels.data();
  std::uint16_t* out = v.codes.data();
  const float flo = float(lo), scale = float(65535.0 / (hi - lo));
  for (std::size_t i = 0, n = v.voxels.size(); i < n; ++i) {
    const float c = (p[i] - flo) * scale + 0.5f;  // NaN: 0 (comparisons false)
    out[i] = static_cast<std::uint16_t>(c >= 65535.0f ? 65535.0f : (c >= 0.0f ? c : 0.0f));
  }
}

LevelVolume upsampleLevel(const nz::DatasetInfo& info, int level, const LevelVolume& coarser) {
  LevelVolume out;
  out.level = level;
  const nz::Index5& s = info.levels[level].shape;
  out.nx = s[0];
  out.ny = s[1];
  out.nz = s[2];
  out.voxels.assign(out.voxelCount(), 0.0f);
  if (coarser.voxels.empty() || coarser.level < 0) return out;
  // Pyramid levels are axis-aligned: level-0 coordinate = a * index + b per axis.
  std::vector<std::int64_t> src[3];
  for (int axis = 0; axis < 3; ++axis) {
    const std::int64_t n = s[axis];
    const std::int64_t cn = axis == 0 ? coarser.nx : axis == 1 ? coarser.ny : coarser.nz;
    src[axis].resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      nz::Point3 p{0, 0, 0};
      p[axis] = double(i);
      const double p0 = nz::levelToLevel0(info, level, p)[axis];
      nz::Point3 q{0, 0, 0};
      q[axis] = p0;
      const double ci = nz::level0ToLevel(info, coarser.level, q)[axis];
      src[axis][i] = std::clamp<std::int64_t>(std::llround(ci), 0, cn - 1);
    }
  }
  std::size_t o = 0;
  for (std::int64_t z = 0; z < out.nz; ++z)
    for (std::int64_t y = 0; y < out.ny; ++y) {
      const std::size_t row =
          (static_cast<std::size_t>(src[2][z]) * coarser.ny + src[1][y]) * coarser.nx;
      for (std::int64_t x = 0; x < out.nx; ++x) out.voxels[o++] = coarser.voxels[row + src[0][x]];
    }
  return out;
}

namespace {
// Shared by both pastes: the chunk's box, checked against its volume and the output grid.
bool chunkFits(const nz::DatasetInfo& info, int level, std::int64_t nx, std::int64_t ny,
               std::int64_t nz, const nz::Index5& chunk, const nz::Volume& v, nz::Box& box) {
  if (level < 0 || level >= static_cast<int>(info.levels.size())) return false;
  box = nz::chunkBoxOf(info.levels[level], chunk);
  if (v.shape[0] != box.end[0] - box.begin[0] || v.shape[1] != box.end[1] - box.begin[1] ||
      v.shape[2] != box.end[2] - box.begin[2])
    return false;
  if (box.end[0] > nx || box.end[1] > ny || box.end[2] > nz) return false;
  return v.data.size() >= v.voxelCount() * nz::dtypeSize(v.dtype);
}
}  // namespace

bool pasteChunk(const nz::DatasetInfo& info, LevelVolume& out, const nz::Index5& chunk,
                const nz::Volume& v, std::int64_t t, std::int64_t c) {
  nz::Box box;
  if (!chunkFits(info, out.level, out.nx, out.ny, out.nz, chunk, v, box)) return false;
  const std::int64_t lt = t - box.begin[3], lc = c - box.begin[4];
  if (lt < 0 || lt >= v.shape[3] || lc < 0 || lc >= v.shape[4]) return false;
  for (std::int64_t z = 0; z < v.shape[2]; ++z)
    for (std::int64_t y = 0; y < v.shape[1]; ++y) {
      float* dst =
          out.voxels.data() +
          ((static_cast<std::size_t>(box.begin[2] + z) * out.ny + box.begin[1] + y) * out.nx +
           box.begin[0]);
      const std::size_t base = v.offsetOf(0, y, z, lt, lc);
      for (std::int64_t x = 0; x < v.shape[0]; ++x)
        dst[x] = static_cast<float>(
            info.scaled(nz::readAsDouble(v.data.data(), v.dtype, base + std::size_t(x))));
    }
  return true;
}

bool pasteLabelChunk(const nz::DatasetInfo& info, LabelVolume& out, const nz::Index5& chunk,
                     const nz::Volume& v) {
  nz::Box box;
  if (!chunkFits(info, out.level, out.nx, out.ny, out.nz, chunk, v, box)) return false;
  for (std::int64_t z = 0; z < v.shape[2]; ++z)
    for (std::int64_t y = 0; y < v.shape[1]; ++y) {
      std::int32_t* dst =
          out.labels.data() +
          ((static_cast<std::size_t>(box.begin[2] + z) * out.ny + box.begin[1] + y) * out.nx +
           box.begin[0]);
      const std::size_t base = v.offsetOf(0, y, z);
      for (std::int64_t x = 0; x < v.shape[0]; ++x) {
        const double raw = nz::readAsDouble(v.data.data(), v.dtype, base + std::size_t(x));
        dst[x] = std::isfinite(raw) ? static_cast<std::int32_t>(std::clamp(raw, -2e9, 2e9)) : 0;
      }
    }
  return true;
}

}  // namespace nzviewer
