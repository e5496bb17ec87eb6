#include "session/session_state.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <memory>

#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "model/viewer_state.h"
#include "roi/roi_box.h"
#include "roi/roi_set.h"
#include "ui/main_window.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

QString colormapKey(Colormap map) { return colormapName(map).toLower(); }

bool colormapFromKey(const std::string& key, Colormap& map) {
  const QStringList names = colormapNames();
  for (int i = 0; i < names.size(); ++i)
    if (names[i].toLower().toStdString() == key) {
      map = static_cast<Colormap>(i);
      return true;
    }
  return false;
}

namespace {

nz::Vec3 toWorld(const nz::DatasetInfo& info, const nz::Point3& voxel) {
  return nz::applyAffine(info.affine, voxel);
}

nz::Point3 toVoxel(const nz::DatasetInfo& info, const std::array<double, 3>& world) {
  return nz::applyAffine(nz::invertAffine(info.affine), world);
}

// Moves `view` so the display point `d` is at the centre of the widget.
void centreOn(SliceView* view, const QPointF& d) {
  const QPointF c = view->center();
  view->panBy(QPointF((c.x() - d.x()) * view->zoom(), -(c.y() - d.y()) * view->zoom()));
}

QPointF widgetCentre(SliceView* view) { return QPointF(view->width() / 2.0, view->height() / 2.0); }

}  // namespace

nz::Session captureSession(MainWindow* window, const std::vector<nz::Bookmark>& bookmarks) {
  nz::Session s;
  s.bookmarks = bookmarks;
  DataSource* source = window->source();
  if (!source->isOpen()) return s;
  const nz::DatasetInfo& info = source->dataset()->info();
  ViewerState* state = window->state();
  nz::SessionLayer ref;
  ref.uri = source->uri().toStdString();
  ref.kind = state->colormap() == Colormap::Labels ? nz::SessionLayerKind::Labels
                                                   : nz::SessionLayerKind::Image;
  ref.colormap = colormapKey(state->colormap()).toStdString();
  if (state->high() > state->low()) ref.window = std::array<double, 2>{state->low(), state->high()};
  s.layers.push_back(ref);
  Layer* selected = nullptr;
  if (auto* panel = window->findChild<LayerPanel*>()) selected = panel->selected();
  for (const auto& l : source->layers()) {
    nz::SessionLayer out;
    out.uri = l->uri.toStdString();
    out.name = l->name.toStdString();
    out.kind =
        l->kind == LayerKind::Labels ? nz::SessionLayerKind::Labels : nz::SessionLayerKind::Image;
    out.visible = l->display.visible;
    out.opacity = l->display.opacity;
    out.outline = l->display.outline;
    out.linear = l->display.linear;
    if (l->kind == LayerKind::Image) {
      out.colormap = colormapKey(l->display.colormap).toStdString();
      if (l->display.windowSet && l->display.high > l->display.low)
        out.window = std::array<double, 2>{l->display.low, l->display.high};
    } else {
      out.labelTable = l->labels.source();
      for (const auto& [value, entry] : l->labels.entries())
        if (!entry.visible) out.hiddenLabels.push_back(value);
    }
    if (l.get() == selected) s.selectedLayer = static_cast<int>(s.layers.size());
    s.layers.push_back(std::move(out));
  }
  const nz::Vec3 mm = toWorld(info, state->crosshair());
  s.crosshairMm = std::array<double, 3>{mm[0], mm[1], mm[2]};
  s.t = state->timeIndex();
  s.c = state->channel();
  const auto views = window->viewer()->views();
  for (std::size_t i = 0; i < 3; ++i) {
    SliceView* v = views[i];
    s.views[i].zoom = v->zoom();
    const nz::Vec3 c = toWorld(info, v->displayToVoxel(v->center()));
    s.views[i].centerMm = std::array<double, 3>{c[0], c[1], c[2]};
  }
  if (auto* roi = window->findChild<RoiController*>(); roi && !roi->model()->rois().empty()) {
    nz::RoiSet set;
    set.source = ref.uri;
    set.ndim = info.ndim;
    const RoiModel* model = roi->model();
    for (std::size_t i = 0; i < model->rois().size(); ++i)
      set.rois.push_back({model->rois()[i].name.toStdString(), model->request(int(i))});
    s.rois = nlohmann::json::parse(nz::roiSetJson(set));
  }
  if (auto* roi = window->findChild<RoiController*>()) {
    const QJsonObject extras = roi->listExtras();  // the rulers, as the ROI list file has them
    if (extras["rulers"].isArray() && !extras["rulers"].toArray().isEmpty())
      s.rulers = nlohmann::json::parse(
          QJsonDocument(extras["rulers"].toArray()).toJson(QJsonDocument::Compact).toStdString());
  }
  return s;
}

