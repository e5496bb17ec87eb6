#include "views/slice_view.h"

#include <vtkActor.h>
#include <vtkActor2D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty.h>
#include <vtkProperty2D.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <QFocusEvent>
#include <QKeyEvent>
#include <QMetaMethod>
#include <QMouseEvent>
#include <QWheelEvent>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "views/progress_strip.h"
#include "views/slice_overlay.h"
#include "views/view_composer.h"

namespace nzviewer {

struct SliceView::Scene {
  vtkNew<vtkImageData> image;
  vtkNew<vtkImageSliceMapper> mapper;
  vtkNew<vtkImageSlice> slice;
  vtkNew<vtkLookupTable> lut;
  // Layers, composited on the CPU into one RGBA image (straight alpha) drawn over the image.
  vtkNew<vtkImageData> layerImage;
  vtkNew<vtkImageSliceMapper> layerMapper;
  vtkNew<vtkImageSlice> layerSlice;
  int layerW = -1, layerH = -1;
  // Composing off the GUI thread: the newest request's generation, and whether its result is
  // still to come (then the view is not complete).
  std::unique_ptr<ComposeWorker> worker;
  std::uint64_t generation = 0;
  bool pending = false;
  vtkNew<vtkPoints> crossPoints;
  vtkNew<vtkPolyData> cross;
  vtkNew<vtkActor> crossActor;
  vtkNew<vtkTextActor> labels[4];  // left, right, top, bottom
  vtkNew<vtkTextActor> corner;     // view name, slice, level
  vtkNew<vtkPoints> framePoints;   // the focus frame, in display pixels
  vtkNew<vtkPolyData> frame;
  vtkNew<vtkActor2D> frameActor;
  int imageW = -1, imageH = -1;
};

SliceView::SliceView(ViewKind kind, ViewerState* state, DataSource* source, QWidget* parent)
    : VtkGlWidget(parent), kind_(kind), state_(state), source_(source), scene_(new Scene) {
  setForwardEventsToVtk(false);  // this view interprets input itself
  setObjectName(QString("%1View").arg(viewKindName(kind)));
  setMinimumSize(120, 120);
  Scene& s = *scene_;
  s.mapper->SetInputData(s.image);
  s.mapper->SliceAtFocalPointOff();
  s.mapper->SliceFacesCameraOff();
  s.mapper->SetOrientationToZ();
  s.slice->SetMapper(s.mapper);
  s.slice->GetProperty()->SetLookupTable(s.lut);
  s.slice->GetProperty()->UseLookupTableScalarRangeOn();
  s.slice->GetProperty()->SetInterpolationTypeToNearest();
  s.slice->VisibilityOff();
  renderer()->AddViewProp(s.slice);
  s.layerMapper->SetInputData(s.layerImage);
  s.layerMapper->SliceAtFocalPointOff();
  s.layerMapper->SliceFacesCameraOff();
  s.layerMapper->SetOrientationToZ();
  s.layerSlice->SetMapper(s.layerMapper);
  s.layerSlice->GetProperty()->SetInterpolationTypeToNearest();
  s.layerSlice->GetProperty()->SetColorWindow(255);  // RGBA bytes shown as they are
  s.layerSlice->GetProperty()->SetColorLevel(127.5);
  s.layerSlice->VisibilityOff();
  renderer()->AddViewProp(s.layerSlice);

  s.crossPoints->SetNumberOfPoints(4);
  vtkNew<vtkCellArray> lines;
  const vtkIdType l0[2] = {0, 1}, l1[2] = {2, 3};
  lines->InsertNextCell(2, l0);
  lines->InsertNextCell(2, l1);
  s.cross->SetPoints(s.crossPoints);
  s.cross->SetLines(lines);
  vtkNew<vtkPolyDataMapper> crossMapper;
  crossMapper->SetInputData(s.cross);
  s.crossActor->SetMapper(crossMapper);
  s.crossActor->GetProperty()->SetColor(0.3, 0.6, 1.0);
  s.crossActor->GetProperty()->SetLineWidth(1);
  s.crossActor->VisibilityOff();
  renderer()->AddViewProp(s.crossActor);

  for (auto& label : s.labels) {
    label->GetTextProperty()->SetFontSize(15);
    label->GetTextProperty()->SetColor(1.0, 0.85, 0.3);
    label->GetTextProperty()->SetJustificationToCentered();
    label->GetTextProperty()->SetVerticalJustificationToCentered();
    label->GetTextProperty()->BoldOn();
    label->GetTextProperty()->ShadowOn();  // readable on bright images too
    label->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    renderer()->AddViewProp(label);
  }
  s.labels[0]->SetPosition(0.03, 0.5);
  s.labels[1]->SetPosition(0.97, 0.5);
  s.labels[2]->SetPosition(0.5, 0.96);
  s.labels[3]->SetPosition(0.5, 0.04);
  s.corner->GetTextProperty()->SetFontSize(12);
  s.corner->GetTextProperty()->SetColor(0.85, 0.85, 0.85);
  s.corner->GetTextProperty()->SetVerticalJustificationToTop();
  s.corner->GetTextProperty()->ShadowOn();
  s.corner->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  s.corner->SetPosition(0.01, 0.99);
  renderer()->AddViewProp(s.corner);
  // The focus frame: a closed polyline along the border, drawn only while the view has focus.
  s.framePoints->SetNumberOfPoints(5);
  vtkNew<vtkCellArray> frameLine;
  const vtkIdType ring[5] = {0, 1, 2, 3, 4};
  frameLine->InsertNextCell(5, ring);
  s.frame->SetPoints(s.framePoints);
  s.frame->SetLines(frameLine);
  vtkNew<vtkPolyDataMapper2D> frameMapper;
  frameMapper->SetInputData(s.frame);
  s.frameActor->SetMapper(frameMapper);
  s.frameActor->GetProperty()->SetColor(kFocusFrameRgb[0], kFocusFrameRgb[1], kFocusFrameRgb[2]);
  s.frameActor->GetProperty()->SetLineWidth(3);
  s.frameActor->VisibilityOff();
  renderer()->AddViewProp(s.frameActor);
  renderer()->SetBackground(0.0, 0.0, 0.0);
  renderer()->GetActiveCamera()->ParallelProjectionOn();

  progress_ = new ProgressStrip(this);
  progress_->setFixedHeight(4);
  progress_->hide();
  onDataChanged();
}

SliceView::~SliceView() {
  for (SliceOverlay* o : overlays_) o->detach(*this);
  scene_->worker.reset();  // joins; a result it posted is discarded with this object
  delete scene_;
}

// --- coordinates -------------------------------------------------------------------------

QPointF SliceView::widgetToDisplay(const QPointF& w) const {
  return {center_.x() + (w.x() - width() / 2.0) / zoom_,
          center_.y() - (w.y() - height() / 2.0) / zoom_};
}

QPointF SliceView::displayToWidget(const QPointF& d) const {
  return {width() / 2.0 + (d.x() - center_.x()) * zoom_,
          height() / 2.0 - (d.y() - center_.y()) * zoom_};
}

nz::Point3 SliceView::displayToVoxel(const QPointF& d) const {
  nz::Point3 v = state_->crosshair();
  v[axes_.screenX] = d.x() / (axes_.dirX * spacing_[axes_.screenX]);
  v[axes_.screenY] = d.y() / (axes_.dirY * spacing_[axes_.screenY]);
  return v;
}

QPointF SliceView::voxelToDisplay(const nz::Point3& v) const {
  return {axes_.dirX * v[axes_.screenX] * spacing_[axes_.screenX],
          axes_.dirY * v[axes_.screenY] * spacing_[axes_.screenY]};
}

// --- view control -------------------------------------------------------------------------

void SliceView::setZoom(double zoom, const QPointF& anchorWidget) {
  zoom = std::clamp(zoom, 1e-6, 1e6);
  const QPointF before = widgetToDisplay(anchorWidget);
  zoom_ = zoom;
  const QPointF after = widgetToDisplay(anchorWidget);
  center_ += before - after;  // keep the point under the cursor fixed
  userAdjusted_ = true;
  requestRender();
  emit viewChanged();
}

void SliceView::panBy(const QPointF& deltaWidget) {
  center_ -= QPointF(deltaWidget.x() / zoom_, -deltaWidget.y() / zoom_);
  userAdjusted_ = true;
  requestRender();
  emit viewChanged();
}

double SliceView::fitZoom() const {
  const nz::DatasetInfo& info = state_->info();
  const int ax = axes_.screenX, ay = axes_.screenY;
  const double extX = double(std::max<std::int64_t>(info.shape[ax], 1)) * spacing_[ax];
  const double extY = double(std::max<std::int64_t>(info.shape[ay], 1)) * spacing_[ay];
  const int w = std::max(width(), 1), h = std::max(height(), 1);
  return 0.95 * std::min(w / extX, h / extY);
}

void SliceView::resetView() {
  const nz::DatasetInfo& info = state_->info();
  const int ax = axes_.screenX, ay = axes_.screenY;
  const double nx = double(std::max<std::int64_t>(info.shape[ax], 1));
  const double ny = double(std::max<std::int64_t>(info.shape[ay], 1));
  zoom_ = fitZoom();
  // voxelToDisplay reads only the in-plane axes; build the point with them in place.
  nz::Point3 c{};
  c[ax] = (nx - 1) / 2;
  c[ay] = (ny - 1) / 2;
  center_ = voxelToDisplay(c);
  viewInitialised_ = true;
  userAdjusted_ = false;
  requestRender();
  emit viewChanged();
}

nz::ViewSlice SliceView::loaderView() const {
  nz::ViewSlice v;
  const nz::Point3 a = widgetToVoxel(QPointF(0, height()));
  const nz::Point3 b = widgetToVoxel(QPointF(width(), 0));
  v.plane.axis = axes_.normal;
  v.plane.position = state_->crosshair()[axes_.normal];
  v.plane.t = state_->timeIndex();
  const auto uv = nz::inPlaneAxes(axes_.normal);
  auto range = [&](int axis, double& lo, double& hi) {
    lo = std::min(a[axis], b[axis]);
    hi = std::max(a[axis], b[axis]);
  };
  range(uv[0], v.plane.u0, v.plane.u1);
  range(uv[1], v.plane.v0, v.plane.v1);
  v.screenPixelMm = zoom_ > 0 ? 1.0 / (zoom_ * devicePixelRatioF()) : 0;
  return v;
}

void SliceView::setDisplayLevel(int level) { level_ = level; }

void SliceView::setLinearInterpolation(bool on) {
  linear_ = on;
  if (on)
    scene_->slice->GetProperty()->SetInterpolationTypeToLinear();
  else
    scene_->slice->GetProperty()->SetInterpolationTypeToNearest();
  requestRender();
}

void SliceView::setIntensityRange(double lo, double hi) {
  intensitySpan_ = std::isfinite(hi - lo) && hi > lo ? hi - lo : 0;
}

double SliceView::intensityPerPixel() const {
  // 500 px (about a view's width) sweep the whole data range: a uint8 image moves ~0.5 grey
  // level per pixel, a float image of 0..1e6 moves 2000. Before the range is known, the
  // window's own width sets the speed.
  const double span = intensitySpan_ > 0 ? intensitySpan_ : std::max(state_->window(), 1e-12);
  return span / 500.0;
}

// --- data ---------------------------------------------------------------------------------

void SliceView::onDataChanged() {
  hasData_ = false;
  slice_ = {};
  ++scene_->generation;  // results composed from the previous dataset are dropped
  scene_->pending = false;
  viewInitialised_ = false;
  if (source_ && source_->isOpen()) {
    const nz::DatasetInfo& info = source_->dataset()->info();
    axes_ = viewAxes(kind_, nearestAxes(info.affine));
    spacing_ = displaySpacing(info);
    if (width() > 1 && height() > 1) resetView();
  } else {
    axes_ = viewAxes(kind_, AxisMapping{});
  }
  scene_->slice->VisibilityOff();
  scene_->layerSlice->VisibilityOff();
  layerSlices_.clear();
  updateScene();
  updateProgress();
  requestRender();
}

ComposeInput SliceView::composeInput() const {
  ComposeInput in;
  in.dataset = source_->dataset();
  in.axes = axes_;
  in.spacing = spacing_;
  in.plane = loaderView().plane;
  in.level = level_;
  in.channel = state_->channel();
  in.time = state_->timeIndex();
  in.normalPosition = state_->crosshair()[axes_.normal];
  in.lookup = source_->chunkLookup();
  in.failed = source_->failed();
  for (const auto& layer : source_->layers())
    if (layer->display.visible && layer->overlapsReference)
      in.layers.push_back({std::make_shared<const Layer>(*layer), layerLevel(layer->id)});
  return in;
}

namespace {
std::atomic<bool> composeInBackground{true};
}  // namespace

void SliceView::setComposeInBackground(bool on) { composeInBackground = on; }

void SliceView::recompose() {
  if (!source_ || !source_->isOpen()) return;
  if (!composeInBackground) return composeNow();
  Scene& s = *scene_;
  if (!s.worker) {
    // The result is posted to this object: if the view is gone first, Qt drops the event
    // (the destructor joins the worker before that).
    s.worker = std::make_unique<ComposeWorker>([this](std::uint64_t gen, ComposeOutput out) {
      QMetaObject::invokeMethod(
          this,
          [this, gen, result = std::move(out)]() mutable {
            scene_->worker->resultTaken();
            if (gen != scene_->generation) return;  // overtaken by a newer request
            scene_->pending = false;
            applyComposed(std::move(result));
          },
          Qt::QueuedConnection);
    });
  }
  s.pending = true;
  s.worker->submit(composeInput(), ++s.generation);
}

void SliceView::composeNow() {
  if (!source_ || !source_->isOpen()) return;
  ++scene_->generation;  // a result still on its way is older than this one
  scene_->pending = false;
  applyComposed(composeView(composeInput()));
}

void SliceView::applyComposed(ComposeOutput out) {
  slice_ = std::move(out.slice);
  hasData_ = true;
  Scene& s = *scene_;
  if (slice_.width > 0 && slice_.height > 0) {
    if (s.imageW != slice_.width || s.imageH != slice_.height) {
      s.image->SetDimensions(slice_.width, slice_.height, 1);
      s.image->AllocateScalars(VTK_FLOAT, 1);
      s.imageW = slice_.width;
      s.imageH = slice_.height;
    }
    std::memcpy(s.image->GetScalarPointer(), slice_.pixels.data(),
                slice_.pixels.size() * sizeof(float));
    s.image->SetOrigin(slice_.originX, slice_.originY, 0);
    s.image->SetSpacing(slice_.spacingX, slice_.spacingY, 1);
    s.image->Modified();
    s.slice->SetVisibility(slice_.finestLevelShown >= 0);
  } else {
    s.slice->VisibilityOff();
  }
  layerSlices_ = std::move(out.layerSlices);
  if (out.rgba.empty() || layerSlices_.empty()) {
    s.layerSlice->VisibilityOff();
  } else {
    if (s.layerW != slice_.width || s.layerH != slice_.height) {
      s.layerImage->SetDimensions(slice_.width, slice_.height, 1);
      s.layerImage->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
      s.layerW = slice_.width;
      s.layerH = slice_.height;
    }
    std::memcpy(s.layerImage->GetScalarPointer(), out.rgba.data(), out.rgba.size());
    // Between the image (z = 0) and the crosshair (z = 1).
    s.layerImage->SetOrigin(slice_.originX, slice_.originY, 0.5);
    s.layerImage->SetSpacing(slice_.spacingX, slice_.spacingY, 1);
    s.layerImage->Modified();
    s.layerSlice->VisibilityOn();
  }
  updateProgress();
  requestRender();
  // What is under the pointer may have changed (slice step, chunks arrived): readouts follow.
  if (hovered_) emit cursorMoved(lastMouse_);
  emit composed();
}

bool SliceView::sliceComplete() const {
  if (scene_->pending || !hasData_ || !slice_.complete()) return false;
  for (const auto& [id, ls] : layerSlices_)
    if (!ls.complete()) return false;
  return true;
}

double SliceView::layerValueAt(int id, const QPointF& w) const {
  if (!hasData_ || slice_.width <= 0) return std::nan("");
  const QPointF d = widgetToDisplay(w);
  const long k = std::lround((d.x() - slice_.originX) / slice_.spacingX);
  const long r = std::lround((d.y() - slice_.originY) / slice_.spacingY);
  for (const auto& [lid, ls] : layerSlices_)
    if (lid == id) return ls.valueAt(static_cast<int>(k), static_cast<int>(r));
  return std::nan("");
}

double SliceView::valueAt(const QPointF& w) const {
  if (!hasData_ || slice_.width <= 0) return std::nan("");
  const QPointF d = widgetToDisplay(w);
  const long k = std::lround((d.x() - slice_.originX) / slice_.spacingX);
  const long r = std::lround((d.y() - slice_.originY) / slice_.spacingY);
  if (k < 0 || r < 0 || k >= slice_.width || r >= slice_.height) return std::nan("");
  return slice_.pixels[static_cast<std::size_t>(r) * slice_.width + k];
}

void SliceView::updateProgress() {
  std::size_t total = slice_.targetChunks, ready = slice_.targetChunksReady;
  for (const auto& [id, ls] : layerSlices_) total += ls.targetChunks, ready += ls.targetChunksReady;
  const bool show = hasData_ && total > 0 && ready < total;
  if (show) progress_->setFraction(double(ready) / double(total));
  progress_->setVisible(show);
}

// --- rendering ----------------------------------------------------------------------------

void SliceView::updateScene() {
  Scene& s = *scene_;
  fillLookupTable(s.lut, state_->colormap(), state_->low(), state_->high(), state_->maxLabel());
  s.lut->Modified();
  const bool open = source_ && source_->isOpen();
  for (int i = 0; i < 4; ++i) {
    s.labels[i]->SetInput(axes_.labels[i].c_str());
    s.labels[i]->SetVisibility(open);
  }
  if (open) {
    const nz::Point3 c = state_->crosshair();
    QString text =
        QString("%1  slice %2/%3  level %4")
            .arg(
                QString(viewKindName(kind_)).replace(0, 1, QChar(viewKindName(kind_)[0]).toUpper()))
            .arg(static_cast<qint64>(c[axes_.normal]))
            .arg(state_->info().shape[axes_.normal])
            .arg(slice_.finestLevelShown >= 0 ? QString::number(slice_.finestLevelShown)
                                              : QString("-"));
    s.corner->SetInput(text.toUtf8().constData());
  } else {
    s.corner->SetInput("");
  }
  // Crosshair across the whole visible area, at the crosshair's display position.
  const QPointF p = voxelToDisplay(state_->crosshair());
  const QPointF lo = widgetToDisplay(QPointF(0, height()));
  const QPointF hi = widgetToDisplay(QPointF(width(), 0));
  s.crossPoints->SetPoint(0, lo.x(), p.y(), 1);
  s.crossPoints->SetPoint(1, hi.x(), p.y(), 1);
  s.crossPoints->SetPoint(2, p.x(), lo.y(), 1);
  s.crossPoints->SetPoint(3, p.x(), hi.y(), 1);
  s.crossPoints->Modified();
  s.cross->Modified();
  s.crossActor->SetVisibility(open);

  const int* size = renderer()->GetSize();  // device pixels
  const double fx = std::max(size[0], 2) - 1.5, fy = std::max(size[1], 2) - 1.5;
  s.framePoints->SetPoint(0, 1.5, 1.5, 0);
  s.framePoints->SetPoint(1, fx, 1.5, 0);
  s.framePoints->SetPoint(2, fx, fy, 0);
  s.framePoints->SetPoint(3, 1.5, fy, 0);
  s.framePoints->SetPoint(4, 1.5, 1.5, 0);
  s.framePoints->Modified();
  s.frame->Modified();
  s.frameActor->SetVisibility(hasFocus());

  vtkCamera* cam = renderer()->GetActiveCamera();
  cam->SetFocalPoint(center_.x(), center_.y(), 0);
  cam->SetPosition(center_.x(), center_.y(), 500);
  cam->SetViewUp(0, 1, 0);
  cam->SetParallelScale(std::max(height(), 1) / 2.0 / zoom_);
  cam->SetClippingRange(1, 1000);
  for (SliceOverlay* o : overlays_) o->viewChanged(*this);
}

void SliceView::prepareRender() { updateScene(); }

// Stand-ins for every prop a picture has (the image and layer textures, the crosshair, the
// orientation and corner texts, the focus frame), 2x2 pixels at the view's centre so that no
// prop is culled: rendering them compiles the shaders the first picture needs.
void SliceView::setWarmUpScene(bool on) {
  Scene& s = *scene_;
  if (!on) {
    s.slice->VisibilityOff();
    s.layerSlice->VisibilityOff();
    s.frameActor->VisibilityOff();
    s.corner->SetInput("");
    return;
  }
  const double x0 = center_.x() - 1, y0 = center_.y() - 1;
  s.image->SetDimensions(2, 2, 1);
  s.image->AllocateScalars(VTK_FLOAT, 1);
  s.imageW = s.imageH = 2;
  auto* pixels = static_cast<float*>(s.image->GetScalarPointer());
  for (int i = 0; i < 4; ++i) pixels[i] = static_cast<float>(i);
  s.image->SetOrigin(x0, y0, 0);
  s.image->SetSpacing(1, 1, 1);
  s.image->Modified();
  s.slice->VisibilityOn();
  s.layerImage->SetDimensions(2, 2, 1);
  s.layerImage->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
  s.layerW = s.layerH = 2;
  std::memset(s.layerImage->GetScalarPointer(), 128, 16);
  s.layerImage->SetOrigin(x0, y0, 0.5);
  s.layerImage->SetSpacing(1, 1, 1);
  s.layerImage->Modified();
  s.layerSlice->VisibilityOn();
  for (auto& label : s.labels) label->VisibilityOn();
  s.corner->SetInput("Axial  slice 0/1  level 0");
  s.crossActor->VisibilityOn();
  s.frameActor->VisibilityOn();
}

void SliceView::resizeGL(int w, int h) { VtkGlWidget::resizeGL(w, h); }

void SliceView::resizeEvent(QResizeEvent* e) {
  VtkGlWidget::resizeEvent(e);
  progress_->setGeometry(0, height() - 4, width(), 4);
  if (source_ && source_->isOpen()) {
    // A view the user has not zoomed or panned keeps fitting; otherwise zoom and centre stay.
    if (!viewInitialised_ || !userAdjusted_) {
      resetView();
    } else {
      requestRender();
      emit viewChanged();
    }
  }
}

void SliceView::focusInEvent(QFocusEvent* e) {
  VtkGlWidget::focusInEvent(e);
  requestRender();
}

void SliceView::focusOutEvent(QFocusEvent* e) {
  VtkGlWidget::focusOutEvent(e);
  requestRender();
}

void SliceView::addOverlay(SliceOverlay* overlay) {
  overlays_.push_back(overlay);
  overlay->attach(*this);
  requestRender();
}

void SliceView::removeOverlay(SliceOverlay* overlay) {
  auto it = std::find(overlays_.begin(), overlays_.end(), overlay);
  if (it == overlays_.end()) return;
  overlay->detach(*this);
  overlays_.erase(it);
  requestRender();
}

// --- input --------------------------------------------------------------------------------

void SliceView::setCrosshairFromWidget(const QPointF& w) { state_->setCrosshair(widgetToVoxel(w)); }

void SliceView::stepSlice(int steps) {
  if (!source_ || !source_->isOpen()) return;
  // One voxel of the displayed level (at least one level-0 voxel).
  const auto& info = state_->info();
  const nz::Point3 a = nz::levelToLevel0(info, level_, {0, 0, 0});
  const nz::Point3 b = nz::levelToLevel0(info, level_, {1, 1, 1});
  const double step = std::max(1.0, std::round(std::abs(b[axes_.normal] - a[axes_.normal])));
  state_->setCrosshairAxis(axes_.normal, state_->crosshair()[axes_.normal] + steps * step);
}

void SliceView::moveCrosshairInPlane(int dx, int dy) {
  if (!source_ || !source_->isOpen()) return;
  nz::Point3 c = state_->crosshair();
  c[axes_.screenX] += dx * axes_.dirX;  // screen right
  c[axes_.screenY] += dy * axes_.dirY;  // screen up
  state_->setCrosshair(c);              // clamped to the volume
}

void SliceView::mousePressEvent(QMouseEvent* e) {
  setFocus();
  for (SliceOverlay* o : overlays_)
    if (o->mousePress(*this, e)) {
      drag_ = Drag::Overlay;
      return;
    }
  if (!source_ || !source_->isOpen()) return;
  dragStart_ = dragLast_ = e->position();
  if (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier)) {
    drag_ = Drag::Pan;
  } else if (e->button() == Qt::LeftButton) {
    drag_ = Drag::Crosshair;
    setCrosshairFromWidget(e->position());
  } else if (e->button() == Qt::MiddleButton) {
    drag_ = Drag::Pan;
  } else if (e->button() == Qt::RightButton) {
    drag_ = Drag::WindowLevel;
    dragWindow_ = state_->window();
    dragLevel_ = state_->level();
  }
}

