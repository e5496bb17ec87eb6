#include "loader/chunk_loader.h"

#include <algorithm>
#include <exception>

namespace nz {

namespace {
constexpr auto kThroughputWindow = std::chrono::seconds(2);

// Decoded size of one chunk (cropped at the level's edge).
std::size_t chunkBytes(const ChunkRequest& r) {
  const auto& levels = r.dataset->info().levels;
  if (r.level < 0 || r.level >= static_cast<int>(levels.size())) return 0;
  const LevelInfo& L = levels[r.level];
  std::size_t n = dtypeSize(L.dtype);
  for (int i = 0; i < 5; ++i) {
    const std::int64_t begin = r.chunk[i] * L.chunkShape[i];
    const std::int64_t end = std::min(begin + L.chunkShape[i], L.shape[i]);
    n *= static_cast<std::size_t>(std::max<std::int64_t>(end - begin, 0));
  }
  return n;
}
}  // namespace

ChunkLoader::ChunkLoader(LoaderOptions options)
    : cache_(options.cacheBytes ? options.cacheBytes : defaultCacheBudget()),
      scheduler_(options.maxInFlight),
      prefetchBudget_(options.prefetchBytes) {
  dispatcher_ = std::thread([this] { run(); });
}

ChunkLoader::~ChunkLoader() {
  std::vector<CancelSource> cancels;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    notifier_.reset();
    cancels = scheduler_.abortAll();
  }
  for (auto& c : cancels) c.cancel();
  wake_.notify_all();
  dispatcher_.join();
  // Callbacks capture `this`: wait until every started fetch has reported back.
  std::unique_lock lock(mutex_);
  idleCond_.wait(lock, [this] { return outstanding_ == 0; });
}

std::vector<LoadedChunk> ChunkLoader::setRequests(std::vector<ChunkRequest> wanted) {
  std::vector<LoadedChunk> hits;
  std::size_t visibleWanted = 0, misses = 0;
  std::unordered_set<ChunkKey, ChunkKeyHash> visiblePending;
  auto isCached = [&](const ChunkKey& key) { return cache_.contains(key); };
  {
    std::lock_guard lock(mutex_);
    // A forgotten dataset requested again is wanted again.
    if (!forgotten_.empty())
      for (const auto& r : wanted) forgotten_.erase(r.dataset.get());
    // Under the loader lock, so a fetch finishing now is either a hit here or delivered
    // through takeCompleted for this generation, never lost in between.
    auto order = scheduler_.setRequests(std::move(wanted), isCached);
    cache_.touchGeneration(scheduler_.generation(), order);
    hits.reserve(order.size());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {  // most important first
      const auto& [key, tier] = *it;
      if (tier == Tier::Visible) ++visibleWanted;
      if (auto c = cache_.find(key)) {
        LoadedChunk out;
        out.key = key;
        out.tier = tier;
        out.ok = true;
        out.fromCache = true;
        out.missing = c->missing;
        out.box = c->box;
        out.volume = std::move(c->volume);
        out.storedBytes = c->storedBytes;
        hits.push_back(std::move(out));
      } else {
        ++misses;
        if (tier == Tier::Visible) visiblePending.insert(key);
      }
    }
    counters_.generation = scheduler_.generation();
    counters_.wanted = order.size();
    counters_.visibleWanted = visibleWanted;
    counters_.visibleAvailable = visibleWanted - visiblePending.size();
    counters_.cacheHits += hits.size();
    counters_.cacheMisses += misses;
    visiblePending_.swap(visiblePending);
    prefetchStarted_ = 0;
    // Completed chunks of the previous generation that are no longer wanted are dropped here
    // (they stay cached); the rest keep their place in the queue.
    std::erase_if(completed_, [this](const LoadedChunk& c) {
      return scheduler_.wantedTier(c.key) == Tier::Recent;
    });
    dirty_ = true;
  }
  wake_.notify_all();
  // `visiblePending` now holds the previous generation's set: freed outside the lock.
  return hits;
}

std::vector<LoadedChunk> ChunkLoader::takeCompleted(std::size_t maxBatch) {
  std::vector<LoadedChunk> out;
  std::shared_ptr<const std::function<void()>> notifier;
  {
    std::lock_guard lock(mutex_);
    const std::size_t n = std::min(maxBatch, completed_.size());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(completed_.front()));
      completed_.pop_front();
    }
    if (completed_.empty()) {
      notifyArmed_ = true;
    } else {
      notifier = notifier_;  // more waiting: ask for another drain
      notifyArmed_ = false;
    }
  }
  if (notifier && *notifier) (*notifier)();
  return out;
}

