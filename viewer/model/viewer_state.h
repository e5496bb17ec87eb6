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

  // The crosshair lives in world coordinates (mm, RAS+, through the reference's level-0
  // affine): the state of record, shared with every layer whatever its grid. It may lie between
  // the reference's voxel centres (set from a layer, a session or a typed coordinate); it is
  // kept inside the reference volume (clamped in its voxel space).
  nz::Point3 crosshairWorld() const { return world_; }
  void setCrosshairWorld(const nz::Point3& world);
  // Thin voxel accessors for the reference: the nearest level-0 voxel of the crosshair (integer
  // indices, clamped to the volume). Setting a voxel puts the world crosshair on its centre.
  nz::Point3 crosshair() const { return crosshair_; }
  void setCrosshair(const nz::Point3& p);
  void setCrosshairAxis(int axis, double value);
  // The plane of the view looking along reference voxel axis `axis` (0 sagittal, 1 coronal,
  // 2 axial), in world coordinates: through the crosshair, with the unit normal of that voxel
  // axis (the affine's column; oblique affines give oblique normals).
  struct WorldPlane {
    nz::Point3 point{0, 0, 0};
    nz::Point3 normal{0, 0, 1};
  };
  WorldPlane viewPlaneWorld(int axis) const;
  // World (mm) of a continuous reference level-0 voxel coordinate, and back.
  nz::Point3 voxelToWorld(const nz::Point3& voxel) const;
  nz::Point3 worldToVoxel(const nz::Point3& world) const;

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
  void setCrosshairFromContinuousVoxel(const nz::Point3& voxel);
  nz::Point3 crosshair_{0, 0, 0};  // nearest reference voxel of world_
  nz::Point3 world_{0, 0, 0};
  nz::Matrix4 toWorld_{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  nz::Matrix4 toVoxel_{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  std::int64_t t_ = 0, c_ = 0;
  double window_ = 1, level_ = 0.5;
  Colormap colormap_ = Colormap::Grey;
  double maxLabel_ = 255;
};

}  // namespace nzviewer
