#include "model/auto_window.h"

#include <algorithm>
#include <cmath>

#include "stats/roi_stats.h"

namespace nzviewer {

WindowRange autoWindowFromPercentiles(double pLow, double pHigh, double min, double max) {
  if (!std::isfinite(min) || !std::isfinite(max)) return {};
  if (!std::isfinite(pLow) || !std::isfinite(pHigh)) pLow = min, pHigh = max;
  WindowRange w{pLow, pHigh};
  if (!(w.high > w.low)) return {min, max > min ? max : min + 1};
  if (max - w.high <= 0.1 * (w.high - w.low)) w.high = max;
  return w;
}

WindowRange autoWindowFromSample(std::vector<double>& values) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  if (values.empty()) return {};
  const auto [minIt, maxIt] = std::minmax_element(values.begin(), values.end());
  const double min = *minIt, max = *maxIt;
  // numpy.percentile(values, p) with method='linear', bit for bit (nz::numpyLerp), in linear
  // time: the k-th smallest by selection, the (k+1)-th as the minimum of the values above it.
  auto pct = [&values](double p) {
    const double i = static_cast<double>(values.size() - 1) * (p / 100.0);
    const auto k = std::min(static_cast<std::size_t>(std::floor(i)), values.size() - 1);
    const auto kth = values.begin() + static_cast<std::ptrdiff_t>(k);
    std::nth_element(values.begin(), kth, values.end());
    const double a = *kth;
    const double b = kth + 1 == values.end() ? a : *std::min_element(kth + 1, values.end());
    return nz::numpyLerp(a, b, i - static_cast<double>(k));
  };
  const double pLow = pct(kAutoLowPercentile);
  const double pHigh = pct(kAutoHighPercentile);
  return autoWindowFromPercentiles(pLow, pHigh, min, max);
}

}  // namespace nzviewer
