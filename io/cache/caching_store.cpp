#include "cache/caching_store.h"

#include <condition_variable>
#include <functional>

#include "cache/cache_key.h"
#include "cache/caching_store.h"
#include "core/thread_pool.h"

namespace nz {

namespace {

// Disk reads and writes of the cache: a few threads are enough to keep up with the network and
// stay out of the decode pool. Never destroyed, so no exit-time ordering with stores in flight.
ThreadPool& diskPool() {
  static auto* pool = new ThreadPool(4);
  return *pool;
}

// Tasks posted and not finished yet: waitForDiskCacheWrites() waits for zero, so that a process
// that exits right after its last read still leaves every fetched object in the cache.
std::mutex gPendingMutex;
std::condition_variable gPendingDone;
std::size_t gPending = 0;

void postDiskTask(std::function<void()> task) {
  {
    std::lock_guard lock(gPendingMutex);
    ++gPending;
  }
  diskPool().post([task = std::move(task)] {
    task();
    std::lock_guard lock(gPendingMutex);
    if (--gPending == 0) gPendingDone.notify_all();
  });
}

std::atomic<std::uint64_t> gHits{0}, gHitBytes{0}, gFetched{0};

std::mutex gDefaultMutex;
DiskCacheSettings gDefault;  // off until an application says otherwise

CacheEntry entryFrom(const ReadResult& r) {
  CacheEntry e;
  e.missing = r.missing();
  if (r.ok()) e.data = r.data;
  e.totalSize = r.totalSize;
  e.etag = r.etag;
  e.lastModified = r.lastModified;
  return e;
}

// True when the server's answer says the object is not the one cached.
bool differs(const CacheEntry& cached, const ReadResult& fresh) {
  if (cached.missing != fresh.missing()) return true;
  if (!cached.etag.empty() && !fresh.etag.empty() && cached.etag != fresh.etag) return true;
  if (!cached.lastModified.empty() && !fresh.lastModified.empty() &&
      cached.lastModified != fresh.lastModified)
    return true;
  return fresh.ok() && cached.data != fresh.data;
}

}  // namespace

void waitForDiskCacheWrites() {
  std::unique_lock lock(gPendingMutex);
  gPendingDone.wait(lock, [] { return gPending == 0; });
}

DiskCacheCounters diskCacheCounters() { return {gHits.load(), gHitBytes.load(), gFetched.load()}; }

void setDefaultDiskCache(const DiskCacheSettings& settings) {
  std::lock_guard lock(gDefaultMutex);
  gDefault = settings;
}

DiskCacheSettings defaultDiskCache() {
  std::lock_guard lock(gDefaultMutex);
  return gDefault;
}

std::shared_ptr<Store> wrapWithDiskCache(std::shared_ptr<Store> inner, const Uri& uri,
                                         const StoreOptions& options,
                                         const DiskCacheSettings& settings) {
  auto cache = DiskCache::open(settings.dir, settings.budgetBytes);
  return std::make_shared<CachingStore>(std::move(inner), std::move(cache),
                                        canonicalDatasetId(uri, options), settings);
}

CachingStore::CachingStore(std::shared_ptr<Store> inner, std::shared_ptr<DiskCache> cache,
                           std::string datasetId, const DiskCacheSettings& settings)
    : inner_(std::move(inner)),
      cache_(std::move(cache)),
      datasetId_(std::move(datasetId)),
      offline_(settings.offline),
      pin_(settings.pin) {}

std::string CachingStore::offlineMessage(const std::string& key) const {
  return "offline: " + inner_->describeKey(key) +
         " is not in the disk cache (pin it with 'nzview-cli prefetch' while online)";
}

ReadResult CachingStore::hit(CacheEntry entry) {
  ReadResult r;
  r.status = entry.missing ? ReadResult::Status::Missing : ReadResult::Status::Ok;
  r.totalSize = entry.totalSize;
  r.etag = std::move(entry.etag);
  r.lastModified = std::move(entry.lastModified);
  r.data = std::move(entry.data);
  diskHits_++;
  diskBytes_ += r.data.size();
  gHits++;
  gHitBytes += r.data.size();
  return r;
}

void CachingStore::readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                             ReadCallback done) {
  const std::string objectId = objectIdFor(key, range);
  bool check = false;
  if (!offline_ && isMetadataKey(key)) {
    std::lock_guard lock(mutex_);
    check = revalidated_.insert(objectId).second;
  }
  if (check) {
    revalidate(key, objectId, range, std::move(cancel), std::move(done));
    return;
  }
  auto self = shared_from_this();
  postDiskTask([self, key, objectId, range, cancel, done = std::move(done)]() mutable {
    self->readFromCacheOrNetwork(key, objectId, range, std::move(cancel), std::move(done));
  });
}

