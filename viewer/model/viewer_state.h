#pragma once
// What the three views share: the crosshair, time/channel, window/level and colour map.
// Views and panels observe it; any of them may change it (linked views).
#include <QObject>

#include "loader/level_of_detail.h"
#include "model/colormaps.h"

namespace nzviewer {

class ViewerState : public QObject {
  Q_OBJECT
 public:
  explicit ViewerState(QObject* parent = nullptr) : QObject(parent) {}

  // Resets everything for a newly opened dataset (crosshair at the centre).
  void reset(const nz::DatasetInfo& info);
  const nz::DatasetInfo& info() const { return info_; }

  // Crosshair in level-0 voxel indices (integers, clamped to the volume).
  nz::Point3 crosshair() const { return crosshair_; }
  void setCrosshair(const nz::Point3& p);
  void setCrosshairAxis(int axis, double value);

  std::int64_t timeIndex() const { return t_; }
  std::int64_t channel() const { return c_; }
  void setTimeIndex(std::int64_t t);
  void setChannel(std::int64_t c);

  double window() const { return window_; }
  double level() const { return level_; }
  double low() const { return level_ - window_ / 2; }
  double high() const { return level_ + window_ / 2; }
  void setWindowLevel(double window, double level);
  void setRange(double lo, double hi) { setWindowLevel(hi - lo, (lo + hi) / 2); }

  Colormap colormap() const { return colormap_; }
  void setColormap(Colormap map);
  double maxLabel() const { return maxLabel_; }
  void setMaxLabel(double v) { maxLabel_ = v; }

 signals:
  void crosshairChanged();
  void timeChannelChanged();
  void displayChanged();  // window/level or colour map

 private:
  nz::DatasetInfo info_;
  nz::Point3 crosshair_{0, 0, 0};
  std::int64_t t_ = 0, c_ = 0;
  double window_ = 1, level_ = 0.5;
  Colormap colormap_ = Colormap::Grey;
  double maxLabel_ = 255;
};

}  // namespace nzviewer
