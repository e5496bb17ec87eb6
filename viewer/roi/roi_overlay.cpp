#include "viewer/roi/roi_overlay.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <QCursor>
#include <QMouseEvent>
#include <algorithm>
#include <cmath>

#include "views/slice_view.h"

namespace nzviewer {

namespace {
constexpr double kGrabPixels = 6;
constexpr double kHandlePixels = 4;
constexpr double kZ = 2;  // overlays' depth (image 0, crosshair 1)

// Voxel-edge coordinate (edge k is between voxels k-1 and k) of a widget position.
std::array<double, 3> edgeCoords(SliceView& v, const QPointF& w) {
  const nz::Point3 p = v.widgetToVoxel(w);
  return {p[0] + 0.5, p[1] + 0.5, p[2] + 0.5};
}
// Widget position of voxel-edge coordinates along the view's two in-plane axes.
QPointF edgeToWidget(SliceView& v, double ux, double uy) {
  nz::Point3 p = v.widgetToVoxel(QPointF(0, 0));
  p[v.axes().screenX] = ux - 0.5;
  p[v.axes().screenY] = uy - 0.5;
  return v.voxelToWidget(p);
}
QPointF edgeToDisplay(SliceView& v, double ux, double uy) {
  nz::Point3 p = v.widgetToVoxel(QPointF(0, 0));
  p[v.axes().screenX] = ux - 0.5;
  p[v.axes().screenY] = uy - 0.5;
  return v.voxelToDisplay(p);
}
bool cutsSlice(SliceView& v, const nz::Box& b) {
  const int n = v.axes().normal;
  const double u = v.widgetToVoxel(QPointF(0, 0))[n] + 0.5;
  return u >= b.begin[n] && u < b.end[n];
}
// 2D images (and any axis of extent 1): a box always spans the one voxel of such an axis, so
// the views that show that axis in-plane (a one-voxel-thick strip) offer no handle on it and
// no drag changes it.
bool flatAxis(const nz::DatasetInfo* info, int a) {
  return info && !info->levels.empty() && info->levels[0].shape[a] == 1;
}
void keepFlatAxes(const nz::DatasetInfo* info, nz::Box& b) {
  for (int a = 0; a < 3; ++a)
    if (flatAxis(info, a)) b.begin[a] = 0, b.end[a] = 1;
}
}  // namespace

struct RoiOverlay::Props {
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  vtkNew<vtkUnsignedCharArray> colors;
  vtkNew<vtkPolyData> poly;
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> actor;