void ChunkLoader::setCompletionNotifier(std::function<void()> notifier) {
  std::lock_guard lock(mutex_);
  notifier_ = std::make_shared<const std::function<void()>>(std::move(notifier));
}

SharedVolume ChunkLoader::cached(const ChunkKey& key) const {
  auto c = cache_.find(key);
  return c ? c->volume : nullptr;
}

std::optional<CachedChunk> ChunkLoader::cachedChunk(const ChunkKey& key) const {
  return cache_.find(key);
}

LoaderMetrics ChunkLoader::metrics() const {
  LoaderMetrics m;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    m = counters_;
    m.queueLength = scheduler_.queued();
    m.inFlight = scheduler_.inFlight();
    m.maxInFlight = scheduler_.maxInFlight();
    while (!recentBytes_.empty() && now - recentBytes_.front().first > kThroughputWindow)
      recentBytes_.pop_front();
    std::uint64_t bytes = 0;
    for (const auto& s : recentBytes_) bytes += s.second;
    const double window = std::min(std::chrono::duration<double>(kThroughputWindow).count(),
                                   std::chrono::duration<double>(now - started_).count());
    m.throughputBytesPerSecond = window > 0 ? double(bytes) / window : 0;
  }
  const CacheStats c = cache_.stats();
  m.cacheEvictions = c.evictions;
  m.cacheRejected = c.rejected;
  m.cacheBytes = c.bytes;
  m.cachePeakBytes = c.peakBytes;
  m.cacheBudget = c.budget;
  m.cacheEntries = c.entries;
  m.seconds = std::chrono::duration<double>(now - started_).count();
  return m;
}

void ChunkLoader::forgetDataset(const Dataset* dataset) {
  std::vector<CancelSource> cancels;
  {
    std::lock_guard lock(mutex_);
    cancels = scheduler_.abortDataset(dataset);
    counters_.aborted += cancels.size();
    if (outstandingOf_.count(dataset)) forgotten_.insert(dataset);
    std::erase_if(completed_, [dataset](const LoadedChunk& c) { return c.key.dataset == dataset; });
    std::erase_if(visiblePending_, [dataset](const ChunkKey& k) { return k.dataset == dataset; });
    cache_.eraseDataset(dataset);  // under the loader lock: no callback inserts in between
    dirty_ = true;
  }
  for (auto& c : cancels) c.cancel();
  wake_.notify_all();
}

void ChunkLoader::setPrefetchBudget(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    prefetchBudget_ = bytes;
    dirty_ = true;
  }
  wake_.notify_all();
}

void ChunkLoader::setCacheBudget(std::size_t bytes) { cache_.setBudget(bytes); }

void ChunkLoader::setMaxInFlight(std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    scheduler_.setMaxInFlight(n);
    dirty_ = true;
  }
  wake_.notify_all();
}

bool ChunkLoader::idle() const {
  std::lock_guard lock(mutex_);
  return idleLocked();
}

bool ChunkLoader::waitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idleCond_.wait_for(lock, timeout, [this] { return idleLocked(); });
}

void ChunkLoader::run() {
  auto isCached = [this](const ChunkKey& key) { return cache_.contains(key); };
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || dirty_; });
    if (stop_) return;
    dirty_ = false;
    Dispatch d = scheduler_.dispatch(
        isCached, [this](const ChunkRequest& r) { return mayPrefetchLocked(r); });
    counters_.requests += d.start.size();
    counters_.aborted += d.abort.size();
    counters_.prefetchDropped += d.prefetchDropped;
    outstanding_ += d.start.size();
    for (const auto& f : d.start) {
      const std::size_t bytes = chunkBytes(f.request);
      inFlightBytes_ += bytes;
      ++outstandingOf_[f.request.dataset.get()];
      const auto level = static_cast<std::size_t>(std::max(f.request.level, 0));
      if (counters_.requestsByLevel.size() <= level) counters_.requestsByLevel.resize(level + 1);
      ++counters_.requestsByLevel[level];
      if (f.request.tier == Tier::Prefetch) ++counters_.prefetchRequests;
    }
    const bool nowIdle = idleLocked();
    lock.unlock();
    if (nowIdle) idleCond_.notify_all();
    for (auto& c : d.abort) c.cancel();
    for (const auto& f : d.start) issue(f);
    lock.lock();
  }
}