void SliceView::mouseMoveEvent(QMouseEvent* e) {
  if (drag_ == Drag::Overlay || drag_ == Drag::None)
    for (SliceOverlay* o : overlays_)
      if (o->mouseMove(*this, e)) return;
  const QPointF p = e->position();
  switch (drag_) {
    case Drag::Crosshair:
      setCrosshairFromWidget(p);
      break;
    case Drag::Pan:
      panBy(p - dragLast_);
      break;
    case Drag::WindowLevel: {
      // Horizontal: contrast (window: right widens); vertical: brightness (level: up raises),
      // both at intensityPerPixel(), so every data type feels the same.
      const QPointF d = p - dragStart_;
      const double unit = intensityPerPixel();
      const double window = std::max(dragWindow_ + d.x() * unit, unit * 1e-3);
      const double level = dragLevel_ - d.y() * unit;
      state_->setWindowLevel(window, level);
      break;
    }
    default:
      break;
  }
  dragLast_ = p;
  hovered_ = true;
  lastMouse_ = p;
  emit cursorMoved(p);
}

void SliceView::mouseReleaseEvent(QMouseEvent* e) {
  if (drag_ == Drag::Overlay || drag_ == Drag::None)
    for (SliceOverlay* o : overlays_)
      if (o->mouseRelease(*this, e)) break;
  drag_ = Drag::None;
}