  void clear() {
    points->Reset();
    lines->Reset();
    colors->Reset();
  }
  void segment(const QPointF& a, const QPointF& b, const unsigned char rgb[3]) {
    const vtkIdType i = points->InsertNextPoint(a.x(), a.y(), kZ);
    const vtkIdType j = points->InsertNextPoint(b.x(), b.y(), kZ);
    const vtkIdType ids[2] = {i, j};
    lines->InsertNextCell(2, ids);
    colors->InsertNextTypedTuple(rgb);
  }
  void rect(const QPointF& a, const QPointF& b, const unsigned char rgb[3]) {
    segment({a.x(), a.y()}, {b.x(), a.y()}, rgb);
    segment({b.x(), a.y()}, {b.x(), b.y()}, rgb);
    segment({b.x(), b.y()}, {a.x(), b.y()}, rgb);
    segment({a.x(), b.y()}, {a.x(), a.y()}, rgb);
  }
};

RoiOverlay::RoiOverlay(RoiModel* model, QObject* parent) : QObject(parent), model_(model) {
  connect(model_, &RoiModel::changed, this, &RoiOverlay::renderAll);
}

RoiOverlay::~RoiOverlay() {
  for (auto& [view, p] : props_) delete p;
}

void RoiOverlay::renderAll() {
  for (auto& [view, p] : props_) view->requestRender();
}

void RoiOverlay::attach(SliceView& view) {
  auto* p = new Props;
  p->colors->SetNumberOfComponents(3);
  p->colors->SetName("colors");
  p->poly->SetPoints(p->points);
  p->poly->SetLines(p->lines);
  p->poly->GetCellData()->SetScalars(p->colors);
  p->mapper->SetInputData(p->poly);
  p->mapper->SetScalarModeToUseCellData();
  p->mapper->SetColorModeToDirectScalars();
  p->actor->SetMapper(p->mapper);
  p->actor->GetProperty()->SetLineWidth(2);
  p->actor->GetProperty()->SetLighting(false);
  view.renderer()->AddActor(p->actor);
  props_[&view] = p;
}

void RoiOverlay::detach(SliceView& view) {
  auto it = props_.find(&view);
  if (it == props_.end()) return;
  view.renderer()->RemoveActor(it->second->actor);
  delete it->second;
  props_.erase(it);
}

void RoiOverlay::viewChanged(SliceView& view) {
  auto it = props_.find(&view);
  if (it == props_.end()) return;
  Props& p = *it->second;
  p.clear();
  const ViewAxes& ax = view.axes();
  const int sx = ax.screenX, sy = ax.screenY;
  static const unsigned char kOther[3] = {200, 170, 40};
  static const unsigned char kCurrent[3] = {255, 220, 0};
  static const unsigned char kPreview[3] = {0, 220, 255};
  const auto& rois = model_->rois();
  const double h = kHandlePixels / std::max(view.zoom(), 1e-9);  // handle half-size in mm
  for (int i = 0; i < static_cast<int>(rois.size()); ++i) {
    const nz::Box& b = rois[static_cast<std::size_t>(i)].roi.box;
    const bool current = i == model_->current();
    if (cutsSlice(view, b)) {
      const QPointF a = edgeToDisplay(view, double(b.begin[sx]), double(b.begin[sy]));
      const QPointF c = edgeToDisplay(view, double(b.end[sx]), double(b.end[sy]));
      p.rect(a, c, current ? kCurrent : kOther);
      if (current) {
        const double xs[3] = {a.x(), (a.x() + c.x()) / 2, c.x()};
        const double ys[3] = {a.y(), (a.y() + c.y()) / 2, c.y()};
        const bool flatX = flatAxis(model_->info(), sx), flatY = flatAxis(model_->info(), sy);
        for (double x : xs)
          for (double y : ys)
            if ((x != xs[1] || y != ys[1]) && !(flatX && x != xs[1]) && !(flatY && y != ys[1]))
              p.rect({x - h, y - h}, {x + h, y + h}, kCurrent);
      }
    }
    if (current)
      if (auto pb = model_->previewBox(i); pb && cutsSlice(view, *pb))
        p.rect(edgeToDisplay(view, double(pb->begin[sx]), double(pb->begin[sy])),
               edgeToDisplay(view, double(pb->end[sx]), double(pb->end[sy])), kPreview);
  }
  p.points->Modified();
  p.lines->Modified();
  p.colors->Modified();
  p.poly->Modified();
  p.actor->SetVisibility(p.points->GetNumberOfPoints() > 0);
}

RoiOverlay::Hit RoiOverlay::hitTest(SliceView& view, const QPointF& m, Grab& gx, Grab& gy) const {
  gx = gy = Grab::None;
  const int cur = model_->current();
  if (!model_->info() || cur < 0) return Hit::Outside;
  const nz::Box& b = model_->rois()[static_cast<std::size_t>(cur)].roi.box;
  if (!cutsSlice(view, b)) return Hit::Outside;
  const int sx = view.axes().screenX, sy = view.axes().screenY;
  const QPointF wa = edgeToWidget(view, double(b.begin[sx]), double(b.begin[sy]));
  const QPointF wc = edgeToWidget(view, double(b.end[sx]), double(b.end[sy]));
  const bool inside = m.x() >= std::min(wa.x(), wc.x()) - kGrabPixels &&
                      m.x() <= std::max(wa.x(), wc.x()) + kGrabPixels &&
                      m.y() >= std::min(wa.y(), wc.y()) - kGrabPixels &&
                      m.y() <= std::max(wa.y(), wc.y()) + kGrabPixels;
  if (!inside) return Hit::Outside;
  gx = std::abs(m.x() - wa.x()) < kGrabPixels   ? Grab::Begin
       : std::abs(m.x() - wc.x()) < kGrabPixels ? Grab::End
                                                : Grab::None;
  gy = std::abs(m.y() - wa.y()) < kGrabPixels   ? Grab::Begin
       : std::abs(m.y() - wc.y()) < kGrabPixels ? Grab::End
                                                : Grab::None;
  if (flatAxis(model_->info(), sx)) gx = Grab::None;
  if (flatAxis(model_->info(), sy)) gy = Grab::None;
  return gx != Grab::None || gy != Grab::None ? Hit::Edge : Hit::Inside;
}

bool RoiOverlay::mousePress(SliceView& view, QMouseEvent* e) {
  const nz::DatasetInfo* info = model_->info();
  if (!info || e->button() != Qt::LeftButton || (e->modifiers() & Qt::ShiftModifier)) return false;
  const bool ctrl = e->modifiers() & Qt::ControlModifier;
  const auto u = edgeCoords(view, e->position());
  dragView_ = &view;
  std::copy(u.begin(), u.end(), startU_);
  const Hit hit = hitTest(view, e->position(), grabX_, grabY_);
  if (hit == Hit::Edge) {
    origBox_ = model_->rois()[static_cast<std::size_t>(model_->current())].roi.box;
    mode_ = Mode::Resize;
    return true;
  }
  if (hit == Hit::Inside && (drawMode_ || ctrl)) {
    origBox_ = model_->rois()[static_cast<std::size_t>(model_->current())].roi.box;
    mode_ = Mode::Move;
    return true;
  }
  if (!(drawMode_ || ctrl)) return false;
  mode_ = Mode::Create;
  creating_ = -1;
  return true;
}

bool RoiOverlay::mouseMove(SliceView& view, QMouseEvent* e) {
  if (mode_ == Mode::None) {  // hover: show what a drag would do
    Grab gx, gy;
    const Hit hit = hitTest(view, e->position(), gx, gy);
    Qt::CursorShape shape = drawMode_ ? Qt::CrossCursor : Qt::ArrowCursor;
    if (hit == Hit::Edge)
      shape = gx == Grab::None   ? Qt::SizeVerCursor
              : gy == Grab::None ? Qt::SizeHorCursor
              : (gx == gy)       ? Qt::SizeBDiagCursor
                                 : Qt::SizeFDiagCursor;
    else if (hit == Hit::Inside && drawMode_)
      shape = Qt::SizeAllCursor;
    if (view.cursor().shape() != shape) view.setCursor(shape);
    return false;
  }
  if (&view != dragView_) return false;
  const nz::DatasetInfo* info = model_->info();
  if (!info) return false;
  const auto u = edgeCoords(view, e->position());
  const int sx = view.axes().screenX, sy = view.axes().screenY, n = view.axes().normal;
  const nz::Index5& shape = info->levels[0].shape;
  if (mode_ == Mode::Create) {
    nz::Box b;
    for (int a : {sx, sy}) {
      b.begin[a] = std::clamp<std::int64_t>(std::llround(std::min(u[a], startU_[a])), 0, shape[a]);
      b.end[a] = std::clamp<std::int64_t>(std::llround(std::max(u[a], startU_[a])), 0, shape[a]);
      if (b.end[a] <= b.begin[a]) return true;  // not yet one voxel wide: nothing to show
    }
    const std::int64_t depth =
        std::min(shape[n], std::max(b.end[sx] - b.begin[sx], b.end[sy] - b.begin[sy]));
    const std::int64_t centre = static_cast<std::int64_t>(std::floor(startU_[n]));
    b.begin[n] = std::clamp<std::int64_t>(centre - depth / 2, 0, shape[n] - depth);
    b.end[n] = b.begin[n] + depth;
    for (int a = 3; a < 5; ++a) b.begin[a] = 0, b.end[a] = shape[a];
    keepFlatAxes(info, b);
    if (creating_ < 0)
      creating_ = model_->add(b);
    else
      model_->setBox(creating_, b);
    return true;
  }
  nz::Box b = origBox_;
  if (mode_ == Mode::Move) {
    for (int a : {sx, sy}) {
      const std::int64_t d = std::llround(u[a] - startU_[a]);
      b.begin[a] += d;
      b.end[a] += d;
    }
  } else {
    auto edge = [&](int a, Grab g) {
      const std::int64_t k = std::llround(u[a]);
      if (g == Grab::Begin) b.begin[a] = std::min(k, b.end[a] - 1);
      if (g == Grab::End) b.end[a] = std::max(k, b.begin[a] + 1);
    };
    edge(sx, grabX_);
    edge(sy, grabY_);
  }
  keepFlatAxes(info, b);
  model_->setBox(model_->current(), b);
  return true;
}

bool RoiOverlay::mouseRelease(SliceView& view, QMouseEvent* e) {
  if (mode_ == Mode::None) return false;
  mouseMove(view, e);
  const bool created = mode_ == Mode::Create && creating_ >= 0;
  mode_ = Mode::None;
  dragView_ = nullptr;
  if (created) emit boxDrawn(creating_);
  creating_ = -1;
  return true;
}

}  // namespace nzviewer