void CachingStore::readFromCacheOrNetwork(const std::string& key, const std::string& objectId,
                                          ByteRange range, CancelToken cancel, ReadCallback done) {
  if (auto entry = cache_->get(datasetId_, objectId, pin_)) {
    done(hit(std::move(*entry)));
    return;
  }
  if (offline_) {
    ReadResult r;
    r.status = ReadResult::Status::Error;
    r.errorKind = ErrorKind::Network;
    r.error = offlineMessage(key);
    done(std::move(r));
    return;
  }
  fetch(key, objectId, range, std::move(cancel), std::move(done));
}

void CachingStore::fetch(const std::string& key, const std::string& objectId, ByteRange range,
                         CancelToken cancel, ReadCallback done) {
  auto self = shared_from_this();
  inner_->readAsync(key, range, std::move(cancel),
                    [self, objectId, done = std::move(done)](ReadResult r) {
                      if (r.ok() || r.missing()) {
                        gFetched++;
                        // Written off the transfer thread; the caller gets its bytes now.
                        postDiskTask([self, objectId, entry = entryFrom(r)] {
                          self->cache_->put(self->datasetId_, objectId, entry, self->pin_);
                        });
                      }
                      done(std::move(r));
                    });
}

void CachingStore::revalidate(const std::string& key, const std::string& objectId, ByteRange range,
                              CancelToken cancel, ReadCallback done) {
  auto self = shared_from_this();
  postDiskTask([self, key, objectId, range, cancel, done = std::move(done)]() mutable {
    auto cached = self->cache_->get(self->datasetId_, objectId);
    auto answer = [self, objectId, cached, done = std::move(done)](ReadResult r) mutable {
      postDiskTask([self, objectId, cached = std::move(cached), r = std::move(r),
                    done = std::move(done)]() mutable {
        self->afterRevalidation(objectId, std::move(cached), std::move(r), std::move(done));
      });
    };
    // With a validator the server can say "unchanged" without sending the object again.
    // The cached copy is of the same range (objectId includes it), e.g. a capped metadata prefix.
    if (cached && !cached->missing && (!cached->etag.empty() || !cached->lastModified.empty()))
      self->inner_->readIfChangedAsync(key, range, cached->etag, cached->lastModified,
                                       std::move(cancel), std::move(answer));
    else
      self->inner_->readAsync(key, range, std::move(cancel), std::move(answer));
  });
}

void CachingStore::afterRevalidation(const std::string& objectId, std::optional<CacheEntry> cached,
                                     ReadResult r, ReadCallback done) {
  if (r.notModified && cached) {
    if (pin_) cache_->get(datasetId_, objectId, true);  // refresh LRU time and pin
    done(hit(std::move(*cached)));
    return;
  }
  if ((r.ok() && !r.notModified) || r.missing()) {
    // A changed metadata document means the chunks may have been rewritten in place:
    // nothing cached for this dataset can be trusted any more.
    if (cached && differs(*cached, r)) cache_->dropDataset(datasetId_);
    cache_->put(datasetId_, objectId, entryFrom(r), pin_);
    done(std::move(r));
    return;
  }
  if (r.status == ReadResult::Status::Error && cached) {
    done(hit(std::move(*cached)));  // server unreachable: the cached copy
    return;
  }
  if (r.notModified) {  // a 304 for a copy that vanished meanwhile: report, do not guess
    r.status = ReadResult::Status::Error;
    r.errorKind = ErrorKind::Network;
    r.error = "revalidation of " + inner_->describeKey(objectId) + " lost its cached copy";
    r.notModified = false;
  }
  done(std::move(r));
}

std::optional<std::uint64_t> CachingStore::size(const std::string& key) {
  if (!offline_) return inner_->size(key);
  auto entry = cache_->get(datasetId_, objectIdFor(key, ByteRange::all()));
  if (!entry) throw Error(ErrorKind::Network, offlineMessage(key));
  if (entry->missing) return std::nullopt;
  return entry->totalSize.value_or(entry->data.size());
}

void CachingStore::write(const std::string& key, const Bytes& data) {
  if (offline_)
    throw Error(ErrorKind::Network, "offline: cannot write " + inner_->describeKey(key));
  inner_->write(key, data);
  // Whatever was cached for this dataset may now be out of date (ranges of the object too).
  std::lock_guard lock(mutex_);
  if (!droppedForWrite_) {
    cache_->dropDataset(datasetId_);
    droppedForWrite_ = true;
  }
  cache_->remove(datasetId_, objectIdFor(key, ByteRange::all()));
  revalidated_.clear();
}

void CachingStore::remove(const std::string& key) {
  if (offline_)
    throw Error(ErrorKind::Network, "offline: cannot remove " + inner_->describeKey(key));
  inner_->remove(key);
  cache_->remove(datasetId_, objectIdFor(key, ByteRange::all()));
}

StoreStats CachingStore::stats() const {
  StoreStats s = inner_->stats();
  s.diskHits = diskHits_.load();
  s.diskBytes = diskBytes_.load();
  return s;
}

}  // namespace nz
