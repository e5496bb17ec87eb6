#pragma once
// The 3D view: the image volume-rendered in world space (mm, RAS) with VTK's GPU ray caster
// (composite with a transfer function from the window and colour map, maximum intensity
// projection, or an iso-surface), the three slice planes outlined through the crosshair, the
// crosshair, the ROI boxes as wireframes, label surfaces, and a head-cube orientation marker.
// Left drag rotates, middle drag (or Shift+left) pans, wheel or right drag zooms; a left click
// without a drag picks the point on the rendered volume (pointPicked); double click asks for
// the view to be maximised. It only displays what it is given (view3d_controller feeds it).
#include <QElapsedTimer>
#include <QPoint>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "dataset/dataset.h"
#include "loader/level_of_detail.h"
#include "model/colormaps.h"
#include "render/vtk_gl_widget.h"
#include "view3d/label_surfaces.h"
#include "view3d/strip_refiner.h"
#include "view3d/volume_lod.h"

class vtkImageData;
class vtkPolyData;

namespace nzviewer {

enum class RenderMode3d { Composite = 0, Mip = 1, IsoSurface = 2 };
enum class Preset3d { Custom = 0, Mip = 1, CtBone = 2, MriBrain = 3 };
enum class StandardView { Anterior, Posterior, Left, Right, Superior, Inferior };

// The 3D camera in world mm (RAS), as sessions keep it.
struct Camera3d {
  std::array<double, 3> position{}, focalPoint{}, viewUp{0, 0, 1};
  double viewAngle = 30;  // degrees
};

struct Box3d {
  nz::Box level0;  // voxels of level 0
  std::array<unsigned char, 3> rgb{200, 170, 40};
};

class View3D : public VtkGlWidget {
  Q_OBJECT
 public:
  explicit View3D(QWidget* parent = nullptr);
  ~View3D() override;

  // The dataset's geometry (level-0 affine for the context; none: nothing drawn).
  void setDataset(std::shared_ptr<const nz::Dataset> dataset);
  // Shows `volume` (voxels of level volume->level) in place of the current one; the camera is
  // kept, except for the first volume of a dataset, which resets it.
  void setVolume(std::shared_ptr<const LevelVolume> volume);
  std::shared_ptr<const LevelVolume> volume() const { return volume_; }
  // How often VTK scanned the dataset's volumes for their range on this (the GUI) thread since
  // setDataset: never for volumes whose range came with them (LevelVolume::hasRange, as the
  // streamer's do).
  int rangeScans() const;
  // Transfer function inputs: the window (scaled intensities) and colour map of the slices.
  void setWindow(double low, double high, Colormap map);
  void setMode(RenderMode3d mode);
  RenderMode3d mode() const { return mode_; }
  void applyPreset(Preset3d preset);
  Preset3d preset() const { return preset_; }
  double isoValue() const;

  void setCrosshair(const nz::Point3& level0Voxel);
  void setRois(const std::vector<Box3d>& boxes);
  // Label surfaces (world mm), each in its colour; replaces the earlier ones.
  void setLabelSurfaces(const std::vector<LabelSurface>& surfaces);
  std::size_t labelSurfaceCount() const { return labelSurfaceCount_; }
  void setContextVisible(bool on);

  void resetCamera();
  Camera3d camera() const;
  // Applies `camera` now, or, before the dataset's first volume has arrived (which would reset
  // the camera to the anterior view), when it arrives.
  void setCamera3d(const Camera3d& camera);
  bool hasCamera() const { return cameraSet_; }
  void standardView(StandardView v);
  // The level-0 voxel under widget point `p` (logical pixels): the brightest along the ray in
  // MIP mode, else the first voxel at or above the opacity threshold. nullopt: nothing there.
  std::optional<nz::Point3> pickVoxel(const QPointF& p);
  // Widget point (logical pixels) where world point `w` projects.
  QPointF worldToWidget(const nz::Point3& world);
  // Whether the picture shown is the final one: no render pending and, under software GL, no
  // full-quality strip of it left to cast (StripRefiner).
  bool pictureComplete() const { return !renderPending() && !uploadPass_ && !refiner_.refining(); }
  nz::Point3 voxelToWorld(const nz::Point3& level0Voxel) const;
  // Whether the last render uploaded new voxels (software GL: a render of their own).
  bool lastRenderUploaded() const { return uploadPass_; }

 signals:
  void pointPicked(const nz::Point3& level0Voxel);
  void maximiseRequested();

 protected:
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void initializeGL() override;
  void prepareRender() override;
  void renderRequested() override;
  bool showFrame() const override;
  void setWarmUpScene(bool on) override;

 private:
  void passDone();  // the render observer, after a cast: times it, asks for the next strip
  void updateTransferFunctions();
  void updateContext();
  void setCamera(const nz::Point3& direction, const nz::Point3& up);

  struct Vtk;
  std::unique_ptr<Vtk> vtk_;
  std::shared_ptr<const nz::Dataset> dataset_;
  const nz::DatasetInfo* info_ = nullptr;  // dataset_->info()
  std::shared_ptr<const LevelVolume> volume_;
  double low_ = 0, high_ = 1;
  Colormap colormap_ = Colormap::Grey;
  RenderMode3d mode_ = RenderMode3d::Composite;
  Preset3d preset_ = Preset3d::MriBrain;
  nz::Point3 crosshair_{0, 0, 0};
  std::vector<Box3d> rois_;
  bool contextVisible_ = true, contextDirty_ = true, cameraSet_ = false;
  std::optional<Camera3d> pendingCamera_;  // setCamera3d before the first volume
  QPointF pressPos_;
  bool pressed_ = false;
  bool inRender_ = false;
  std::size_t labelSurfaceCount_ = 0;
  bool firstFrame_ = false;  // the next render is the dataset's first with a volume
  StripRefiner refiner_;     // software GL: coarse whole frame, then full-quality strips
  StripRefiner::Pass pass_;  // the pass being cast
  float coarseDistance_ = float(StripRefiner::kCoarseDistance);  // of the last whole pass
  QElapsedTimer passClock_;
  mutable QElapsedTimer shownClock_;  // since strips were last shown
  bool uploadPending_ = false;        // software GL: new voxels, uploaded in a render of their own
  bool uploadPass_ = false;           // the last render only uploaded them
  bool refineRequest_ = false;  // requestRender for the next strip (not a change of the scene)
  std::vector<std::uint16_t> warmCodes_;  // the warm-up's stand-in volume
  double codeLow_ = 0, codeScale_ = 1;    // the texture's value of x: (x - codeLow_) * codeScale_
};

}  // namespace nzviewer
