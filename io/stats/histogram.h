#pragma once
// A value histogram of a region of one level (scaled values, NaN and infinities left out),
// with exact low/high percentiles (nz::computeRoiStats) for an automatic display window.
// Streams like computeRoiStats: one more pass over the region for the bins (served from the
// loader's cache when the region fits it).
#include <cstdint>
#include <vector>

#include "stats/roi_stats.h"

namespace nz {

struct Histogram {
  int level = 0;
  double lo = 0, hi = 0;  // range of the bins: [lo, hi] split into counts.size() equal bins
  std::vector<std::uint64_t> counts;
  double pLow = 0, pHigh = 0;  // the requested percentiles' values
  RoiStats stats;
};

// Throws nz::Error like computeRoiStats.
Histogram computeHistogram(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                           const Box& box, int bins, double pLow, double pHigh,
                           CancelToken cancel = {}, const PreloadedChunks& preloaded = {});

}  // namespace nz
