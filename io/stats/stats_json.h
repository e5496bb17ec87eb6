#pragma once
// The JSON form of RoiStats: what `nzview-cli stats --json` prints and the viewer's statistics
// dock copies, so both show the same numbers. NaN and infinities are the strings "NaN",
// "Infinity", "-Infinity" (as `info --json`).
#include <string>

#include "stats/roi_stats.h"

namespace nz {

// One JSON object (pretty-printed with `indent` >= 0, one line with -1).
std::string roiStatsJson(const RoiStats& stats, int ndim, int indent = 1);
// The fixed-width text table `nzview-cli stats` prints (one "key  value" line each, then one
// line per label).
std::string roiStatsText(const RoiStats& stats, int ndim);
// "%.6g"-like shortest text of a number ("NaN" for NaN).
std::string statNumber(double v);

}  // namespace nz
