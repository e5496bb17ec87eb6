#include "layers/layer_slice.h"

#include <vtkLookupTable.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "loader/level_of_detail.h"
#include "roi/resample.h"

namespace nzviewer {

namespace {

// Layer level-L voxel from reference level-0 voxel.
nz::Matrix4 refToLayer(const Layer& layer, const nz::Matrix4& refAffine0, int level) {
  return nz::voxelToVoxel(refAffine0, layer.dataset->info().levels[level].affine);
}

nz::Point3 linear(const nz::Matrix4& m, const nz::Point3& d) {  // no translation
  return {m[0] * d[0] + m[1] * d[1] + m[2] * d[2], m[4] * d[0] + m[5] * d[1] + m[6] * d[2],
          m[8] * d[0] + m[9] * d[1] + m[10] * d[2]};
}

// The layer voxel axis closest to the view's normal (for the screen-matched level).
int layerNormalAxis(const nz::Matrix4& refToLayer0, int refNormal) {
  nz::Point3 d{0, 0, 0};
  d[refNormal] = 1;
  const nz::Point3 n = linear(refToLayer0, d);
  int best = 0;
  for (int i = 1; i < 3; ++i)
    if (std::abs(n[i]) > std::abs(n[best])) best = i;
  return best;
}

}  // namespace

PlaneGrid planeGridOf(const ComposedSlice& slice, const ViewAxes& axes,
                      const std::array<double, 3>& spacing, double normalPosition) {
  PlaneGrid g;
  g.width = slice.width;
  g.height = slice.height;
  const int ax = axes.screenX, ay = axes.screenY;
  g.origin[axes.normal] = normalPosition;
  g.origin[ax] = slice.originX / (axes.dirX * spacing[ax]);
  g.origin[ay] = slice.originY / (axes.dirY * spacing[ay]);
  g.stepK[ax] = slice.spacingX / (axes.dirX * spacing[ax]);
  g.stepR[ay] = slice.spacingY / (axes.dirY * spacing[ay]);
  return g;
}

int layerLevelFor(const Layer& layer, const nz::Matrix4& refAffine0, const nz::ViewSlice& view) {
  if (!layer.dataset || layer.dataset->info().levels.empty()) return 0;
  const nz::Matrix4 m0 = refToLayer(layer, refAffine0, 0);
  return nz::chooseLevel(layer.dataset->info(), layerNormalAxis(m0, view.plane.axis),
                         view.screenPixelMm);
}

LayerViewRequests layerRequests(const Layer& layer, const nz::Matrix4& refAffine0,
                                const nz::ViewSlice& view, int wantedLevel) {
  LayerViewRequests out;
  if (!layer.dataset || !layer.display.visible || !layer.overlapsReference) return out;
  const nz::DatasetInfo& info = layer.dataset->info();
  const int levels = static_cast<int>(info.levels.size());
  if (levels == 0) return out;
  const nz::Matrix4 m0 = refToLayer(layer, refAffine0, 0);
  out.level =
      wantedLevel >= 0 ? std::min(wantedLevel, levels - 1) : layerLevelFor(layer, refAffine0, view);
  // The visible window's corners (voxel edges) at the crosshair slice, in reference voxels.
  const auto uv = nz::inPlaneAxes(view.plane.axis);
  std::vector<nz::Point3> corners;
  for (double u : {view.plane.u0, view.plane.u1})
    for (double v : {view.plane.v0, view.plane.v1}) {
      nz::Point3 p{0, 0, 0};
      p[view.plane.axis] = view.plane.position;
      p[uv[0]] = u;
      p[uv[1]] = v;
      corners.push_back(p);
    }
  nz::Point3 centre{0, 0, 0};
  for (const auto& c : corners)
    for (int i = 0; i < 3; ++i) centre[i] += c[i] / 4;
  const nz::Point3 centreInLayer = nz::applyAffine(m0, centre);
  for (int level : {out.level, levels - 1}) {
    if (level == levels - 1 && level == out.level && !out.requests.empty()) break;
    const nz::LevelInfo& L = info.levels[level];
    const nz::Matrix4 m = refToLayer(layer, refAffine0, level);
    double lo[3], hi[3];
    for (int i = 0; i < 3; ++i) lo[i] = std::numeric_limits<double>::infinity(), hi[i] = -lo[i];
    for (const auto& c : corners) {
      const nz::Point3 s = nz::applyAffine(m, c);
      for (int i = 0; i < 3; ++i) lo[i] = std::min(lo[i], s[i]), hi[i] = std::max(hi[i], s[i]);
    }
    nz::Box box;
    bool empty = false;
    // Linear interpolation also reads the voxel beyond the nearest one on each side.
    const double margin = layer.kind == LayerKind::Image && layer.display.linear ? 1 : 0;
    for (int i = 0; i < 3; ++i) {
      const double b = std::max(std::floor(lo[i] + 0.5) - margin, 0.0);
      const double e = std::min(std::floor(hi[i] + 0.5) + 1 + margin, double(L.shape[i]));
      if (!(e > b)) empty = true;
      box.begin[i] = empty ? 0 : static_cast<std::int64_t>(b);
      box.end[i] = empty ? 0 : static_cast<std::int64_t>(e);
    }
    if (empty) continue;
    box.begin[3] = 0;
    box.end[3] = 1;  // first time point
    box.begin[4] = 0;
    box.end[4] = 1;  // first channel
    const nz::Point3 scale0 = nz::levelVoxelSizeMm(info, 0),
                     scaleL = nz::levelVoxelSizeMm(info, level);
    for (const nz::Index5& chunk : nz::chunksInBox(L, box)) {
      nz::ChunkRequest r;
      r.dataset = layer.dataset;
      r.level = level;
      r.chunk = chunk;
      r.tier = nz::Tier::Visible;
      const nz::Box cb = nz::chunkBoxOf(L, chunk);
      double d2 = 0;
      for (int i = 0; i < 3; ++i) {
        // Chunk centre in layer level-0 voxels, against the view centre.
        const double c =
            (cb.begin[i] + cb.end[i] - 1) / 2.0 * scaleL[i] / std::max(scale0[i], 1e-12);
        d2 += (c - centreInLayer[i]) * (c - centreInLayer[i]);
      }
      r.distance = std::sqrt(d2);
      out.requests.push_back(std::move(r));
    }
  }
  return out;
}

LayerSlice composeLayerSlice(const Layer& layer, const nz::Matrix4& refAffine0,
                             const PlaneGrid& grid, int level, std::int64_t t,
                             const ChunkLookup& lookup, const ChunkSet& failed) {
  LayerSlice out;
  out.level = level;
  out.width = grid.width;
  out.height = grid.height;
  const std::size_t n = static_cast<std::size_t>(std::max(grid.width, 0)) *
                        static_cast<std::size_t>(std::max(grid.height, 0));
  out.values.assign(n, std::numeric_limits<double>::quiet_NaN());
  if (!layer.dataset || n == 0) return out;
  const nz::DatasetInfo& info = layer.dataset->info();
  const int levels = static_cast<int>(info.levels.size());
  if (level < 0 || level >= levels) return out;
  std::vector<char> settled(n, 0);  // filled, or outside the layer at the target level
  ChunkSet targetSeen;
  const bool labels = layer.kind == LayerKind::Labels;
  const bool interpolate = !labels && layer.display.linear;
  for (int lv = level; lv < levels; ++lv) {
    // Linear interpolation: chunks of this level looked up so far (volume, box).
    std::unordered_map<nz::ChunkKey, std::pair<nz::SharedVolume, nz::Box>, nz::ChunkKeyHash> near;
    const nz::LevelInfo& L = info.levels[lv];
    const nz::Matrix4 m = refToLayer(layer, refAffine0, lv);
    const nz::Point3 o = nz::applyAffine(m, grid.origin);
    const nz::Point3 dk = linear(m, grid.stepK), dr = linear(m, grid.stepR);
    const std::int64_t tt = std::clamp<std::int64_t>(t, 0, L.shape[3] - 1);
    // The last chunk looked up (neighbouring pixels nearly always share it).
    nz::Index5 lastChunk{-1, -1, -1, -1, -1};
    nz::SharedVolume lastVol;
    nz::Box lastBox;
    for (int r = 0; r < grid.height; ++r)
      for (int k = 0; k < grid.width; ++k) {
        const std::size_t i = static_cast<std::size_t>(r) * grid.width + k;
        if (settled[i]) continue;
        std::int64_t s[3];
        bool inside = true;
        for (int a = 0; a < 3; ++a) {
          s[a] = nz::nearestIndex(o[a] + k * dk[a] + r * dr[a]);
          inside = inside && s[a] >= 0 && s[a] < L.shape[a];
        }
        if (!inside) {
          if (lv == level) settled[i] = 1;  // outside the layer: nothing to draw
          continue;
        }
        nz::Index5 chunk{s[0] / L.chunkShape[0], s[1] / L.chunkShape[1], s[2] / L.chunkShape[2],
                         tt / L.chunkShape[3], 0};
        if (chunk != lastChunk) {
          lastChunk = chunk;
          const nz::ChunkKey key{layer.dataset.get(), lv, chunk};
          lastVol = lookup(key);
          lastBox = nz::chunkBoxOf(L, chunk);
          if (lv == level && targetSeen.insert(key).second) {
            ++out.targetChunks;
            if (lastVol || failed.count(key)) ++out.targetChunksReady;
          }
          if (lastVol) {
            const nz::Volume& v = *lastVol;
            const nz::Index5 sh = lastBox.shape();
            if (v.shape[0] != sh[0] || v.shape[1] != sh[1] || v.shape[2] != sh[2] ||
                v.data.size() < v.voxelCount() * nz::dtypeSize(v.dtype))
              lastVol.reset();  // defensive: never index a chunk of unexpected shape
          }
        }
        if (!lastVol) continue;
        if (interpolate) {
          // Trilinear between the 8 voxels around the point (edge voxels repeated); a pixel
          // whose neighbours are not all cached waits for them (a coarser level fills it).
          const double x[3] = {o[0] + k * dk[0] + r * dr[0], o[1] + k * dk[1] + r * dr[1],
                               o[2] + k * dk[2] + r * dr[2]};
          double sum = 0;
          bool all = true;
          for (int corner = 0; corner < 8 && all; ++corner) {
            double w = 1;
            std::int64_t c[3];
            for (int a = 0; a < 3; ++a) {
              const double b = std::floor(x[a]);
              const bool up = (corner >> a) & 1;
              const double f = x[a] - b;
              w *= up ? f : 1 - f;
              c[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(b) + (up ? 1 : 0), 0,
                                              L.shape[a] - 1);
            }
            if (w == 0) continue;
            const nz::ChunkKey key{layer.dataset.get(),
                                   lv,
                                   {c[0] / L.chunkShape[0], c[1] / L.chunkShape[1],
                                    c[2] / L.chunkShape[2], tt / L.chunkShape[3], 0}};
            auto it = near.find(key);
            if (it == near.end()) {
              nz::SharedVolume vol = lookup(key);
              const nz::Box cb = nz::chunkBoxOf(L, key.chunk);
              if (vol && (vol->shape[0] != cb.end[0] - cb.begin[0] ||
                          vol->shape[1] != cb.end[1] - cb.begin[1] ||
                          vol->shape[2] != cb.end[2] - cb.begin[2] ||
                          vol->data.size() < vol->voxelCount() * nz::dtypeSize(vol->dtype)))
                vol.reset();
              it = near.emplace(key, std::make_pair(vol, cb)).first;
            }
            const auto& [vol, cb] = it->second;
            if (!vol) {
              all = false;
              break;
            }
            sum += w * nz::readAsDouble(
                           vol->data.data(), vol->dtype,
                           vol->offsetOf(
                               c[0] - cb.begin[0], c[1] - cb.begin[1], c[2] - cb.begin[2],
                               std::min<std::int64_t>(tt - cb.begin[3], vol->shape[3] - 1), 0));
          }
          if (!all) continue;
          out.values[i] = info.scaled(sum);
          settled[i] = 1;
          continue;
        }
        const nz::Volume& v = *lastVol;
        const double raw = nz::readAsDouble(
            v.data.data(), v.dtype,
            v.offsetOf(s[0] - lastBox.begin[0], s[1] - lastBox.begin[1], s[2] - lastBox.begin[2],
                       std::min<std::int64_t>(tt - lastBox.begin[3], v.shape[3] - 1), 0));
        out.values[i] = labels ? raw : info.scaled(raw);
        settled[i] = 1;
      }
  }
  return out;
}

void paintLayer(const Layer& layer, const LayerSlice& slice, vtkLookupTable* imageLut,
                std::vector<std::uint8_t>& rgba) {
  const double opacity = std::clamp(layer.display.opacity, 0.0, 1.0);
  if (!layer.display.visible || opacity <= 0) return;
  const int w = slice.width, h = slice.height;
  if (rgba.size() < static_cast<std::size_t>(w) * h * 4) return;
  // Porter-Duff "over" onto what earlier layers painted (straight, not premultiplied, alpha).
  auto blend = [&](std::size_t i, double r, double g, double b, double a) {
    std::uint8_t* p = rgba.data() + i * 4;
    const double da = p[3] / 255.0;
    const double oa = a + da * (1 - a);
    if (!(oa > 0)) return;
    const double keep = da * (1 - a);
    p[0] = static_cast<std::uint8_t>(std::lround((r * a + p[0] * keep) / oa));
    p[1] = static_cast<std::uint8_t>(std::lround((g * a + p[1] * keep) / oa));
    p[2] = static_cast<std::uint8_t>(std::lround((b * a + p[2] * keep) / oa));
    p[3] = static_cast<std::uint8_t>(std::lround(oa * 255));
  };
  if (layer.kind == LayerKind::Labels) {
    std::unordered_map<std::int64_t, nz::LabelEntry> colours;
    auto colourOf = [&](std::int64_t v) -> const nz::LabelEntry& {
      auto it = colours.find(v);
      if (it == colours.end()) it = colours.emplace(v, layer.labels.entry(v)).first;
      return it->second;
    };
    auto labelAt = [&](int k, int r) -> std::int64_t {
      const double v = slice.valueAt(k, r);
      return std::isnan(v) ? std::int64_t{-1} : static_cast<std::int64_t>(v);
    };
    for (int r = 0; r < h; ++r)
      for (int k = 0; k < w; ++k) {
        const std::int64_t v = labelAt(k, r);
        if (v <= 0) continue;
        if (layer.display.outline && labelAt(k - 1, r) == v && labelAt(k + 1, r) == v &&
            labelAt(k, r - 1) == v && labelAt(k, r + 1) == v)
          continue;
        const nz::LabelEntry& e = colourOf(v);
        if (!e.visible || e.alpha <= 0) continue;
        blend(static_cast<std::size_t>(r) * w + k, e.r, e.g, e.b, opacity * e.alpha);
      }
    return;
  }
  if (!imageLut) return;
  const double lo = layer.display.low, hi = layer.display.high;
  const double span = hi > lo ? hi - lo : 1;
  for (std::size_t i = 0; i < slice.values.size(); ++i) {
    const double v = slice.values[i];
    if (std::isnan(v)) continue;
    const int index = std::clamp(static_cast<int>(std::floor((v - lo) / span * 256.0)), 0, 255);
    double c[4];
    imageLut->GetTableValue(index, c);
    blend(i, c[0] * 255, c[1] * 255, c[2] * 255, opacity);
  }
}

}  // namespace nzviewer
