#include "data/slice_composer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace nzviewer {

std::array<double, 3> displaySpacing(const nz::DatasetInfo& info) {
  nz::Point3 s = nz::levelVoxelSizeMm(info, 0);
  for (double& v : s)
    if (!(v > 0) || !std::isfinite(v)) v = 1;
  return {s[0], s[1], s[2]};
}

namespace {
// Level-0 coordinate = a * (level coordinate) + b, per axis (pyramid levels are axis-aligned).
struct AxisMap {
  double a[3], b[3];
};
AxisMap levelToLevel0Map(const nz::DatasetInfo& info, int level) {
  const nz::Point3 p0 = nz::levelToLevel0(info, level, {0, 0, 0});
  const nz::Point3 p1 = nz::levelToLevel0(info, level, {1, 1, 1});
  AxisMap m;
  for (int i = 0; i < 3; ++i) {
    m.a[i] = p1[i] - p0[i];
    if (!(std::abs(m.a[i]) > 1e-12)) m.a[i] = 1;
    m.b[i] = p0[i];
  }
  return m;
}
}  // namespace

ComposedSlice composeSlice(const nz::Dataset& dataset, const ViewAxes& axes,
                           const nz::SlicePlane& plane, int targetLevel, std::int64_t channel,
                           const ChunkMap& chunks, const ChunkSet& failed) {
  return composeSlice(
      dataset, axes, plane, targetLevel, channel,
      [&chunks](const nz::ChunkKey& key) -> nz::SharedVolume {
        auto it = chunks.find(key);
        return it == chunks.end() ? nullptr : it->second;
      },
      failed);
}

ComposedSlice composeSlice(const nz::Dataset& dataset, const ViewAxes& axes,
                           const nz::SlicePlane& plane, int targetLevel, std::int64_t channel,
                           const ChunkLookup& chunks, const ChunkSet& failed) {
  const auto started = std::chrono::steady_clock::now();
  const nz::DatasetInfo& info = dataset.info();
  ComposedSlice out;
  out.targetLevel = targetLevel;
  const int levels = static_cast<int>(info.levels.size());
  if (targetLevel < 0 || targetLevel >= levels) return out;
  const int ax = axes.screenX, ay = axes.screenY, an = axes.normal;
  const nz::Box target = nz::sliceBox(info, targetLevel, plane);
  if (target.empty()) return out;
  out.width = static_cast<int>(target.end[ax] - target.begin[ax]);
  out.height = static_cast<int>(target.end[ay] - target.begin[ay]);
  out.pixels.assign(static_cast<std::size_t>(out.width) * out.height,
                    std::numeric_limits<float>::quiet_NaN());

  // Target-level index of column k / row r (columns run left to right on screen).
  const auto sp = displaySpacing(info);
  const AxisMap tmap = levelToLevel0Map(info, targetLevel);
  auto colIndex = [&](int k) {
    return axes.dirX > 0 ? target.begin[ax] + k : target.end[ax] - 1 - k;
  };
  auto rowIndex = [&](int r) {
    return axes.dirY > 0 ? target.begin[ay] + r : target.end[ay] - 1 - r;
  };
  out.spacingX = std::abs(tmap.a[ax]) * sp[ax];
  out.spacingY = std::abs(tmap.a[ay]) * sp[ay];
  out.originX = axes.dirX * (tmap.a[ax] * double(colIndex(0)) + tmap.b[ax]) * sp[ax];
  out.originY = axes.dirY * (tmap.a[ay] * double(rowIndex(0)) + tmap.b[ay]) * sp[ay];

  std::vector<std::int64_t> colSrc(out.width), rowSrc(out.height);
  for (int level = levels - 1; level >= targetLevel; --level) {
    const nz::LevelInfo& L = info.levels[level];
    const nz::Box box = nz::sliceBox(info, level, plane);
    if (box.empty()) continue;
    const std::int64_t slice = box.begin[an];
    const std::int64_t t = box.begin[3];
    const std::int64_t c = std::clamp<std::int64_t>(channel, 0, L.shape[4] - 1);
    // Nearest source voxel of this level for every column and row.
    const AxisMap lmap = levelToLevel0Map(info, level);
    for (int k = 0; k < out.width; ++k) {
      const double c0 = tmap.a[ax] * double(colIndex(k)) + tmap.b[ax];
      colSrc[k] = static_cast<std::int64_t>(std::floor((c0 - lmap.b[ax]) / lmap.a[ax] + 0.5));
    }
    for (int r = 0; r < out.height; ++r) {
      const double c0 = tmap.a[ay] * double(rowIndex(r)) + tmap.b[ay];
      rowSrc[r] = static_cast<std::int64_t>(std::floor((c0 - lmap.b[ay]) / lmap.a[ay] + 0.5));
    }
    // The chunks of the plane that hold the wanted time point and channel.
    nz::Box sub = box;
    sub.begin[4] = c;
    sub.end[4] = c + 1;
    for (const nz::Index5& chunk : nz::chunksInBox(L, sub)) {
      const nz::ChunkKey key{&dataset, level, chunk};
      const bool isTarget = level == targetLevel;
      if (isTarget) ++out.targetChunks;
      const nz::SharedVolume found = chunks(key);
      if (!found) {
        if (isTarget && failed.count(key)) ++out.targetChunksReady;
        continue;
      }
      if (isTarget) ++out.targetChunksReady;
      const nz::Volume& vol = *found;
      const nz::Box cb = nz::chunkBoxOf(L, chunk);
      if (vol.shape[0] != cb.end[0] - cb.begin[0] || vol.shape[1] != cb.end[1] - cb.begin[1] ||
          vol.shape[2] != cb.end[2] - cb.begin[2])
        continue;  // defensive: a chunk of unexpected shape is never indexed
      out.finestLevelShown = level;
      std::int64_t local[5] = {0, 0, 0, t - cb.begin[3], c - cb.begin[4]};
      local[an] = slice - cb.begin[an];
      if (local[3] < 0 || local[3] >= vol.shape[3] || local[4] < 0 || local[4] >= vol.shape[4])
        continue;
      // Columns whose source lies in this chunk form one contiguous run (monotonic map).
      int k0 = -1, k1 = -1;
      for (int k = 0; k < out.width; ++k)
        if (colSrc[k] >= cb.begin[ax] && colSrc[k] < cb.end[ax]) {
          if (k0 < 0) k0 = k;
          k1 = k + 1;
        }
      if (k0 < 0) continue;
      const std::size_t esize = nz::dtypeSize(vol.dtype);
      if (vol.data.size() < vol.voxelCount() * esize) continue;
      for (int r = 0; r < out.height; ++r) {
        if (rowSrc[r] < cb.begin[ay] || rowSrc[r] >= cb.end[ay]) continue;
        local[ay] = rowSrc[r] - cb.begin[ay];
        float* dst = out.pixels.data() + static_cast<std::size_t>(r) * out.width;
        for (int k = k0; k < k1; ++k) {
          local[ax] = colSrc[k] - cb.begin[ax];
          const double raw =
              nz::readAsDouble(vol.data.data(), vol.dtype,
                               vol.offsetOf(local[0], local[1], local[2], local[3], local[4]));
          dst[k] = static_cast<float>(info.scaled(raw));
        }
      }
    }
  }
  out.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace nzviewer
