#pragma once
// One orthogonal slice view (axial, coronal or sagittal) of the shared ViewerState: shows the
// best loaded level of the plane through the crosshair, the crosshair, R/L/A/P/S/I labels and
// a thin progress bar. Input: left click/drag sets the crosshair; wheel or PgUp/PgDn/Up/Down
// steps the slice; Ctrl+wheel zooms about the cursor; middle drag or Shift+left drag pans;
// right drag changes window (horizontal) and level (vertical); Home or R resets the view.
//
// Coordinates. Widget: logical pixels, y down. Display: mm in the view plane, x right, y up
// (display = direction * voxel index * voxel size, so the voxel grid is never resampled).
// Voxel: continuous level-0 voxel indices (NIfTI order).
#include <QPointF>
#include <vector>

#include "data/slice_composer.h"
#include "layers/layer_slice.h"
#include "loader/slice_request.h"
#include "model/orientation.h"
#include "render/vtk_gl_widget.h"

class QProgressBar;

namespace nzviewer {

class DataSource;
class ViewerState;
class SliceOverlay;

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
  void setZoom(double zoom, const QPointF& anchorWidget);
  void panBy(const QPointF& deltaWidget);
  void resetView();  // fit the slice in the view

  // For the loader: the plane through the crosshair, windowed to what is on screen.
  nz::SliceView loaderView() const;
  void setDisplayLevel(int level);
  int displayLevel() const { return level_; }
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
  void recompose();      // rebuild the image from the delivered chunks
  void onDataChanged();  // dataset opened/closed: reset the scene

 signals:
  void viewChanged();  // zoom, pan or resize: the wanted chunks changed
  void cursorMoved(const QPointF& widgetPos);
  void cursorLeft();

 protected:
  void prepareRender() override;
  void resizeGL(int w, int h) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  void stepSlice(int steps);
  void setCrosshairFromWidget(const QPointF& w);
  void updateProgress();
  void updateScene();
  void composeLayers();

  ViewKind kind_;
  ViewerState* state_;
  DataSource* source_;
  ViewAxes axes_;
  std::array<double, 3> spacing_{1, 1, 1};
  QPointF center_{0, 0};
  double zoom_ = 1;
  bool viewInitialised_ = false;
  int level_ = 0;
  ComposedSlice slice_;
  std::vector<std::pair<int, LayerSlice>> layerSlices_;
  bool hasData_ = false;
  enum class Drag { None, Crosshair, Pan, WindowLevel, Overlay } drag_ = Drag::None;
  QPointF dragStart_, dragLast_;
  double dragWindow_ = 1, dragLevel_ = 0;
  std::vector<SliceOverlay*> overlays_;
  QProgressBar* progress_ = nullptr;
  struct Scene;
  Scene* scene_;
};

}  // namespace nzviewer
