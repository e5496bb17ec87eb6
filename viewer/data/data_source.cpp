#include "data/data_source.h"

#include <QMetaObject>
#include <chrono>
#include <cstring>
#include <thread>

#include <QFileInfo>
#include <algorithm>

#include "core/error.h"
#include "layers/layer_slice.h"
#include "roi/export_with.h"
#include "roi/resample.h"

namespace nzviewer {

namespace {

// The loader's destructor cancels its fetches and waits for their callbacks. A fetch shared by
// several chunks (a shard index) cannot be cancelled by any one of them and may wait for the
// HTTP client's stall timeout and retries, so the loader is destroyed on a detached thread:
// the GUI thread never waits on the network.
void retireLoader(std::unique_ptr<nz::ChunkLoader> loader) {
  if (!loader) return;
  loader->setCompletionNotifier({});
  std::thread([l = std::move(loader)]() mutable { l.reset(); }).detach();
}
}  // namespace

DataSource::DataSource(QObject* parent) : QObject(parent), link_(std::make_shared<SelfLink>()) {
  link_->owner = this;
}

DataSource::~DataSource() {
  {
    std::lock_guard lock(link_->mutex);  // openers and notifiers running now post nothing
    link_->owner = nullptr;
  }
  retireLoader(std::move(loader_));
}

void DataSource::open(const QString& uri, const nz::StoreOptions& options) {
  // The open dataset stays until the new one has opened (a failed open changes nothing); an
  // earlier opener still running is superseded (generation), not awaited.
  opening_ = true;
  const std::uint64_t generation = ++openGeneration_;
  const std::string u = uri.toStdString();
  std::thread([link = link_, u, options, generation] {
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<nz::Dataset> ds;
    QString error;
    try {
      ds = nz::openDataset(u, options);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    } catch (...) {
      error = QStringLiteral("unknown error while opening the dataset");
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Posted under the link's lock, so the DataSource cannot be destroyed meanwhile; an event
    // still queued when it is destroyed is discarded by Qt.
    std::lock_guard lock(link->mutex);
    DataSource* self = link->owner;
    if (!self) return;
    QMetaObject::invokeMethod(
        self,
        [self, ds, error, generation, secs, uri = QString::fromStdString(u)] {
          if (generation != self->openGeneration_) return;  // superseded by another open
          if (ds) {
            self->close();  // only now: the new dataset is there
            self->uri_ = uri;
          }
          self->finishOpen(self->openGeneration_, ds, error, secs);
        },
        Qt::QueuedConnection);
  }).detach();
}

void DataSource::finishOpen(std::uint64_t generation, std::shared_ptr<nz::Dataset> ds,
                            const QString& error, double secs) {
  if (generation != openGeneration_) return;  // superseded by another open
  opening_ = false;
  if (!ds) {
    emit openFailed(error);
    return;
  }
  dataset_ = std::move(ds);
  openSeconds_ = secs;
  loader_ = std::make_unique<nz::ChunkLoader>();
  loader_->setCompletionNotifier([link = link_] {
    std::lock_guard lock(link->mutex);
    if (link->owner) QMetaObject::invokeMethod(link->owner, "drain", Qt::QueuedConnection);
  });
  emit opened();
}

void DataSource::close() {
  ++openGeneration_;
  opening_ = false;
  if (loader_) {
    loader_->setCompletionNotifier({});
    loader_->setRequests({});
    if (dataset_) loader_->forgetDataset(dataset_.get());
  }
  if (loader_)
    for (const auto& l : layers_) loader_->forgetDataset(l->dataset.get());
  retireLoader(std::move(loader_));
  dataset_.reset();
  const bool hadLayers = !layers_.empty() || !openingLayers_.empty();
  layers_.clear();
  openingLayers_.clear();  // their openers finish into nothing (ids no longer pending)
  layerLevels_.clear();
  failed_.clear();
  applied_ = 0;
  if (hadLayers) emit layersChanged();
  lastChunkError_.clear();
}

std::vector<int> DataSource::setViews(const std::vector<nz::SliceView>& views) {
  if (!dataset_ || !loader_) return std::vector<int>(views.size(), 0);
  nz::ViewRequests set = nz::buildViewRequests(dataset_, views);
  // Every visible layer joins the same generation, each at its own level per view.
  const nz::Matrix4& refAffine = dataset_->info().levels[0].affine;
  layerLevels_.clear();
  const std::size_t referenceRequests = set.requests.size();
  for (const auto& layer : layers_) {
    std::vector<int>& levels = layerLevels_[layer->id];
    for (const nz::SliceView& view : views) {
      nz::SliceView v = view;
      LayerViewRequests r = layerRequests(*layer, refAffine, v);
      levels.push_back(r.level);
      for (auto& q : r.requests) set.requests.push_back(std::move(q));
    }
  }
  lastLayerRequests_ = set.requests.size() - referenceRequests;
  bool any = false;
  for (const nz::LoadedChunk& c : loader_->setRequests(std::move(set.requests))) {
    apply(c);
    any = true;
  }
  if (any) emit chunksArrived();
  return set.levels;
}

int DataSource::layerLevel(int id, std::size_t view) const {
  auto it = layerLevels_.find(id);
  if (it == layerLevels_.end() || view >= it->second.size()) return 0;
  return it->second[view];
}

nz::SharedVolume DataSource::cachedChunk(const nz::ChunkKey& key) const {
  return loader_ ? loader_->cached(key) : nullptr;
}

ChunkLookup DataSource::chunkLookup() const {
  return [this](const nz::ChunkKey& key) { return cachedChunk(key); };
}

ChunkMap DataSource::chunks(int level) const {
  ChunkMap out;
  if (!loader_ || !dataset_) return out;
  for (auto& [key, vol] : loader_->cachedChunks(dataset_.get(), level))
    if (vol) out.emplace(key, std::move(vol));
  return out;
}

std::size_t DataSource::chunkBytesHeld() const {
  return loader_ ? loader_->metrics().cacheBytes : 0;
}

Layer* DataSource::layer(int id) const {
  for (const auto& l : layers_)
    if (l->id == id) return l.get();
  return nullptr;
}

int DataSource::addLayer(const QString& uri, const nz::StoreOptions& options, LayerKind kind,
                         const QString& labelTablePath) {
  const int id = nextLayerId_++;
  openingLayers_.push_back(id);
  const std::string u = uri.toStdString();
  const std::string table = labelTablePath.toStdString();
  std::thread([link = link_, u, table, options, kind, id, uri] {
    auto layer = std::make_shared<Layer>();
    QString error;
    try {
      layer->id = id;
      layer->uri = uri;
      QString name = uri;
      while (name.endsWith('/')) name.chop(1);
      name = name.section('/', -1).section('?', 0, 0);
      for (const char* ext : {".nii.zarr", ".ome.zarr", ".zarr", ".nii.gz", ".nii"})
        if (name.endsWith(QLatin1String(ext))) name.chop(static_cast<int>(std::strlen(ext)));
      layer->name = name.isEmpty() ? uri : name;
      layer->kind = kind;
      if (kind == LayerKind::Labels) layer->display.opacity = 0.5;
      layer->dataset = nz::openDataset(u, options);
      if (kind == LayerKind::Labels) {
        nz::requireLabelDataset(layer->dataset->info());
        if (!table.empty()) layer->labels = nz::LabelTable::load(table);
      }
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    } catch (...) {
      error = QStringLiteral("unknown error while opening the layer");
    }
    std::lock_guard lock(link->mutex);
    DataSource* self = link->owner;
    if (!self) return;
    QMetaObject::invokeMethod(
        self, [self, id, layer, error] { self->finishLayer(id, layer, error); },
        Qt::QueuedConnection);
  }).detach();
  return id;
}

void DataSource::finishLayer(int id, std::shared_ptr<Layer> layer, const QString& error) {
  auto pending = std::find(openingLayers_.begin(), openingLayers_.end(), id);
  if (pending == openingLayers_.end()) return;  // closed meanwhile
  openingLayers_.erase(pending);
  const QString shown = layer ? layer->uri : QString();
  if (!error.isEmpty() || !layer || !layer->dataset) {
    emit layerFailed(QString("Layer %1: %2").arg(shown, error));
    emit layersChanged();
    return;
  }
  if (!dataset_ || !loader_) {
    emit layerFailed(QString("Layer %1: open an image first (the first dataset sets the "
                             "reference grid)")
                         .arg(shown));
    emit layersChanged();
    return;
  }
  // Overlap in world space: the reference's voxels that would sample the layer.
  const nz::DatasetInfo& ref = dataset_->info();
  const nz::DatasetInfo& info = layer->dataset->info();
  try {
    const nz::Matrix4 m = nz::voxelToVoxel(ref.levels[0].affine, info.levels[0].affine);
    layer->overlapsReference =
        !nz::nearestSourceBox(m, {ref.shape[0], ref.shape[1], ref.shape[2]}, info.levels[0].shape)
             .empty();
  } catch (const std::exception& e) {
    emit layerFailed(QString("Layer %1: %2").arg(shown, QString::fromStdString(e.what())));
    emit layersChanged();
    return;
  }
  layers_.push_back(layer);
  if (!layer->overlapsReference)
    emit layerWarning(QString("Layer %1 does not overlap %2 in world space (mm); nothing of it "
                              "is drawn. Check that both share one scanner/world space.")
                          .arg(layer->name, QFileInfo(uri_).fileName().isEmpty()
                                                ? uri_
                                                : QFileInfo(uri_).fileName()));
  emit layersChanged();
}

void DataSource::removeLayer(int id) {
  auto it =
      std::find_if(layers_.begin(), layers_.end(), [id](const auto& l) { return l->id == id; });
  if (it == layers_.end()) return;
  std::shared_ptr<Layer> gone = *it;
  layers_.erase(it);
  layerLevels_.erase(id);
  // Its chunks leave the cache now; queued requests go with the next generation (the views
  // re-request on layersChanged), and chunks still in flight are ignored when they complete.
  if (loader_) loader_->forgetDataset(gone->dataset.get());
  for (auto f = failed_.begin(); f != failed_.end();)
    f = f->dataset == gone->dataset.get() ? failed_.erase(f) : std::next(f);
  emit layersChanged();
}

void DataSource::moveLayer(int id, int delta) {
  auto it =
      std::find_if(layers_.begin(), layers_.end(), [id](const auto& l) { return l->id == id; });
  if (it == layers_.end()) return;
  const long from = it - layers_.begin();
  const long to = std::clamp<long>(from + delta, 0, static_cast<long>(layers_.size()) - 1);
  if (to == from) return;
  auto l = *it;
  layers_.erase(it);
  layers_.insert(layers_.begin() + to, l);
  emit layersChanged();
}

void DataSource::drain() {
  if (!loader_) return;
  std::vector<nz::LoadedChunk> batch = loader_->takeCompleted(64);
  if (batch.empty()) return;
  for (const auto& c : batch) apply(c);
  emit chunksArrived();
}

void DataSource::apply(const nz::LoadedChunk& c) {
  // The voxels stay in the loader's cache; only failures are remembered here (they count as
  // ready: they will never arrive). Chunks of removed layers are ignored.
  bool known = c.key.dataset == dataset_.get();
  for (const auto& l : layers_) known = known || c.key.dataset == l->dataset.get();
  if (!known) return;
  if (c.ok && c.volume) {
    failed_.erase(c.key);
    ++applied_;
  } else if (!c.ok) {
    failed_.insert(c.key);
    lastChunkError_ = QString::fromStdString(c.error);
  }
}

nz::LoaderMetrics DataSource::metrics() const {
  return loader_ ? loader_->metrics() : nz::LoaderMetrics{};
}

}  // namespace nzviewer
