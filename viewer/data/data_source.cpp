#include "data/data_source.h"

#include <QMetaObject>
#include <chrono>
#include <thread>

#include "core/error.h"

namespace nzviewer {

namespace {
// Chunks kept on the GUI side beyond the current request set (they share memory with the
// loader's cache; this bound only matters once the loader has evicted them).
constexpr std::size_t kHeldBudget = std::size_t(768) << 20;
std::size_t volumeBytes(const nz::SharedVolume& v) { return v ? v->data.size() : 0; }

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
  retireLoader(std::move(loader_));
  dataset_.reset();
  chunks_.clear();
  failed_.clear();
  wanted_.clear();
  heldBytes_ = 0;
  applied_ = 0;
  lastChunkError_.clear();
}

std::vector<int> DataSource::setViews(const std::vector<nz::SliceView>& views) {
  if (!dataset_ || !loader_) return std::vector<int>(views.size(), 0);
  nz::ViewRequests set = nz::buildViewRequests(dataset_, views);
  wanted_.clear();
  for (const auto& r : set.requests)
    if (r.tier == nz::Tier::Visible) wanted_.insert(r.key());
  bool any = false;
  for (const nz::LoadedChunk& c : loader_->setRequests(std::move(set.requests))) {
    if (!chunks_.count(c.key)) {
      apply(c);
      any = true;
    }
  }
  prune();
  if (any) emit chunksArrived();
  return set.levels;
}

void DataSource::drain() {
  if (!loader_) return;
  std::vector<nz::LoadedChunk> batch = loader_->takeCompleted(64);
  if (batch.empty()) return;
  for (const auto& c : batch) apply(c);
  prune();
  emit chunksArrived();
}

void DataSource::apply(const nz::LoadedChunk& c) {
  if (c.key.dataset != dataset_.get()) return;
  if (c.ok && c.volume) {
    auto& slot = chunks_[c.key];
    heldBytes_ -= volumeBytes(slot);
    slot = c.volume;
    heldBytes_ += volumeBytes(slot);
    failed_.erase(c.key);
    ++applied_;
  } else if (!c.ok) {
    failed_.insert(c.key);
    lastChunkError_ = QString::fromStdString(c.error);
  }
}

void DataSource::prune() {
  if (heldBytes_ <= kHeldBudget) return;
  for (auto it = chunks_.begin(); it != chunks_.end() && heldBytes_ > kHeldBudget / 2;) {
    if (wanted_.count(it->first)) {
      ++it;
      continue;
    }
    heldBytes_ -= volumeBytes(it->second);
    it = chunks_.erase(it);
  }
}

nz::LoaderMetrics DataSource::metrics() const {
  return loader_ ? loader_->metrics() : nz::LoaderMetrics{};
}

}  // namespace nzviewer
