#pragma once
// One orthogonal slice view (axial, coronal or sagittal) of the shared ViewerState: shows the
// best loaded level of the plane through the crosshair, the crosshair, R/L/A/P/S/I labels, a
// thin progress bar and, while it has keyboard focus, an orange frame. Input: left click/drag
// sets the crosshair; arrow keys move it one voxel in the plane (Shift: 10); wheel or PgUp/PgDn
// steps the slice (Shift: 10); Ctrl+wheel or +/- zooms about the cursor; middle drag or
// Shift+left drag pans; right drag changes window (horizontal) and level (vertical), at a speed
// set by the data range (setIntensityRange); Home or R asks for a fit (fitRequested).
// A view the user has not zoomed or panned refits itself when resized.
//
// Coordinates. Widget: logical pixels, y down. Display: mm in the view plane, x right, y up
// (display = direction * voxel index * voxel size, so the voxel grid is never resampled).
// Voxel: continuous level-0 voxel indices (NIfTI order).
#include <QPointF>
#include <array>
#include <vector>

#include "data/slice_composer.h"
#include "layers/layer_slice.h"
#include "loader/slice_request.h"
#include "model/orientation.h"
#include "render/vtk_gl_widget.h"

namespace nzviewer {

class DataSource;
class ViewerState;
struct ComposeInput;
struct ComposeOutput;
class SliceOverlay;
class ProgressStrip;

// Colour of the frame around the view with keyboard focus (RGB 0..1).
inline constexpr std::array<double, 3> kFocusFrameRgb{1.0, 0.55, 0.0};

class SliceView : public VtkGlWidget {
  Q_OBJECT
 public:
  SliceView(ViewKind kind, ViewerState* state, DataSource* source, QWidget* parent = nullptr);
  ~SliceView() override;

  ViewKind kind() const { return kind_; }
  const ViewAxes& axes() const { return axes_; }

  // Coordinate mapping (see the header comment).
  QPointF widgetToDisplay(const QPointF& w) const;
  QPointF displayToWidget(const QPointF& d) const;
  nz::Point3 displayToVoxel(const QPointF& d) const;  // normal coordinate = crosshair's
  QPointF voxelToDisplay(const nz::Point3& v) const;
  nz::Point3 widgetToVoxel(const QPointF& w) const { return displayToVoxel(widgetToDisplay(w)); }
  QPointF voxelToWidget(const nz::Point3& v) const { return displayToWidget(voxelToDisplay(v)); }

  double zoom() const { return zoom_; }  // logical pixels per mm
  QPointF center() const { return center_; }
  // Zoom and pan mark the view as adjusted by the user (it keeps them on resize); resetView
  // fits the slice in the view and clears the mark.
  void setZoom(double zoom, const QPointF& anchorWidget);
  void panBy(const QPointF& deltaWidget);
  void resetView();
  double fitZoom() const;  // the zoom resetView would choose
  bool userAdjusted() const { return userAdjusted_; }

  // Display interpolation of the image (layers stay nearest: labels must not blend).
  void setLinearInterpolation(bool on);
  bool linearInterpolation() const { return linear_; }
  // The data's intensity range: a right drag across 500 px changes window or level by it.
  void setIntensityRange(double lo, double hi);
  double intensityPerPixel() const;

  // For the loader: the plane through the crosshair, windowed to what is on screen.
  nz::ViewSlice loaderView() const;
  void setDisplayLevel(int level);
  int displayLevel() const { return level_; }
  // The level this view chose for each layer (id -> level; OrthoViewer sets them with the
  // reference level and sends both down to DataSource).
  void setLayerLevels(std::vector<std::pair<int, int>> levels) { layerLevels_ = std::move(levels); }
  int layerLevel(int id) const {
    for (const auto& [lid, level] : layerLevels_)
      if (lid == id) return level;
    return 0;
  }
  const ComposedSlice& slice() const { return slice_; }
  // The reference and every layer show all chunks of the level they display.
  bool sliceComplete() const;
  // Scaled intensity shown at a widget position (NaN when nothing is loaded there).
  double valueAt(const QPointF& w) const;
  // Layers resampled into this view (bottom to top, as DataSource::layers()), and the value of
  // layer `id` at a widget position (raw label / scaled intensity; NaN when none).
  const std::vector<std::pair<int, LayerSlice>>& layerSlices() const { return layerSlices_; }
  double layerValueAt(int id, const QPointF& w) const;

  void addOverlay(SliceOverlay* overlay);
  void removeOverlay(SliceOverlay* overlay);

 public slots:
  // Rebuilds the image from the delivered chunks on the view's compose worker (the GUI thread
  // only snapshots the inputs and later uploads the finished image; a result overtaken by a
  // newer request is dropped). sliceComplete() is false until the newest result is shown.
  void recompose();
  void composeNow();  // the same, at once on the calling thread (benchmarks, tools)
 public:
  // Off: recompose() composes on the GUI thread, as before the compose workers (the
  // benchmark's baseline, run_layers_bench.sh --gui-compose). Default on.
  static void setComposeInBackground(bool on);
 public slots:
  void onDataChanged();  // dataset opened/closed: reset the scene

 signals:
  void viewChanged();                // zoom, pan or resize: the wanted chunks changed
  void zoomedByUser();               // wheel, keys or drag changed the zoom (linked zoom follows)
  void fitRequested(bool allViews);  // Home / R (Shift: every view and the window)
  // The pointer is over the view at widgetPos: moved, or what is under it changed (slice
  // step, chunks arrived), so readouts follow.
  void cursorMoved(const QPointF& widgetPos);
  void cursorLeft();
  void composed();  // a composed picture (image and layers) was applied

 protected:
  void prepareRender() override;
  void setWarmUpScene(bool on) override;
  void resizeGL(int w, int h) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  void focusInEvent(QFocusEvent* e) override;
  void focusOutEvent(QFocusEvent* e) override;

 private:
  void stepSlice(int steps);
  void moveCrosshairInPlane(int dx, int dy);  // screen directions, level-0 voxels
  void setCrosshairFromWidget(const QPointF& w);
  void updateProgress();
  void updateScene();
  ComposeInput composeInput() const;      // snapshot for composeView (GUI thread)
  void applyComposed(ComposeOutput out);  // upload a finished picture to VTK

  ViewKind kind_;
  ViewerState* state_;
  DataSource* source_;
  ViewAxes axes_;
  std::array<double, 3> spacing_{1, 1, 1};
  QPointF center_{0, 0};
  double zoom_ = 1;
  bool viewInitialised_ = false;
  bool userAdjusted_ = false;
  bool linear_ = false;
  double intensitySpan_ = 0;  // 0: unknown (the window's own size sets the speed)
  bool hovered_ = false;
  QPointF lastMouse_;
  int level_ = 0;
  ComposedSlice slice_;
  std::vector<std::pair<int, LayerSlice>> layerSlices_;
  std::vector<std::pair<int, int>> layerLevels_;
  bool hasData_ = false;
  enum class Drag { None, Crosshair, Pan, WindowLevel, Overlay } drag_ = Drag::None;
  QPointF dragStart_, dragLast_;
  double dragWindow_ = 1, dragLevel_ = 0;
  std::vector<SliceOverlay*> overlays_;
  ProgressStrip* progress_ = nullptr;
  struct Scene;
  Scene* scene_;
};

}  // namespace nzviewer
