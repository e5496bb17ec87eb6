#pragma once
// Background streaming loader for the slice views: visible chunks first, coarse to fine,
// stale requests cancelled, decoded chunks kept in one byte-bounded cache. Qt-free.
//
// Usage from the GUI thread (the only thread that calls setRequests/takeCompleted):
//
//   nz::ChunkLoader loader;                                // default budget and concurrency
//   loader.setCompletionNotifier([w] { QMetaObject::invokeMethod(w, &W::drain,
//                                                                 Qt::QueuedConnection); });
//   // On every view change (pan, zoom, scroll, crosshair move): the whole wanted set.
//   auto set = nz::buildOrthoRequests(dataset, crosshair, views);   // slice_request.h
//   for (auto& c : loader.setRequests(std::move(set.requests))) apply(c);  // cache hits, now
//   // W::drain, on the GUI thread after the notifier posted it:
//   for (auto& c : loader.takeCompleted(64)) apply(c);               // fetched since
//
// Threads: setRequests/takeCompleted/cached/metrics never wait on the network; they take one
// short lock and are O(requests) / O(batch). One dispatcher thread issues
// Dataset::readChunkAsync (so a local store that completes inline never runs on the GUI
// thread); fetching and decoding run on the dataset's threads; completion callbacks only
// update the cache and the completion queue.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loader/chunk_cache.h"
#include "loader/chunk_key.h"
#include "loader/chunk_scheduler.h"
#include "loader/loader_metrics.h"

namespace nz {

// Default for LoaderOptions::prefetchBytes: 256 MiB of decoded chunks per view generation.
constexpr std::size_t kDefaultPrefetchBytes = std::size_t(256) << 20;

struct LoaderOptions {
  std::size_t cacheBytes = 0;    // 0 = defaultCacheBudget(): min(2 GiB, 25% of RAM)
  std::size_t maxInFlight = 32;  // concurrent chunk fetches
  // Prefetch (Tier::Prefetch) starts only once the visible set is complete, and at most this
  // many decoded bytes of it per view generation (0: no prefetch at all).
  std::size_t prefetchBytes = kDefaultPrefetchBytes;
};

class ChunkLoader {
 public:
  explicit ChunkLoader(LoaderOptions options = {});
  // Cancels running fetches and waits for their callbacks (bounded by the stores' cancellation).
  ~ChunkLoader();
  ChunkLoader(const ChunkLoader&) = delete;
  ChunkLoader& operator=(const ChunkLoader&) = delete;

  // GUI thread. Starts a new generation: `wanted` replaces every earlier request (duplicates
  // keep their most urgent entry). Returns at once the wanted chunks already in the cache
  // (LoadedChunk::fromCache, any tier; apply the Visible ones, keep or ignore Prefetch ones).
  // Chunks still missing arrive later through takeCompleted; queued requests not repeated are
  // dropped, running fetches not repeated continue at Tier::Recent until preempted.
  std::vector<LoadedChunk> setRequests(std::vector<ChunkRequest> wanted);

  // GUI thread, non-blocking. Up to `maxBatch` chunks fetched since the last call that the
  // current generation wants (Visible and Prefetch), oldest first, including failures
  // (ok == false, error set; cancellations are never reported). If more remain, the notifier is
  // called again before returning, so draining one batch per posted event keeps the GUI fluid.
  std::vector<LoadedChunk> takeCompleted(std::size_t maxBatch = 64);

  // Called from a worker thread (or from takeCompleted) when results are waiting, at most once
  // until the next takeCompleted: it must only post an event to the GUI thread, never block.
  // It is never called after the destructor has returned.
  void setCompletionNotifier(std::function<void()> notifier);

  // Any thread. The cached chunk (nullptr/nullopt when absent); does not change recency.
  SharedVolume cached(const ChunkKey& key) const;
  std::optional<CachedChunk> cachedChunk(const ChunkKey& key) const;

  // Any thread. The cached chunks of `dataset` (one level, or all when level < 0); O(cache).
  std::vector<std::pair<ChunkKey, SharedVolume>> cachedChunks(const Dataset* dataset,
                                                              int level = -1) const {
    return cache_.chunksOf(dataset, level);
  }

  // Any thread. Snapshot of the counters (for the status bar and `--stats`).
  LoaderMetrics metrics() const;

  // Drops the cached chunks of a dataset being closed (a removed layer), its queued requests,
  // and aborts its running fetches; a fetch of it that still completes is not cached and not
  // delivered. Running fetches hold references to the dataset until their callbacks have run,
  // so its destructor may run on a loader or worker thread.
  void forgetDataset(const Dataset* dataset);
  void setCacheBudget(std::size_t bytes);
  // Decoded bytes of Tier::Prefetch fetches allowed per view generation (0: none).
  void setPrefetchBudget(std::size_t bytes);
  void setMaxInFlight(std::size_t n);

  // Nothing queued and no fetch outstanding.
  bool idle() const;
  // Blocks until idle() or the timeout; returns idle(). For the CLI, tests and benchmarks only.
  bool waitIdle(std::chrono::milliseconds timeout);

 private:
  void run();  // dispatcher thread
  void issue(const StartedFetch& fetch);
  void onFetched(const ChunkRequest& request, std::uint64_t fetchId, ChunkResult result);
  bool mayPrefetchLocked(const ChunkRequest& request);  // reserves the bytes on true
  bool idleLocked() const { return scheduler_.queued() == 0 && outstanding_ == 0 && !dirty_; }

  using Clock = std::chrono::steady_clock;
  const Clock::time_point started_ = Clock::now();
  ChunkCache cache_;
  mutable std::mutex mutex_;          // guards everything below; taken before cache_'s own lock
  std::condition_variable wake_;      // dispatcher: dirty_ or stop_
  std::condition_variable idleCond_;  // waitIdle
  ChunkScheduler scheduler_;
  std::deque<LoadedChunk> completed_;
  std::shared_ptr<const std::function<void()>> notifier_;
  bool notifyArmed_ = true;
  bool dirty_ = false;
  bool stop_ = false;
  std::size_t outstanding_ = 0;    // fetches started whose callback has not run yet
  std::size_t inFlightBytes_ = 0;  // decoded size estimate of the outstanding fetches
  std::size_t prefetchBudget_ = kDefaultPrefetchBytes;
  std::size_t prefetchStarted_ = 0;  // decoded bytes of Prefetch fetches this generation
  // Outstanding fetches per dataset, and the forgotten datasets among them: their late results
  // are dropped. A dataset stays here only while a fetch of it (holding it alive, so its
  // address cannot be reused) is outstanding.
  std::unordered_map<const Dataset*, std::size_t> outstandingOf_;
  std::unordered_set<const Dataset*> forgotten_;
  std::unordered_set<ChunkKey, ChunkKeyHash> visiblePending_;
  LoaderMetrics counters_;
  mutable std::deque<std::pair<Clock::time_point, std::uint64_t>> recentBytes_;
  std::thread dispatcher_;
};

}  // namespace nz
