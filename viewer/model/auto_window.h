#pragma once
// The "Auto" display window from a sample of voxel values (the coarsest pyramid level, which
// arrives first). Robust percentiles ignore outliers (metal in CT, hot voxels), but on a scan
// without outliers the 99.5th percentile of a smoothed coarse level sits inside the brightest
// tissue (white matter in a T1) and saturates it; when the maximum is close above that
// percentile (within 10 % of the percentile range) it is no outlier, and the window reaches it.
#include <vector>

namespace nzviewer {

struct WindowRange {
  double low = 0, high = 1;
};

// `values` is reordered. Returns {0, 1} when there is no finite value.
WindowRange autoWindowFromSample(std::vector<double>& values);

}  // namespace nzviewer
