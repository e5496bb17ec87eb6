#include "measure/ruler_overlay.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkCoordinate.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <QMouseEvent>
#include <cmath>
#include <vector>

#include "views/slice_view.h"

namespace nzviewer {

namespace {
constexpr double kZ = 2.5;  // above the image (0), the crosshair (1) and the ROI boxes (2)
}

struct RulerOverlay::Props {
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  vtkNew<vtkPolyData> poly;
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> actor;
  std::vector<vtkSmartPointer<vtkTextActor>> texts;
};

RulerOverlay::RulerOverlay(RulerModel* model, QObject* parent) : QObject(parent), model_(model) {
  connect(model_, &RulerModel::changed, this, &RulerOverlay::renderAll);
}

RulerOverlay::~RulerOverlay() {
  for (auto& [view, p] : props_) delete p;
}

void RulerOverlay::renderAll() {
  for (auto& [view, p] : props_) view->requestRender();
}

void RulerOverlay::attach(SliceView& view) {
  auto* p = new Props;
  p->poly->SetPoints(p->points);
  p->poly->SetLines(p->lines);
  p->mapper->SetInputData(p->poly);
  p->actor->SetMapper(p->mapper);
  p->actor->GetProperty()->SetColor(0.3, 1.0, 0.4);
  p->actor->GetProperty()->SetLineWidth(2);
  p->actor->GetProperty()->SetLighting(false);
  view.renderer()->AddActor(p->actor);
  props_[&view] = p;
}

void RulerOverlay::detach(SliceView& view) {
  auto it = props_.find(&view);
  if (it == props_.end()) return;
  view.renderer()->RemoveActor(it->second->actor);
  for (auto& t : it->second->texts) view.renderer()->RemoveActor2D(t);
  delete it->second;
  props_.erase(it);
}

void RulerOverlay::viewChanged(SliceView& view) {
  auto it = props_.find(&view);
  if (it == props_.end()) return;
  Props& p = *it->second;
  p.points->Reset();
  p.lines->Reset();
  const int n = view.axes().normal;
  const double slice = view.widgetToVoxel(QPointF(0, 0))[n];
  std::size_t used = 0;
  const auto& rulers = model_->rulers();
  for (int i = 0; i < static_cast<int>(rulers.size()); ++i) {
    const Ruler& r = rulers[static_cast<std::size_t>(i)];
    if (r.normal != n || std::fabs(r.a[n] - slice) >= 0.5) continue;
    const QPointF a = view.voxelToDisplay(r.a), b = view.voxelToDisplay(r.b);
    const vtkIdType ids[2] = {p.points->InsertNextPoint(a.x(), a.y(), kZ),
                              p.points->InsertNextPoint(b.x(), b.y(), kZ)};
    p.lines->InsertNextCell(2, ids);
    if (used == p.texts.size()) {
      auto t = vtkSmartPointer<vtkTextActor>::New();
      t->GetPositionCoordinate()->SetCoordinateSystemToWorld();
      t->GetTextProperty()->SetFontSize(13);
      t->GetTextProperty()->SetColor(0.3, 1.0, 0.4);
      t->GetTextProperty()->SetShadow(1);
      view.renderer()->AddActor2D(t);
      p.texts.push_back(t);
    }
    vtkTextActor* t = p.texts[used++];
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f mm", model_->lengthMm(i));
    t->SetInput(buf);
    t->GetPositionCoordinate()->SetValue(b.x(), b.y(), kZ);
    t->SetVisibility(true);
  }
  for (std::size_t k = used; k < p.texts.size(); ++k) p.texts[k]->SetVisibility(false);
  p.points->Modified();
  p.lines->Modified();
  p.poly->Modified();
}

bool RulerOverlay::mousePress(SliceView& view, QMouseEvent* e) {
  if (!active_ || e->button() != Qt::LeftButton || !model_->info()) return false;
  const nz::Point3 v = view.widgetToVoxel(e->position());
  Ruler r;
  r.a = r.b = v;
  r.normal = view.axes().normal;
  drawing_ = model_->add(r);
  dragView_ = &view;
  return true;
}

bool RulerOverlay::mouseMove(SliceView& view, QMouseEvent* e) {
  if (drawing_ < 0 || &view != dragView_) return false;
  model_->setEnd(drawing_, view.widgetToVoxel(e->position()));
  return true;
}

bool RulerOverlay::mouseRelease(SliceView& view, QMouseEvent* e) {
  if (drawing_ < 0 || &view != dragView_) return false;
  model_->setEnd(drawing_, view.widgetToVoxel(e->position()));
  // A click without a drag leaves no zero-length ruler behind.
  const Ruler& r = model_->rulers()[static_cast<std::size_t>(drawing_)];
  if (r.a == r.b) model_->remove(drawing_);
  drawing_ = -1;
  dragView_ = nullptr;
  return true;
}

}  // namespace nzviewer
