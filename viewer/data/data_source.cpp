#include "data/data_source.h"

#include <QMetaObject>
#include <chrono>
#include <cstring>
#include <tuple>

#include <QFileInfo>
#include <algorithm>

#include "core/error.h"
#include "data/background.h"
#include "data/prefetch_setting.h"
#include "layers/layer_slice.h"
#include "roi/export_with.h"
#include "roi/resample.h"

namespace nzviewer {

namespace {

// The loader's destructor cancels its fetches and waits for their callbacks. A fetch shared by
// several chunks (a shard index) cannot be cancelled by any one of them and may wait for the
// HTTP client's stall timeout and retries, so the loader is destroyed on a detached thread:
// the GUI thread never waits on the network. The thread is counted (data/background.h): the
// application waits for it when it ends, before static objects the teardown uses are destroyed.
void retireLoader(std::shared_ptr<nz::ChunkLoader> loader) {
  if (!loader) return;
  loader->setCompletionNotifier({});
  runDetached([l = std::move(loader)]() mutable { l.reset(); });
}
}  // namespace

DataSource::DataSource(QObject* parent)
    : QObject(parent), link_(std::make_shared<SelfLink>()), prefetchBudget_(loadPrefetchBudget()) {
  link_->owner = this;
}

DataSource::~DataSource() {
  {
    std::lock_guard lock(link_->mutex);  // openers and notifiers running now post nothing
    link_->owner = nullptr;
  }
  retireLoader(std::move(loader_));
}

void DataSource::open(const QString& uri, const nz::StoreOptions& options,
                      std::shared_ptr<nz::Dataset> alreadyOpened) {
  // The open dataset stays until the new one has opened (a failed open changes nothing); an
  // earlier opener still running is superseded (generation), not awaited.
  opening_ = true;
  const std::uint64_t generation = ++openGeneration_;
  const std::string u = uri.toStdString();
  runDetached([link = link_, u, options, generation, opened = std::move(alreadyOpened)] {
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<nz::Dataset> ds;
    QString error;
    try {
      ds = opened ? opened : nz::openDataset(u, options);
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
  });
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
  nz::LoaderOptions options;
  options.prefetchBytes = prefetchBudget_;
  loader_ = std::make_shared<nz::ChunkLoader>(options);
  if (maxInFlight_ > 0) loader_->setMaxInFlight(maxInFlight_);
  loader_->setCompletionNotifier([link = link_] {
    std::lock_guard lock(link->mutex);
    if (link->owner) QMetaObject::invokeMethod(link->owner, "drain", Qt::QueuedConnection);
  });
  emit opened();
}

void DataSource::setMaxInFlight(std::size_t n) {
  maxInFlight_ = n;
  if (loader_) loader_->setMaxInFlight(n > 0 ? n : nz::LoaderOptions{}.maxInFlight);
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
  displayed_.clear();
  lastViews_.clear();
  volumeRequests_.clear();
  failed_.clear();
  applied_ = 0;
  if (hadLayers) emit layersChanged();
  lastChunkError_.clear();
}

void DataSource::setViews(const std::vector<ViewRequest>& views) {
  if (!dataset_ || !loader_) return;
  lastViews_ = views;
  std::vector<nz::ViewSlice> reference;
  reference.reserve(views.size());
  for (const ViewRequest& v : views) reference.push_back(v.reference);
  nz::ViewRequests set = nz::buildViewRequests(dataset_, reference);
  // Every visible layer joins the same generation, each at the level its view chose.
  const nz::Matrix4& refAffine = dataset_->info().levels[0].affine;
  const std::size_t referenceRequests = set.requests.size();
  for (const auto& layer : layers_)
    for (const ViewRequest& v : views) {
      int level = -1;
      for (const auto& [id, l] : v.layerLevels)
        if (id == layer->id) level = l;
      LayerViewRequests r = layerRequests(*layer, refAffine, v.reference, level);
      for (auto& q : r.requests) set.requests.push_back(std::move(q));
    }
  lastLayerRequests_ = set.requests.size() - referenceRequests;
  displayed_.clear();
  for (const auto& r : set.requests)
    if (r.tier == nz::Tier::Visible) displayed_.push_back(r.key());
  std::sort(displayed_.begin(), displayed_.end(), [](const nz::ChunkKey& a, const nz::ChunkKey& b) {
    return std::tie(a.dataset, a.level, a.chunk) < std::tie(b.dataset, b.level, b.chunk);
  });
  displayed_.erase(std::unique(displayed_.begin(), displayed_.end()), displayed_.end());
  // The 3D view's standing requests join the generation (not counted as displayed slices).
  set.requests.insert(set.requests.end(), volumeRequests_.begin(), volumeRequests_.end());
  bool any = false;
  for (const nz::LoadedChunk& c : loader_->setRequests(std::move(set.requests))) {
    apply(c);
    any = true;
  }
  if (any) emit chunksArrived();
}

void DataSource::setPrefetchBudget(std::size_t bytes) {
  prefetchBudget_ = bytes;
  if (loader_) loader_->setPrefetchBudget(bytes);
}

DataSource::Displayed DataSource::displayed() const {
  Displayed d;
  if (!loader_) return d;
  d.chunks = displayed_.size();
  for (const nz::ChunkKey& key : displayed_)
    if (auto c = loader_->cachedChunk(key)) d.storedBytes += c->storedBytes;
  return d;
}

void DataSource::setVolumeRequests(std::vector<nz::ChunkRequest> requests) {
  volumeRequests_ = std::move(requests);
  if (dataset_ && loader_) setViews(lastViews_);
}

nz::SharedVolume DataSource::cachedChunk(const nz::ChunkKey& key) const {
  return loader_ ? loader_->cached(key) : nullptr;
}

ChunkLookup DataSource::chunkLookup() const {
  return [loader = loader_](const nz::ChunkKey& key) -> nz::SharedVolume {
    return loader ? loader->cached(key) : nullptr;
  };
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
  runDetached([link = link_, u, table, options, kind, id, uri] {
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
      layer->options = options;
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
  });
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
  // Its chunks leave the cache now, its queued requests are dropped and its running fetches
  // aborted; one that still completes (a fetch that could not be cancelled) is dropped by the
  // loader, never cached.
  if (loader_) loader_->forgetDataset(gone->dataset.get());
  std::erase_if(displayed_,
                [&gone](const nz::ChunkKey& k) { return k.dataset == gone->dataset.get(); });
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

void DataSource::setLayerOrder(const std::vector<int>& idsBottomFirst) {
  std::vector<std::shared_ptr<Layer>> ordered;
  for (int id : idsBottomFirst)
    for (const auto& l : layers_)
      if (l->id == id && std::find(ordered.begin(), ordered.end(), l) == ordered.end())
        ordered.push_back(l);
  for (const auto& l : layers_)
    if (std::find(ordered.begin(), ordered.end(), l) == ordered.end()) ordered.push_back(l);
  if (ordered == layers_) return;
  layers_ = std::move(ordered);
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
