#include "ui/view_links.h"

#include <QAction>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "data/background.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "model/viewer_state.h"
#include "settings/gui_settings.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

namespace nzviewer {

namespace {
constexpr const char* kLinkedZoomKey = "view/linkedZoom";
constexpr const char* kLinearKey = "view/linearInterpolation";

using Range = std::pair<double, double>;  // lo > hi: no finite voxel

template <class T>
Range rawRange(const std::uint8_t* data, std::size_t n) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  T tlo{}, thi{};
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    if constexpr (std::is_floating_point_v<T>)
      if (!std::isfinite(v)) continue;
    if (!any || v < tlo) tlo = v;
    if (!any || v > thi) thi = v;
    any = true;
  }
  if (any) lo = double(tlo), hi = double(thi);
  return {lo, hi};
}

// The scaled min..max of one decoded chunk (typed loops: a scan of the whole cache stays cheap).
Range chunkRange(const nz::Volume& vol, const nz::DatasetInfo& info) {
  const std::size_t n = vol.voxelCount();
  if (vol.data.size() < n * nz::dtypeSize(vol.dtype)) return {1, 0};
  const std::uint8_t* p = vol.data.data();
  Range raw;
  switch (vol.dtype) {
    case nz::DType::UInt8:
      raw = rawRange<std::uint8_t>(p, n);
      break;
    case nz::DType::Int8:
      raw = rawRange<std::int8_t>(p, n);
      break;
    case nz::DType::UInt16:
      raw = rawRange<std::uint16_t>(p, n);
      break;
    case nz::DType::Int16:
      raw = rawRange<std::int16_t>(p, n);
      break;
    case nz::DType::UInt32:
      raw = rawRange<std::uint32_t>(p, n);
      break;
    case nz::DType::Int32:
      raw = rawRange<std::int32_t>(p, n);
      break;
    case nz::DType::Float32:
      raw = rawRange<float>(p, n);
      break;
    case nz::DType::Float64:
      raw = rawRange<double>(p, n);
      break;
    default: {  // 64-bit integers, complex, RGB: as the views show them
      raw = {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
      for (std::size_t i = 0; i < n; ++i) {
        const double v = nz::readAsDouble(p, vol.dtype, i);
        if (std::isfinite(v)) raw = {std::min(raw.first, v), std::max(raw.second, v)};
      }
    }
  }
  if (!(raw.first <= raw.second)) return raw;
  const double a = info.scaled(raw.first), b = info.scaled(raw.second);  // slope may be < 0
  return {std::min(a, b), std::max(a, b)};
}
}  // namespace

ViewLinks::ViewLinks(OrthoViewer* viewer, ViewerState* state, DataSource* source, QObject* parent)
    : QObject(parent), viewer_(viewer), state_(state), source_(source) {
  setObjectName("viewLinks");
  linkedZoom_ = new QAction("&Linked zoom", this);
  linkedZoom_->setObjectName("linkedZoomAction");
  linkedZoom_->setCheckable(true);
  linkedZoom_->setToolTip("Zooming one view zooms the others to the same scale");
  linear_ = new QAction("&Smooth display (linear interpolation)", this);
  linear_->setObjectName("linearInterpolationAction");
  linear_->setCheckable(true);
  linear_->setToolTip("Interpolate between voxels on screen (off: each voxel a sharp square)");
  const QSettings s = guiSettings();
  linkedZoom_->setChecked(s.value(kLinkedZoomKey, false).toBool());
  linear_->setChecked(s.value(kLinearKey, false).toBool());
  connect(linkedZoom_, &QAction::toggled, this, [this](bool on) {
    guiSettings().setValue(kLinkedZoomKey, on);
    if (!on) return;
    // Turning it on brings the others to the scale of the view in use.
    SliceView* lead = hovered_ ? hovered_.data() : nullptr;
    for (SliceView* v : viewer_->views())
      if (!lead && v->hasFocus()) lead = v;
    onUserZoom(lead ? lead : viewer_->view(ViewKind::Axial));
  });
  connect(linear_, &QAction::toggled, this, [this](bool on) {
    guiSettings().setValue(kLinearKey, on);
    for (SliceView* v : viewer_->views()) v->setLinearInterpolation(on);
  });

  for (SliceView* v : viewer_->views()) {
    v->setLinearInterpolation(linear_->isChecked());
    connect(v, &SliceView::zoomedByUser, this, [this, v] { onUserZoom(v); });
    connect(v, &SliceView::fitRequested, this, [this, v](bool all) { fit(v, all); });
    connect(v, &SliceView::cursorMoved, this, [this, v] { hovered_ = v; });
    connect(v, &SliceView::cursorLeft, this, [this, v] {
      if (hovered_ == v) hovered_ = nullptr;
    });
  }

  scanTimer_.setSingleShot(true);
  scanTimer_.setInterval(500);
  connect(&scanTimer_, &QTimer::timeout, this, &ViewLinks::scan);
  connect(source_, &DataSource::chunksArrived, this, [this] {
    if (!scanTimer_.isActive()) scanTimer_.start();
  });
  connect(source_, &DataSource::opened, this, &ViewLinks::onDatasetOpened);
}