void applyView(MainWindow* window, const nz::Session& s) {
  DataSource* source = window->source();
  if (!source->isOpen()) return;
  const nz::DatasetInfo& info = source->dataset()->info();
  ViewerState* state = window->state();
  const nz::SessionLayer& ref = s.layers.front();
  Colormap map;
  if (colormapFromKey(ref.colormap, map) && map != state->colormap()) {
    if (ref.window) {
      state->setColormap(map);
    } else {
      // A colour map change counts as the user's display choice and would keep the window at
      // its placeholder: without a window in the session, set the map once the automatic
      // window (from the first coarse chunks) is in.
      auto once = std::make_shared<QMetaObject::Connection>();
      *once = QObject::connect(state, &ViewerState::displayChanged, state, [state, map, once] {
        QObject::disconnect(*once);
        state->setColormap(map);
      });
    }
  }
  if (ref.window) state->setRange((*ref.window)[0], (*ref.window)[1]);
  state->setTimeIndex(s.t);
  state->setChannel(s.c);
  if (s.crosshairMm) state->setCrosshair(toVoxel(info, *s.crosshairMm));
  const auto views = window->viewer()->views();
  for (std::size_t i = 0; i < 3; ++i) {
    SliceView* v = views[i];
    if (s.views[i].zoom > 0) v->setZoom(s.views[i].zoom, widgetCentre(v));
    if (s.views[i].centerMm)
      centreOn(v, v->voxelToDisplay(toVoxel(info, *s.views[i].centerMm)));
    else if (s.crosshairMm && s.views[i].zoom > 0)  // as Neuroglancer: the position is centred
      centreOn(v, v->voxelToDisplay(state->crosshair()));
  }
}

void goToPosition(MainWindow* window, const std::array<double, 3>& worldMm, double zoom) {
  DataSource* source = window->source();
  if (!source->isOpen()) return;
  const nz::DatasetInfo& info = source->dataset()->info();
  window->state()->setCrosshair(toVoxel(info, worldMm));
  for (SliceView* v : window->viewer()->views()) {
    if (zoom > 0) v->setZoom(zoom, widgetCentre(v));
    centreOn(v, v->voxelToDisplay(window->state()->crosshair()));
  }
}

void applyLayerDisplay(Layer& layer, const nz::SessionLayer& l) {
  layer.display.visible = l.visible;
  layer.display.opacity = l.opacity;
  layer.display.outline = l.outline;
  layer.display.linear = l.linear;
  if (!l.name.empty()) layer.name = QString::fromStdString(l.name);
  Colormap map;
  if (layer.kind == LayerKind::Image && colormapFromKey(l.colormap, map))
    layer.display.colormap = map;
  if (layer.kind == LayerKind::Image && l.window) {
    layer.display.low = (*l.window)[0];
    layer.display.high = (*l.window)[1];
    layer.display.windowSet = true;
  }
  for (std::int64_t v : l.hiddenLabels) layer.labels.setVisible(v, false);
}

}  // namespace nzviewer
