#include "views/ortho_viewer.h"

#include <QGridLayout>
#include <algorithm>
#include <cmath>

#include "data/data_source.h"
#include "layers/layer_slice.h"
#include "model/auto_window.h"
#include "model/viewer_state.h"

namespace nzviewer {

OrthoViewer::OrthoViewer(ViewerState* state, DataSource* source, QWidget* parent)
    : QWidget(parent), state_(state), source_(source) {
  grid_ = new QGridLayout(this);
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(2);
  for (ViewKind k : {ViewKind::Axial, ViewKind::Coronal, ViewKind::Sagittal}) {
    auto* v = new SliceView(k, state, source, this);
    views_[static_cast<int>(k)] = v;
    connect(v, &SliceView::viewChanged, this, &OrthoViewer::scheduleRequests);
    // Views compose on their own workers: an image layer's first window comes from what the
    // views show once their pictures arrive.
    connect(v, &SliceView::composed, this, &OrthoViewer::autoWindowLayers);
    connect(v, &SliceView::cursorMoved, this,
            [this, v](const QPointF& p) { describeCursor(v, p); });
  }
  // ITK-SNAP's layout: axial | sagittal / coronal | (panel). The cells share the space by their
  // stretch alone (size hints ignored), so a view never changes size because a label in the
  // panel beside it did, and a restored session shows the same pixels.
  for (SliceView* v : views_) v->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  grid_->addWidget(view(ViewKind::Axial), 0, 0);
  grid_->addWidget(view(ViewKind::Sagittal), 0, 1);
  grid_->addWidget(view(ViewKind::Coronal), 1, 0);
  grid_->setRowStretch(0, 1);
  grid_->setRowStretch(1, 1);
  grid_->setColumnStretch(0, 1);
  grid_->setColumnStretch(1, 1);

  requestTimer_.setSingleShot(true);
  requestTimer_.setInterval(0);
  recomposeTimer_.setSingleShot(true);
  recomposeTimer_.setInterval(0);
  connect(&requestTimer_, &QTimer::timeout, this, &OrthoViewer::updateRequests);
  connect(&recomposeTimer_, &QTimer::timeout, this, &OrthoViewer::recomposeAll);
  connect(state_, &ViewerState::crosshairChanged, this, &OrthoViewer::scheduleRequests);
  connect(state_, &ViewerState::timeChannelChanged, this, &OrthoViewer::scheduleRequests);
  connect(state_, &ViewerState::displayChanged, this, [this] {
    if (!applyingAuto_) userWindow_ = true;
    for (SliceView* v : views_) v->requestRender();
  });
  connect(source_, &DataSource::chunksArrived, this, &OrthoViewer::scheduleRecompose);
  connect(source_, &DataSource::layersChanged, this, &OrthoViewer::scheduleRequests);
}

void OrthoViewer::setCornerWidget(QWidget* panel) {
  panel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  grid_->addWidget(panel, 1, 1);
}

void OrthoViewer::onDatasetOpened() {
  userWindow_ = false;
  autoChunkCount_ = 0;
  requestsCurrent_ = false;
  applyingAuto_ = true;
  state_->reset(source_->dataset()->info());
  const auto& info = source_->dataset()->info();
  const bool integer = info.dtype != nz::DType::Float32 && info.dtype != nz::DType::Float64 &&
                       info.dtype != nz::DType::Complex64 && info.dtype != nz::DType::Complex128;
  state_->setColormap(integer && info.intentCode == 1002 ? Colormap::Labels : Colormap::Grey);
  applyingAuto_ = false;
  for (SliceView* v : views_) v->onDataChanged();
  scheduleRequests();
}

void OrthoViewer::onDatasetClosed() {
  requestsCurrent_ = false;
  for (SliceView* v : views_) v->onDataChanged();
}

void OrthoViewer::updateRequests() {
  if (!source_->isOpen()) return;
  // Each view chooses its levels (screen-matched: the level whose voxel best matches one
  // screen pixel, for the reference and for every layer through its own affine) and sends them
  // down; the loader fetches exactly those (plus each coarsest level).
  const nz::DatasetInfo& info = source_->dataset()->info();
  const nz::Matrix4& refAffine = info.levels[0].affine;
  std::vector<DataSource::ViewRequest> wanted;
  for (SliceView* v : views_) {
    DataSource::ViewRequest r;
    r.reference = v->loaderView();
    r.reference.level = nz::chooseLevel(info, r.reference.plane.axis, r.reference.screenPixelMm);
    for (const auto& layer : source_->layers())
      r.layerLevels.emplace_back(layer->id, layerLevelFor(*layer, refAffine, r.reference));
    v->setDisplayLevel(r.reference.level);
    v->setLayerLevels(r.layerLevels);
    wanted.push_back(std::move(r));
  }
  source_->setViews(wanted);
  recomposeAll();
  emit requestsUpdated();
}

void OrthoViewer::recomposeAll() {
  if (!source_->isOpen()) return;
  double total = 0;
  for (SliceView* v : views_) {
    v->recompose();
    total += v->slice().milliseconds;
  }
  lastComposeMs_ = total;
  maxComposeMs_ = std::max(maxComposeMs_, total);
  requestsCurrent_ = true;
  if (!userWindow_) {
    // Refine the automatic window while more coarse chunks arrive.
    const int coarsest = static_cast<int>(source_->dataset()->info().levels.size()) - 1;
    const std::size_t n = source_->chunks(coarsest).size();
    if (n != autoChunkCount_) {
      autoChunkCount_ = n;
      applyAutoWindow();
      userWindow_ = false;
    }
  }
  autoWindowLayers();
}

void OrthoViewer::autoWindowLayers() {
  // An image layer's window starts at the 0.5th..99.5th percentile of what it shows first.
  bool changed = false;
  for (const auto& layer : source_->layers()) {
    if (layer->kind != LayerKind::Image || layer->display.windowSet) continue;
    std::vector<double> values;
    for (SliceView* v : views_)
      for (const auto& [id, ls] : v->layerSlices())
        if (id == layer->id)
          for (std::size_t i = 0; i < ls.values.size(); i += 7)
            if (std::isfinite(ls.values[i])) values.push_back(ls.values[i]);
    if (values.size() < 16) continue;
    const WindowRange w = autoWindowFromSample(values);
    layer->display.low = w.low;
    layer->display.high = w.high > w.low ? w.high : w.low + 1;
    layer->display.windowSet = true;
    changed = true;
  }
  if (changed) {
    for (SliceView* v : views_) v->recompose();
    emit layerWindowsChanged();
  }
}

bool OrthoViewer::allViewsComplete() const {
  if (!source_->isOpen() || !requestsCurrent_ || requestTimer_.isActive() ||
      recomposeTimer_.isActive() || source_->layersOpening() > 0)
    return false;
  for (SliceView* v : views_)
    if (!v->sliceComplete()) return false;
  return true;
}

bool OrthoViewer::coarseStats(double& autoLow, double& autoHigh, double& lo, double& hi) const {
  if (!source_->isOpen()) return false;
  const auto& info = source_->dataset()->info();
  const int coarsest = static_cast<int>(info.levels.size()) - 1;
  const ChunkMap coarse = source_->chunks(coarsest);
  std::size_t total = 0;
  for (const auto& [key, vol] : coarse)
    if (key.level == coarsest && vol) total += vol->voxelCount();
  if (total == 0) return false;
  const std::size_t stride = std::max<std::size_t>(1, total / 200000);
  std::vector<double> values;
  values.reserve(total / stride + 16);
  std::size_t index = 0;
  for (const auto& [key, vol] : coarse) {
    if (key.level != coarsest || !vol) continue;
    const std::size_t n = vol->voxelCount();
    if (vol->data.size() < n * nz::dtypeSize(vol->dtype)) continue;
    for (std::size_t i = 0; i < n; ++i, ++index) {
      if (index % stride) continue;
      const double v = info.scaled(nz::readAsDouble(vol->data.data(), vol->dtype, i));
      if (std::isfinite(v)) values.push_back(v);
    }
  }
  if (values.empty()) return false;
  lo = *std::min_element(values.begin(), values.end());
  hi = *std::max_element(values.begin(), values.end());
  const WindowRange w = autoWindowFromSample(values);
  autoLow = w.low;
  autoHigh = w.high;
  return true;
}

void OrthoViewer::applyAutoWindow() {
  double a, b, lo, hi;
  if (!coarseStats(a, b, lo, hi)) return;
  if (!(b > a)) a = lo, b = hi;
  if (!(b > a)) b = a + 1;
  applyingAuto_ = true;
  state_->setMaxLabel(std::max(hi, 1.0));
  state_->setRange(a, b);
  applyingAuto_ = false;
}

void OrthoViewer::applyFullRange() {
  double a, b, lo, hi;
  if (!coarseStats(a, b, lo, hi)) return;
  if (!(hi > lo)) hi = lo + 1;
  applyingAuto_ = true;
  state_->setRange(lo, hi);
  applyingAuto_ = false;
}

void OrthoViewer::describeCursor(SliceView* view, const QPointF& pos) {
  if (!source_->isOpen()) return;
  const auto& info = source_->dataset()->info();
  const nz::Point3 v = view->widgetToVoxel(pos);
  nz::Point3 r;
  for (int i = 0; i < 3; ++i) r[i] = std::round(v[i]);
  bool inside = true;
  for (int i = 0; i < 3; ++i) inside = inside && r[i] >= 0 && r[i] < double(info.shape[i]);
  const nz::Vec3 w = nz::applyAffine(info.affine, r);
  const double value = view->valueAt(pos);
  QString text =
      QString("voxel (%1, %2, %3)  world (%4, %5, %6) %7")
          .arg(r[0])
          .arg(r[1])
          .arg(r[2])
          .arg(w[0], 0, 'f', 2)
          .arg(w[1], 0, 'f', 2)
          .arg(w[2], 0, 'f', 2)
          .arg(QString::fromStdString(info.spaceUnit == "unknown" ? "" : info.spaceUnit));
  if (inside)
    text += std::isnan(value) ? QString("  value (loading)")
                              : QString("  value %1").arg(value, 0, 'g', 6);
  else
    text += "  (outside)";
  if (view->slice().finestLevelShown >= 0)
    text += QString("  level %1").arg(view->slice().finestLevelShown);
  text += describeLayers(view, pos);
  emit cursorInfo(text);
}

}  // namespace nzviewer

namespace nzviewer {

QString OrthoViewer::describeLayers(SliceView* view, const QPointF& pos) const {
  // "  aseg: 17 Left-Hippocampus" for labels, "  t2: 812.5" for images, per visible layer.
  QString text;
  for (const auto& layer : source_->layers()) {
    if (!layer->display.visible) continue;
    const double v = view->layerValueAt(layer->id, pos);
    if (std::isnan(v)) continue;
    text += "  " + layer->name + ": ";
    if (layer->kind == LayerKind::Labels)
      text += QString::fromStdString(layer->labels.describe(static_cast<std::int64_t>(v)));
    else
      text += QString::number(v, 'g', 6);
  }
  return text;
}

}  // namespace nzviewer
