#include "model/viewer_state.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "roi/roi_box.h"

namespace nzviewer {

void ViewerState::reset(const nz::DatasetInfo& info) {
  info_ = info;
  // The reference's level-0 affine; a singular one (no usable orientation) falls back to the
  // voxel size, so the crosshair still has a world position.
  toWorld_ = info.levels.empty() ? info.affine : info.levels[0].affine;
  try {
    toVoxel_ = nz::invertAffine(toWorld_);
  } catch (const std::exception&) {
    toWorld_ = nz::Matrix4{};
    for (int i = 0; i < 3; ++i) toWorld_[i * 5] = info.spacing[i] > 0 ? info.spacing[i] : 1;
    toWorld_[15] = 1;
    toVoxel_ = nz::invertAffine(toWorld_);
  }
  for (int i = 0; i < 3; ++i) {
    const std::int64_t centre = std::max<std::int64_t>(info.shape[i], 1) / 2;  // a whole voxel
    crosshair_[i] = static_cast<double>(centre);
  }
  world_ = voxelToWorld(crosshair_);
  t_ = 0;
  c_ = 0;
  emit crosshairChanged();
  emit timeChannelChanged();
}

nz::Point3 ViewerState::voxelToWorld(const nz::Point3& voxel) const {
  return nz::applyAffine(toWorld_, voxel);
}

nz::Point3 ViewerState::worldToVoxel(const nz::Point3& world) const {
  return nz::applyAffine(toVoxel_, world);
}

void ViewerState::setCrosshairFromContinuousVoxel(const nz::Point3& voxel) {
  nz::Point3 inside, nearest;
  for (int i = 0; i < 3; ++i) {
    const double last = static_cast<double>(std::max<std::int64_t>(info_.shape[i], 1) - 1);
    inside[i] = std::isfinite(voxel[i]) ? std::clamp(voxel[i], 0.0, last) : crosshair_[i];
    nearest[i] = std::clamp(std::round(inside[i]), 0.0, last);
  }
  const nz::Point3 world = voxelToWorld(inside);
  if (world == world_ && nearest == crosshair_) return;
  world_ = world;
  crosshair_ = nearest;
  emit crosshairChanged();
}

void ViewerState::setCrosshairWorld(const nz::Point3& world) {
  setCrosshairFromContinuousVoxel(worldToVoxel(world));
}

void ViewerState::setCrosshair(const nz::Point3& p) {
  nz::Point3 q;
  for (int i = 0; i < 3; ++i) q[i] = std::isfinite(p[i]) ? std::round(p[i]) : crosshair_[i];
  setCrosshairFromContinuousVoxel(q);  // on the voxel centre
}

void ViewerState::setCrosshairAxis(int axis, double value) {
  nz::Point3 p = crosshair_;
  p[axis] = value;
  setCrosshair(p);
}

ViewerState::WorldPlane ViewerState::viewPlaneWorld(int axis) const {
  WorldPlane plane;
  plane.point = world_;
  if (axis < 0 || axis > 2) return plane;
  const nz::Point3 n{toWorld_[axis], toWorld_[4 + axis], toWorld_[8 + axis]};
  const double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (len > 0) plane.normal = {n[0] / len, n[1] / len, n[2] / len};
  return plane;
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
