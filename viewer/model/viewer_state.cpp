#include "model/viewer_state.h"

#include <algorithm>
#include <cmath>

namespace nzviewer {

void ViewerState::reset(const nz::DatasetInfo& info) {
  info_ = info;
  for (int i = 0; i < 3; ++i)
    crosshair_[i] = static_cast<double>(std::max<std::int64_t>(info.shape[i], 1) / 2);
  t_ = 0;
  c_ = 0;
  emit crosshairChanged();
  emit timeChannelChanged();
}

void ViewerState::setCrosshair(const nz::Point3& p) {
  nz::Point3 q;
  for (int i = 0; i < 3; ++i)
    q[i] = std::clamp(std::round(p[i]), 0.0,
                      static_cast<double>(std::max<std::int64_t>(info_.shape[i], 1) - 1));
  if (q == crosshair_) return;
  crosshair_ = q;
  emit crosshairChanged();
}

void ViewerState::setCrosshairAxis(int axis, double value) {
  nz::Point3 p = crosshair_;
  p[axis] = value;
  setCrosshair(p);
}

void ViewerState::setTimeIndex(std::int64_t t) {
  t = std::clamp<std::int64_t>(t, 0, std::max<std::int64_t>(info_.shape[3], 1) - 1);
  if (t == t_) return;
  t_ = t;
  emit timeChannelChanged();
}

void ViewerState::setChannel(std::int64_t c) {
  c = std::clamp<std::int64_t>(c, 0, std::max<std::int64_t>(info_.shape[4], 1) - 1);
  if (c == c_) return;
  c_ = c;
  emit timeChannelChanged();
}

void ViewerState::setWindowLevel(double window, double level) {
  if (!std::isfinite(window) || !std::isfinite(level)) return;
  window = std::max(window, 1e-12);
  if (window == window_ && level == level_) return;
  window_ = window;
  level_ = level;
  emit displayChanged();
}

void ViewerState::setColormap(Colormap map) {
  if (map == colormap_) return;
  colormap_ = map;
  emit displayChanged();
}

}  // namespace nzviewer
