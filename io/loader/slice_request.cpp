#include "loader/slice_request.h"

#include <algorithm>
#include <cmath>

namespace nz {

std::array<int, 2> inPlaneAxes(int axis) {
  if (axis == 0) return {1, 2};
  if (axis == 1) return {0, 2};
  return {0, 1};
}

SlicePlane wholeSlice(const DatasetInfo& info, int axis, double position, std::int64_t t) {
  const auto [u, v] = inPlaneAxes(axis);
  SlicePlane p;
  p.axis = axis;
  p.position = position;
  p.u0 = -0.5;
  p.u1 = double(info.shape[u]) - 0.5;
  p.v0 = -0.5;
  p.v1 = double(info.shape[v]) - 0.5;
  p.t = t;
  return p;
}

Box sliceBox(const DatasetInfo& info, int level, const SlicePlane& plane) {
  Box box;
  box.begin = {0, 0, 0, 0, 0};
  box.end = {0, 0, 0, 0, 0};
  if (level < 0 || level >= static_cast<int>(info.levels.size()) || plane.axis < 0 ||
      plane.axis > 2)
    return box;
  const LevelInfo& L = info.levels[level];
  const auto [u, v] = inPlaneAxes(plane.axis);
  const int n = plane.axis;
  // Map the window corners (at the slice position) into this level.
  Point3 a{}, b{};
  a[n] = b[n] = plane.position;
  a[u] = plane.u0;
  b[u] = plane.u1;
  a[v] = plane.v0;
  b[v] = plane.v1;
  const Point3 la = level0ToLevel(info, level, a), lb = level0ToLevel(info, level, b);
  for (int axis : {u, v}) {
    const double lo = std::min(la[axis], lb[axis]), hi = std::max(la[axis], lb[axis]);
    // Voxels i with [i - 0.5, i + 0.5] overlapping (lo, hi).
    box.begin[axis] =
        std::clamp<std::int64_t>(std::int64_t(std::floor(lo + 0.5)), 0, L.shape[axis]);
    box.end[axis] = std::clamp<std::int64_t>(std::int64_t(std::ceil(hi + 0.5)), 0, L.shape[axis]);
    if (hi <= lo) box.end[axis] = box.begin[axis];
  }
  const std::int64_t slice = std::int64_t(std::floor(la[n] + 0.5));
  if (slice < 0 || slice >= L.shape[n]) return box;  // plane outside: empty
  box.begin[n] = slice;
  box.end[n] = slice + 1;
  if (plane.t >= 0 && plane.t < L.shape[3]) {
    box.begin[3] = plane.t;
    box.end[3] = plane.t + 1;
  }
  box.begin[4] = 0;
  box.end[4] = L.shape[4];
  return box;
}

std::vector<Index5> chunksInBox(const LevelInfo& level, const Box& box) {
  std::vector<Index5> out;
  Index5 first{}, last{};  // inclusive chunk ranges
  for (int i = 0; i < 5; ++i) {
    const std::int64_t b = std::max<std::int64_t>(box.begin[i], 0);
    const std::int64_t e = std::min<std::int64_t>(box.end[i], level.shape[i]);
    const std::int64_t cs = std::max<std::int64_t>(level.chunkShape[i], 1);
    if (e <= b) return out;
    first[i] = b / cs;
    last[i] = (e - 1) / cs;
  }
  Index5 c = first;
  for (;;) {
    out.push_back(c);
    int i = 0;
    while (i < 5 && c[i] == last[i]) {
      c[i] = first[i];
      ++i;
    }
    if (i == 5) break;
    ++c[i];
  }
  return out;
}

Box chunkBoxOf(const LevelInfo& level, const Index5& chunk) {
  Box box;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t cs = std::max<std::int64_t>(level.chunkShape[i], 1);
    box.begin[i] = chunk[i] * cs;
    box.end[i] = std::min(box.begin[i] + cs, level.shape[i]);
  }
  return box;
}

