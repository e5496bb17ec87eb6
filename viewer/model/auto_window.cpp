#include "model/auto_window.h"

#include <algorithm>
#include <cmath>

namespace nzviewer {

WindowRange autoWindowFromSample(std::vector<double>& values) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  if (values.empty()) return {};
  auto pct = [&values](double q) {
    const auto k = static_cast<std::ptrdiff_t>(q * double(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + k, values.end());
    return values[static_cast<std::size_t>(k)];
  };
  const double lo = *std::min_element(values.begin(), values.end());
  const double hi = *std::max_element(values.begin(), values.end());
  WindowRange w{pct(0.005), pct(0.995)};
  if (!(w.high > w.low)) return {lo, hi > lo ? hi : lo + 1};
  if (hi - w.high <= 0.1 * (w.high - w.low)) w.high = hi;
  return w;
}

}  // namespace nzviewer
