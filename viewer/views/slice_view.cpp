#include "views/slice_view.h"

#include <vtkActor.h>
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
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QProgressBar>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "views/slice_overlay.h"

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
  vtkNew<vtkLookupTable> layerLut;  // scratch: an image layer's colour map
  std::vector<std::uint8_t> layerRgba;
  int layerW = -1, layerH = -1;
  vtkNew<vtkPoints> crossPoints;
  vtkNew<vtkPolyData> cross;
  vtkNew<vtkActor> crossActor;
  vtkNew<vtkTextActor> labels[4];  // left, right, top, bottom
  vtkNew<vtkTextActor> corner;     // view name, slice, level
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
  renderer()->SetBackground(0.0, 0.0, 0.0);
  renderer()->GetActiveCamera()->ParallelProjectionOn();

  progress_ = new QProgressBar(this);
  progress_->setTextVisible(false);
  progress_->setRange(0, 1000);
  progress_->setFixedHeight(4);
  progress_->setStyleSheet(
      "QProgressBar{border:0;background:#202020}QProgressBar::chunk{background:#3a8ee6}");
  progress_->hide();
  onDataChanged();
}

SliceView::~SliceView() {
  for (SliceOverlay* o : overlays_) o->detach(*this);
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
  requestRender();
  emit viewChanged();
}

void SliceView::panBy(const QPointF& deltaWidget) {
  center_ -= QPointF(deltaWidget.x() / zoom_, -deltaWidget.y() / zoom_);
  requestRender();
  emit viewChanged();
}

void SliceView::resetView() {
  const nz::DatasetInfo& info = state_->info();
  const int ax = axes_.screenX, ay = axes_.screenY;
  const double nx = double(std::max<std::int64_t>(info.shape[ax], 1));
  const double ny = double(std::max<std::int64_t>(info.shape[ay], 1));
  const double extX = nx * spacing_[ax], extY = ny * spacing_[ay];
  const int w = std::max(width(), 1), h = std::max(height(), 1);
  zoom_ = 0.95 * std::min(w / extX, h / extY);
  center_ = voxelToDisplay({(nx - 1) / 2, (ny - 1) / 2, 0});
  // voxelToDisplay reads only the in-plane axes; build the point with them in place.
  nz::Point3 c{};
  c[ax] = (nx - 1) / 2;
  c[ay] = (ny - 1) / 2;
  center_ = voxelToDisplay(c);
  viewInitialised_ = true;
  requestRender();
  emit viewChanged();
}