void SliceView::mouseDoubleClickEvent(QMouseEvent* e) { mousePressEvent(e); }

void SliceView::wheelEvent(QWheelEvent* e) {
  e->accept();
  const int steps = e->angleDelta().y() / 120 != 0 ? e->angleDelta().y() / 120
                                                   : (e->angleDelta().y() > 0   ? 1
                                                      : e->angleDelta().y() < 0 ? -1
                                                                                : 0);
  if (steps == 0) return;
  hovered_ = true;
  lastMouse_ = e->position();
  if (e->modifiers() & Qt::ControlModifier) {
    setZoom(zoom_ * std::pow(1.2, steps), e->position());
    emit zoomedByUser();
  } else {
    stepSlice(steps);
  }
}

void SliceView::keyPressEvent(QKeyEvent* e) {
  const int n = e->modifiers() & Qt::ShiftModifier ? 10 : 1;
  switch (e->key()) {
    case Qt::Key_PageUp:
      stepSlice(n);
      break;
    case Qt::Key_PageDown:
      stepSlice(-n);
      break;
    case Qt::Key_Left:
      moveCrosshairInPlane(-n, 0);
      break;
    case Qt::Key_Right:
      moveCrosshairInPlane(n, 0);
      break;
    case Qt::Key_Up:
      moveCrosshairInPlane(0, n);
      break;
    case Qt::Key_Down:
      moveCrosshairInPlane(0, -n);
      break;
    case Qt::Key_Home:
    case Qt::Key_R:
      // Whoever fits (OrthoViewer's links) picks the view under the pointer; alone, this one.
      if (isSignalConnected(QMetaMethod::fromSignal(&SliceView::fitRequested)))
        emit fitRequested(e->modifiers() & Qt::ShiftModifier);
      else
        resetView();
      break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      setZoom(zoom_ * 1.2, QPointF(width() / 2.0, height() / 2.0));
      emit zoomedByUser();
      break;
    case Qt::Key_Minus:
      setZoom(zoom_ / 1.2, QPointF(width() / 2.0, height() / 2.0));
      emit zoomedByUser();
      break;
    default:
      VtkGlWidget::keyPressEvent(e);
      return;
  }
  e->accept();
}

void SliceView::leaveEvent(QEvent* e) {
  hovered_ = false;
  emit cursorLeft();
  VtkGlWidget::leaveEvent(e);
}

}  // namespace nzviewer