bool ViewLinks::linkedZoom() const { return linkedZoom_->isChecked(); }
bool ViewLinks::linearInterpolation() const { return linear_->isChecked(); }
void ViewLinks::setLinkedZoom(bool on) { linkedZoom_->setChecked(on); }
void ViewLinks::setLinearInterpolation(bool on) { linear_->setChecked(on); }

void ViewLinks::onUserZoom(SliceView* lead) {
  if (following_ || !linkedZoom() || !lead) return;
  following_ = true;
  for (SliceView* v : viewer_->views())
    if (v != lead) v->setZoom(lead->zoom(), v->voxelToWidget(state_->crosshair()));
  following_ = false;
}

void ViewLinks::fit(SliceView* requester, bool all) {
  if (all) {
    for (SliceView* v : viewer_->views()) v->resetView();
    if (linkedZoom()) {
      // One scale for all: the smallest fit, so every slice is whole.
      double z = std::numeric_limits<double>::max();
      for (SliceView* v : viewer_->views()) z = std::min(z, v->zoom());
      following_ = true;
      for (SliceView* v : viewer_->views())
        v->setZoom(z, QPointF(v->width() / 2.0, v->height() / 2.0));
      following_ = false;
    }
    viewer_->applyAutoWindow();
    return;
  }
  SliceView* target = hovered_ ? hovered_.data() : requester;
  target->resetView();
  onUserZoom(target);
}

bool ViewLinks::knownRange(double& lo, double& hi) const {
  if (!haveRange_) return false;
  lo = lo_;
  hi = hi_;
  return true;
}

void ViewLinks::onDatasetOpened() {
  ++generation_;
  scanned_.clear();
  haveRange_ = false;
  fullRangePending_ = false;
  for (SliceView* v : viewer_->views()) v->setIntensityRange(0, 0);
  // Keys go to a view from the start (its orange frame shows which), unless one has focus.
  QTimer::singleShot(0, this, [this] {
    for (SliceView* v : viewer_->views())
      if (v->hasFocus()) return;
    if (viewer_->isVisible()) viewer_->view(ViewKind::Axial)->setFocus(Qt::OtherFocusReason);
  });
}

void ViewLinks::applyFullRange() {
  fullRangePending_ = true;
  scanTimer_.stop();
  scan();  // applies when done (at once when nothing new is loaded)
}

void ViewLinks::scan() {
  if (!source_->isOpen()) {
    fullRangePending_ = false;  // nothing to apply it to
    return;
  }
  if (scanning_) {
    rescan_ = true;
    return;
  }
  // Only chunks not scanned yet (a chunk's values never change; evicted ones stay counted).
  std::vector<std::pair<nz::ChunkKey, nz::SharedVolume>> todo;
  for (auto& [key, vol] : source_->chunks(-1))
    if (vol && !scanned_.count(key)) todo.emplace_back(key, vol);
  if (todo.empty()) {
    applyRange();
    return;
  }
  scanning_ = true;
  const nz::DatasetInfo info = source_->dataset()->info();
  const std::uint64_t generation = generation_;
  using Ranges = std::vector<std::pair<nz::ChunkKey, std::pair<double, double>>>;
  runInBackground<Ranges>(
      this,
      [todo = std::move(todo), info]() {
        Ranges out;
        out.reserve(todo.size());
        for (const auto& [key, vol] : todo) out.emplace_back(key, chunkRange(*vol, info));
        return out;
      },
      [this, generation](Ranges ranges) { finishScan(generation, ranges); });
}

void ViewLinks::finishScan(
    std::uint64_t generation,
    const std::vector<std::pair<nz::ChunkKey, std::pair<double, double>>>& ranges) {
  scanning_ = false;
  if (generation != generation_) {  // another dataset opened meanwhile
    rescan_ = false;
    scan();
    return;
  }
  for (const auto& [key, r] : ranges) {
    scanned_[key] = r;
    if (!(r.first <= r.second)) continue;  // no finite voxel
    lo_ = haveRange_ ? std::min(lo_, r.first) : r.first;
    hi_ = haveRange_ ? std::max(hi_, r.second) : r.second;
    haveRange_ = true;
  }
  for (SliceView* v : viewer_->views())
    if (haveRange_) v->setIntensityRange(lo_, hi_);
  emit rangeUpdated();
  if (rescan_) {
    rescan_ = false;
    scan();
    return;
  }
  applyRange();
}

void ViewLinks::applyRange() {
  if (!fullRangePending_) return;
  fullRangePending_ = false;
  if (!haveRange_) {
    viewer_->applyFullRange();  // nothing scanned: the coarse level's estimate
    return;
  }
  state_->setRange(lo_, hi_ > lo_ ? hi_ : lo_ + 1);
}

}  // namespace nzviewer