bool ChunkLoader::mayPrefetchLocked(const ChunkRequest& request) {
  // Prefetch only within its own budget per generation, and only what fits beside the chunks
  // this generation already holds or is fetching, so prefetching never fetches chunks the cache
  // would reject or evicts visible ones.
  const std::size_t bytes = chunkBytes(request);
  if (prefetchStarted_ + bytes > prefetchBudget_ ||
      cache_.wantedBytes() + inFlightBytes_ + bytes > cache_.budget())
    return false;
  prefetchStarted_ += bytes;  // the fetch starts now (the scheduler asks only then)
  return true;
}

void ChunkLoader::issue(const StartedFetch& fetch) {
  const ChunkRequest& r = fetch.request;
  try {
    r.dataset->readChunkAsync(r.level, r.chunk, fetch.cancel,
                              [this, request = r, id = fetch.fetchId](ChunkResult result) {
                                onFetched(request, id, std::move(result));
                              });
  } catch (const Error& e) {
    ChunkResult result;
    result.errorKind = e.kind();
    result.error = e.what();
    onFetched(r, fetch.fetchId, std::move(result));
  } catch (const std::exception& e) {
    ChunkResult result;
    result.error = e.what();
    onFetched(r, fetch.fetchId, std::move(result));
  }
}

void ChunkLoader::onFetched(const ChunkRequest& request, std::uint64_t fetchId,
                            ChunkResult result) {
  const ChunkKey key = request.key();
  std::shared_ptr<const std::function<void()>> notifier;
  {
    std::lock_guard lock(mutex_);
    const FinishInfo fi = scheduler_.finish(key, fetchId);
    // A forgotten dataset's late result (a removed layer) lands nowhere.
    const bool forgotten = forgotten_.count(key.dataset) != 0;
    if (forgotten) {
      result.ok = false;
      result.volume.reset();
      result.errorKind = ErrorKind::Cancelled;
    }
    const bool ok = result.ok && result.volume;
    const bool cancelled = !ok && result.errorKind == ErrorKind::Cancelled;
    if (!ok && result.error.empty()) result.error = "chunk read returned no data";
    if (ok) {
      ++counters_.completed;
      if (result.missing) ++counters_.missing;
      counters_.bytesFetched += result.storedBytes;
      counters_.bytesDecoded += result.volume->data.size();
      if (result.storedBytes) recentBytes_.emplace_back(Clock::now(), result.storedBytes);
      cache_.insert(key, CachedChunk{result.volume, result.box, result.missing, result.storedBytes},
                    fi.wanted, request.dataset);
    } else if (!cancelled && fi.current) {
      ++counters_.failed;
    }
    // Deliver what this generation wants, once: an aborted fetch that still brought data
    // delivers it unless a newer fetch of the same chunk is running.
    const bool deliver = !stop_ && fi.wanted != Tier::Recent && !fi.otherInFlight &&
                         (ok || (!cancelled && fi.current));
    if (deliver) {
      LoadedChunk out;
      out.key = key;
      out.tier = fi.wanted;
      out.ok = ok;
      out.missing = result.missing;
      out.box = result.box;
      out.volume = std::move(result.volume);
      out.storedBytes = result.storedBytes;
      out.errorKind = result.errorKind;
      out.error = std::move(result.error);
      if (ok && visiblePending_.erase(key)) ++counters_.visibleAvailable;
      completed_.push_back(std::move(out));
      if (notifyArmed_ && notifier_) {
        notifyArmed_ = false;
        notifier = notifier_;
      }
    }
    dirty_ = true;  // a slot is free
    wake_.notify_all();
  }
  if (notifier && *notifier) (*notifier)();
  // Last touch of `this`, under the lock: once outstanding_ reaches 0 the destructor may return,
  // so nothing (not even a notify) may follow the unlock.
  std::lock_guard lock(mutex_);
  inFlightBytes_ -= std::min(inFlightBytes_, chunkBytes(request));
  auto of = outstandingOf_.find(request.dataset.get());
  if (of != outstandingOf_.end() && --of->second == 0) {
    outstandingOf_.erase(of);
    forgotten_.erase(request.dataset.get());
  }
  if (--outstanding_ == 0) idleCond_.notify_all();
}

}  // namespace nz
