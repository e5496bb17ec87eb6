#include "measure/histogram_feeder.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <cmath>
#include <memory>
#include <unordered_map>

#include "core/thread_priority.h"
#include "data/background.h"
#include "data/data_source.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"
#include "measure/histogram_widget.h"
#include "model/auto_window.h"
#include "model/viewer_state.h"
#include "ui/main_window.h"
#include "views/ortho_viewer.h"

namespace nzviewer {

namespace {

// Chunk keys of one level at time point t and channel c (at most `limit`; none beyond it).
std::vector<nz::ChunkKey> levelKeys(const nz::Dataset* ds, int level, std::int64_t t,
                                    std::int64_t c, std::size_t limit) {
  const nz::LevelInfo& l = ds->info().levels[static_cast<std::size_t>(level)];
  const nz::Index5& g = l.gridShape;
  if (g[0] * g[1] * g[2] > static_cast<std::int64_t>(limit)) return {};
  const std::int64_t ct = std::min(t, l.shape[3] - 1) / std::max<std::int64_t>(l.chunkShape[3], 1);
  const std::int64_t cc = std::min(c, l.shape[4] - 1) / std::max<std::int64_t>(l.chunkShape[4], 1);
  std::vector<nz::ChunkKey> keys;
  for (std::int64_t z = 0; z < g[2]; ++z)
    for (std::int64_t y = 0; y < g[1]; ++y)
      for (std::int64_t x = 0; x < g[0]; ++x) keys.push_back({ds, level, {x, y, z, ct, cc}});
  return keys;
}

// A dataset's open restarts the histogram twice within a few turns (the dataset, then the
// state's reset), the turns in which the views show their first pictures: the worker starts
// once, after them.
constexpr int kStartDelayMs = 200;

// The worker counts every voxel of up to two levels (seconds of CPU on a large level): on a
// machine with few cores it would take the GUI thread's time while the views draw, so it runs
// at this nice value and gets what the GUI leaves.
constexpr int kWorkerNice = 10;

}  // namespace

HistogramFeeder::HistogramFeeder(MainWindow* window, HistogramWidget* widget)
    : QObject(widget), window_(window), widget_(widget) {
  connect(window_->source(), &DataSource::opened, this, &HistogramFeeder::restart);
  connect(window_->state(), &ViewerState::timeChannelChanged, this, &HistogramFeeder::restart);
  connect(window_->state(), &ViewerState::displayChanged, this, &HistogramFeeder::syncWindow);
  connect(window_->source(), &DataSource::layersChanged, this, &HistogramFeeder::syncWindow);
  connect(widget_, &HistogramWidget::windowDragged, this, &HistogramFeeder::setTargetWindow);
  startTimer_.setSingleShot(true);
  startTimer_.setInterval(kStartDelayMs);
  connect(&startTimer_, &QTimer::timeout, this, &HistogramFeeder::startJob);
  syncWindow();
}

HistogramFeeder::~HistogramFeeder() { cancel_.cancel(); }

Layer* HistogramFeeder::targetLayer() const {
  return target_ < 0 ? nullptr : window_->source()->layer(target_);
}

void HistogramFeeder::setTarget(int layerId) {
  if (layerId == target_) return;
  target_ = layerId;
  restart();
}

bool HistogramFeeder::targetWindow(double& low, double& high) const {
  if (const Layer* l = targetLayer()) {
    if (l->kind != LayerKind::Image) return false;
    low = l->display.low;
    high = l->display.high;
    return true;
  }
  low = window_->state()->low();
  high = window_->state()->high();
  return true;
}

void HistogramFeeder::setTargetWindow(double low, double high) {
  if (!(high > low) || !std::isfinite(low) || !std::isfinite(high)) return;
  if (Layer* l = targetLayer()) {
    if (l->kind != LayerKind::Image) return;
    l->display.low = low;
    l->display.high = high;
    l->display.windowSet = true;
    window_->source()->notifyLayerDisplayChanged();
  } else {
    window_->state()->setRange(low, high);
  }
  syncWindow();
}

void HistogramFeeder::syncWindow() {
  double low = 0, high = 1;
  if (targetWindow(low, high)) widget_->setWindow(low, high);
}

void HistogramFeeder::restart() {
  cancel_.cancel();
  ++generation_;
  startTimer_.stop();
  widget_->clear();
  syncWindow();
  if (targetDataset(true)) startTimer_.start();
}

std::shared_ptr<nz::Dataset> HistogramFeeder::targetDataset(bool note) {
  DataSource* source = window_->source();
  if (!source->dataset() || target_ < 0) return source->dataset();
  const Layer* l = source->layer(target_);
  if (!l) return nullptr;
  if (l->kind == LayerKind::Labels) {
    if (note)
      widget_->clear(QString("%1 is a label layer: no histogram or window (see Measure → "
                             "Statistics for its per-label volumes)")
                         .arg(l->name));
    return nullptr;
  }
  return l->dataset;
}

void HistogramFeeder::startJob() {
  DataSource* source = window_->source();
  std::shared_ptr<nz::Dataset> ds = targetDataset(false);
  if (!ds) return;
  const nz::DatasetInfo& info = ds->info();
  const int coarsest = static_cast<int>(info.levels.size()) - 1;
  int refine = coarsest;
  for (int l = 0; l <= coarsest; ++l) {
    const auto& s = info.levels[static_cast<std::size_t>(l)].shape;
    if (s[0] * s[1] * s[2] <= kRefineVoxels) {
      refine = l;
      break;
    }
  }
  std::vector<int> levels{coarsest};
  if (refine != coarsest) levels.push_back(refine);
  const std::int64_t t = window_->state()->timeIndex(), c = window_->state()->channel();
  // Snapshot of the chunks the views hold for these levels (handed over, never refetched).
  auto held =
      std::make_shared<std::unordered_map<nz::ChunkKey, nz::SharedVolume, nz::ChunkKeyHash>>();
  for (int level : levels)
    for (const nz::ChunkKey& key : levelKeys(ds.get(), level, t, c, 1 << 14))
      if (nz::SharedVolume vol = source->cachedChunk(key)) held->emplace(key, std::move(vol));
  cancel_ = nz::CancelSource();
  const std::uint64_t generation = generation_;
  QPointer<HistogramFeeder> self(this);
  nz::CancelToken token = cancel_.token();
  auto live = live_;
  ++*live;
  runDetached([self, ds, levels, t, c, held, token, generation, live] {
    nz::setCurrentThreadNice(kWorkerNice);
    try {
      nz::LoaderOptions lo;
      lo.maxInFlight = 32;
      lo.cacheBytes = std::min<std::size_t>(nz::defaultCacheBudget(), std::size_t{256} << 20);
      nz::ChunkLoader loader(lo);
      for (int level : levels) {
        nz::Box box;
        box.end = ds->info().levels[static_cast<std::size_t>(level)].shape;
        box.begin[3] = std::min(t, box.end[3] - 1), box.end[3] = box.begin[3] + 1;
        box.begin[4] = std::min(c, box.end[4] - 1), box.end[4] = box.begin[4] + 1;
        nz::Histogram h = nz::computeHistogram(loader, ds, level, box, 256, kAutoLowPercentile,
                                               kAutoHighPercentile, token,
                                               [held](const nz::ChunkKey& k) -> nz::SharedVolume {
                                                 auto it = held->find(k);
                                                 return it == held->end() ? nullptr : it->second;
                                               });
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, h, generation] {
              if (self && self->generation_ == generation) self->widget_->setHistogram(h);
            },
            Qt::QueuedConnection);
      }
    } catch (const std::exception&) {
      // Cancelled, or the data could not be read: the views report read errors themselves.
    }
    --*live;
  });
}

void HistogramFeeder::applyAutoWindow() {
  Layer* layer = targetLayer();
  if (layer && layer->kind != LayerKind::Image) return;
  if (widget_->hasData()) {
    const nz::Histogram& h = widget_->histogram();
    if (!std::isfinite(h.lo) || !std::isfinite(h.hi)) return;  // no finite value
    // h.lo/h.hi: the finite minimum and maximum (the bins' range).
    const WindowRange w = autoWindowFromPercentiles(h.pLow, h.pHigh, h.lo, h.hi);
    setTargetWindow(w.low, w.high);
    return;
  }
  // No histogram yet: the same definition on what the views hold.
  if (!layer) {
    window_->viewer()->applyAutoWindow();
  } else {
    layer->display.windowSet = false;  // the views set it again from the layer's slices
    window_->source()->notifyLayerDisplayChanged();
  }
}

}  // namespace nzviewer