nz::SliceView SliceView::loaderView() const {
  nz::SliceView v;
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

// --- data ---------------------------------------------------------------------------------

void SliceView::onDataChanged() {
  hasData_ = false;
  slice_ = {};
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

void SliceView::recompose() {
  if (!source_ || !source_->isOpen()) return;
  slice_ = composeSlice(*source_->dataset(), axes_, loaderView().plane, level_, state_->channel(),
                        source_->chunkLookup(), source_->failed());
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
  composeLayers();
  updateProgress();
  requestRender();
}

void SliceView::composeLayers() {
  Scene& s = *scene_;
  layerSlices_.clear();
  const auto& layers = source_->layers();
  if (layers.empty() || slice_.width <= 0 || slice_.height <= 0) {
    s.layerSlice->VisibilityOff();
    return;
  }
  const PlaneGrid grid = planeGridOf(slice_, axes_, spacing_, state_->crosshair()[axes_.normal]);
  const nz::Matrix4& refAffine = source_->dataset()->info().levels[0].affine;
  const ChunkLookup lookup = source_->chunkLookup();
  const std::size_t viewIndex = static_cast<std::size_t>(kind_);
  s.layerRgba.assign(static_cast<std::size_t>(slice_.width) * slice_.height * 4, 0);
  bool drawn = false;
  for (const auto& layer : layers) {
    if (!layer->display.visible || !layer->overlapsReference) continue;
    LayerSlice ls =
        composeLayerSlice(*layer, refAffine, grid, source_->layerLevel(layer->id, viewIndex),
                          state_->timeIndex(), lookup, source_->failed());
    if (layer->kind == LayerKind::Image)
      fillLookupTable(s.layerLut, layer->display.colormap, layer->display.low, layer->display.high);
    paintLayer(*layer, ls, s.layerLut, s.layerRgba);
    drawn = true;
    layerSlices_.emplace_back(layer->id, std::move(ls));
  }
  if (!drawn) {
    s.layerSlice->VisibilityOff();
    return;
  }
  if (s.layerW != slice_.width || s.layerH != slice_.height) {
    s.layerImage->SetDimensions(slice_.width, slice_.height, 1);
    s.layerImage->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
    s.layerW = slice_.width;
    s.layerH = slice_.height;
  }
  std::memcpy(s.layerImage->GetScalarPointer(), s.layerRgba.data(), s.layerRgba.size());
  // Between the image (z = 0) and the crosshair (z = 1).
  s.layerImage->SetOrigin(slice_.originX, slice_.originY, 0.5);
  s.layerImage->SetSpacing(slice_.spacingX, slice_.spacingY, 1);
  s.layerImage->Modified();
  s.layerSlice->VisibilityOn();
}

bool SliceView::sliceComplete() const {
  if (!hasData_ || !slice_.complete()) return false;
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
  if (show) progress_->setValue(static_cast<int>(1000.0 * ready / total));
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

  vtkCamera* cam = renderer()->GetActiveCamera();
  cam->SetFocalPoint(center_.x(), center_.y(), 0);
  cam->SetPosition(center_.x(), center_.y(), 500);
  cam->SetViewUp(0, 1, 0);
  cam->SetParallelScale(std::max(height(), 1) / 2.0 / zoom_);
  cam->SetClippingRange(1, 1000);
  for (SliceOverlay* o : overlays_) o->viewChanged(*this);
}

void SliceView::prepareRender() { updateScene(); }

void SliceView::resizeGL(int w, int h) { VtkGlWidget::resizeGL(w, h); }

void SliceView::resizeEvent(QResizeEvent* e) {
  VtkGlWidget::resizeEvent(e);
  progress_->setGeometry(0, height() - 4, width(), 4);
  if (source_ && source_->isOpen()) {
    if (!viewInitialised_) {
      resetView();
    } else {
      requestRender();
      emit viewChanged();
    }
  }
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
      // Horizontal: contrast (window, multiplicative); vertical: brightness (level).
      const QPointF d = p - dragStart_;
      const double window = dragWindow_ * std::exp(d.x() * 0.01);
      const double level = dragLevel_ - d.y() * dragWindow_ * 0.005;
      state_->setWindowLevel(window, level);
      break;
    }
    default:
      break;
  }
  dragLast_ = p;
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
  if (e->modifiers() & Qt::ControlModifier)
    setZoom(zoom_ * std::pow(1.2, steps), e->position());
  else
    stepSlice(steps);
}

void SliceView::keyPressEvent(QKeyEvent* e) {
  switch (e->key()) {
    case Qt::Key_PageUp:
    case Qt::Key_Up:
      stepSlice(e->modifiers() & Qt::ShiftModifier ? 10 : 1);
      break;
    case Qt::Key_PageDown:
    case Qt::Key_Down:
      stepSlice(e->modifiers() & Qt::ShiftModifier ? -10 : -1);
      break;
    case Qt::Key_Home:
    case Qt::Key_R:
      resetView();
      break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      setZoom(zoom_ * 1.2, QPointF(width() / 2.0, height() / 2.0));
      break;
    case Qt::Key_Minus:
      setZoom(zoom_ / 1.2, QPointF(width() / 2.0, height() / 2.0));
      break;
    default:
      VtkGlWidget::keyPressEvent(e);
      return;
  }
  e->accept();
}

void SliceView::leaveEvent(QEvent* e) {
  emit cursorLeft();
  VtkGlWidget::leaveEvent(e);
}

}  // namespace nzviewer
