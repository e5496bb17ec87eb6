#include "stats/histogram.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nz {

Histogram computeHistogram(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                           const Box& box, int bins, double pLow, double pHigh, CancelToken cancel,
                           const PreloadedChunks& preloaded) {
  if (bins < 1 || bins > (1 << 20))
    throw Error(ErrorKind::InvalidArgument, "histogram: bins must be from 1 to 1048576");
  RoiStatsRequest req;
  req.level = level;
  req.box = box;
  req.percentiles = {pLow, pHigh};
  req.preloaded = preloaded;
  Histogram h;
  h.level = level;
  h.stats = computeRoiStats(loader, ds, req, cancel);
  h.pLow = h.stats.percentiles[0].second;
  h.pHigh = h.stats.percentiles[1].second;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  // The bins span the finite values (p0/p100 of the finite values when there are infinities).
  h.lo = std::isfinite(h.stats.min) ? h.stats.min : h.pLow;
  h.hi = std::isfinite(h.stats.max) ? h.stats.max : h.pHigh;
  if (!std::isfinite(h.lo) || !std::isfinite(h.hi)) return h;  // no finite value
  const double width = h.hi > h.lo ? (h.hi - h.lo) / bins : 1;
  const DatasetInfo& info = ds->info();
  visitRegionThroughLoader(
      loader, ds, level, h.stats.box,
      [&](const Volume& chunk, const Box& cb, const Box& o) {
        for (std::int64_t c = o.begin[4]; c < o.end[4]; ++c)
          for (std::int64_t t = o.begin[3]; t < o.end[3]; ++t)
            for (std::int64_t z = o.begin[2]; z < o.end[2]; ++z)
              for (std::int64_t y = o.begin[1]; y < o.end[1]; ++y) {
                const std::size_t row =
                    chunk.offsetOf(o.begin[0] - cb.begin[0], y - cb.begin[1], z - cb.begin[2],
                                   t - cb.begin[3], c - cb.begin[4]);
                for (std::int64_t x = 0; x < o.end[0] - o.begin[0]; ++x) {
                  const double v = info.scaled(readAsDouble(chunk.data.data(), chunk.dtype,
                                                            row + static_cast<std::size_t>(x)));
                  if (!std::isfinite(v) || v < h.lo || v > h.hi) continue;
                  auto b = static_cast<std::int64_t>((v - h.lo) / width);
                  b = std::clamp<std::int64_t>(b, 0, bins - 1);
                  ++h.counts[static_cast<std::size_t>(b)];
                }
              }
      },
      cancel, {}, preloaded);
  return h;
}

}  // namespace nz
