#pragma once
// The "Auto" display window: one definition for the display panel's Auto button, the
// histogram's Auto button, a layer's first window and the reference's window while its coarse
// level arrives. It is the kAutoLowPercentile..kAutoHighPercentile percentiles of the values
// (numpy's 'linear' percentile, as nz::computeRoiStats and the histogram compute them), with one
// exception: robust percentiles ignore outliers (metal in CT, hot voxels), but on a scan without
// outliers the 99.5th percentile of a smoothed level sits inside the brightest tissue (white
// matter in a T1) and saturates it; when the maximum is close above that percentile (within 10 %
// of the percentile range) it is no outlier, and the window reaches it.
#include <vector>

namespace nzviewer {

struct WindowRange {
  double low = 0, high = 1;
};

inline constexpr double kAutoLowPercentile = 0.5;
inline constexpr double kAutoHighPercentile = 99.5;

// From the percentiles and the range of the same (finite) values; {0, 1} when they are not
// finite, {low, low + 1} when the values are all equal.
WindowRange autoWindowFromPercentiles(double pLow, double pHigh, double min, double max);

// From a sample of values (non-finite ones ignored): its percentiles, then as above. `values`
// is reordered. Returns {0, 1} when there is no finite value.
WindowRange autoWindowFromSample(std::vector<double>& values);

}  // namespace nzviewer