std::vector<Index5> visibleChunks(const DatasetInfo& info, int level, const SlicePlane& plane) {
  if (level < 0 || level >= static_cast<int>(info.levels.size())) return {};
  return chunksInBox(info.levels[level], sliceBox(info, level, plane));
}

namespace {

Point3 viewCentre(const SlicePlane& plane) {
  const auto [u, v] = inPlaneAxes(plane.axis);
  Point3 c{};
  c[plane.axis] = plane.position;
  c[u] = 0.5 * (plane.u0 + plane.u1);
  c[v] = 0.5 * (plane.v0 + plane.v1);
  return c;
}

void addChunks(const std::shared_ptr<Dataset>& dataset, int level, const Box& box, Tier tier,
               const Point3& centre, std::vector<ChunkRequest>& out) {
  const DatasetInfo& info = dataset->info();
  const LevelInfo& L = info.levels[level];
  for (const Index5& chunk : chunksInBox(L, box)) {
    const Box cb = chunkBoxOf(L, chunk);
    const Point3 mid{0.5 * double(cb.begin[0] + cb.end[0] - 1),
                     0.5 * double(cb.begin[1] + cb.end[1] - 1),
                     0.5 * double(cb.begin[2] + cb.end[2] - 1)};
    const Point3 p0 = levelToLevel0(info, level, mid);
    const double d = std::hypot(p0[0] - centre[0], p0[1] - centre[1], p0[2] - centre[2]);
    out.push_back(ChunkRequest{dataset, level, chunk, tier, d});
  }
}

}  // namespace

ViewRequests buildViewRequests(const std::shared_ptr<Dataset>& dataset,
                               const std::vector<ViewSlice>& views,
                               const PrefetchOptions& prefetch) {
  ViewRequests out;
  if (!dataset) return out;
  const DatasetInfo& info = dataset->info();
  const int levels = static_cast<int>(info.levels.size());
  for (const ViewSlice& view : views) {
    if (levels == 0) {
      out.levels.push_back(0);
      continue;
    }
    const int chosen = view.level >= 0 ? std::min(view.level, levels - 1)
                                       : chooseLevel(info, view.plane.axis, view.screenPixelMm);
    out.levels.push_back(chosen);
    const Point3 centre = viewCentre(view.plane);
    // The level shown is the level fetched, plus the coarsest level (one small request per view
    // that shows something after one round trip); intermediate levels are not fetched.
    addChunks(dataset, chosen, sliceBox(info, chosen, view.plane), Tier::Visible, centre,
              out.requests);
    if (chosen != levels - 1)
      addChunks(dataset, levels - 1, sliceBox(info, levels - 1, view.plane), Tier::Visible, centre,
                out.requests);
    const Box box = sliceBox(info, chosen, view.plane);
    if (prefetch.neighbourSlices && !box.empty()) {
      // The slices just outside the current chunk layer, on both sides.
      const int n = view.plane.axis;
      const std::int64_t cs = std::max<std::int64_t>(info.levels[chosen].chunkShape[n], 1);
      const std::int64_t layerBegin = box.begin[n] / cs * cs;
      for (std::int64_t slice : {layerBegin - 1, layerBegin + cs}) {
        if (slice < 0 || slice >= info.levels[chosen].shape[n]) continue;
        Box shifted = box;
        shifted.begin[n] = slice;
        shifted.end[n] = slice + 1;
        addChunks(dataset, chosen, shifted, Tier::Prefetch, centre, out.requests);
      }
    }
    if (prefetch.finerLevel && chosen > 0)
      addChunks(dataset, chosen - 1, sliceBox(info, chosen - 1, view.plane), Tier::Prefetch, centre,
                out.requests);
  }
  return out;
}

ViewRequests buildOrthoRequests(const std::shared_ptr<Dataset>& dataset, const Point3& crosshair,
                                std::vector<ViewSlice> views, const PrefetchOptions& prefetch) {
  for (auto& view : views)
    if (view.plane.axis >= 0 && view.plane.axis <= 2)
      view.plane.position = crosshair[view.plane.axis];
  return buildViewRequests(dataset, views, prefetch);
}

}  // namespace nz
