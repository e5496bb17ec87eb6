#pragma once
// Pure scheduling logic of the loader (no threads, no I/O; the loader calls it under its lock).
// Each view change replaces the whole request set (a new generation, as Neuroglancer does):
//  - requests are de-duplicated (a chunk keeps its most urgent request) and ordered by
//    fetchSooner (tier, coarser level, nearer the centre);
//  - cached and in-flight chunks are not queued again (in-flight de-duplication);
//  - queued requests that are not repeated are dropped; in-flight ones that are not repeated
//    drop to Tier::Recent and keep running until a more important request waits for a slot;
//  - at most maxInFlight fetches run; when all slots are busy and the best waiting request has a
//    better tier than the worst running fetch, that fetch is aborted (preemption) and, if it is
//    still wanted, queued again behind the more important ones;
//  - the level shown is the level fetched: Prefetch requests start only once no Visible request
//    is waiting or running (the visible set is complete), and while Visible requests wait, every
//    running Prefetch or stale (Recent) fetch is aborted at once, not only when slots run out.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/cancel.h"
#include "loader/chunk_key.h"

namespace nz {

struct StartedFetch {
  ChunkRequest request;
  std::uint64_t fetchId = 0;  // distinguishes a re-started fetch from an aborted one
  CancelToken cancel;
};

struct Dispatch {
  std::vector<StartedFetch> start;  // begin these fetches
  std::vector<CancelSource> abort;  // cancel these (their slots are already free)
  std::size_t prefetchDropped = 0;  // Prefetch requests refused by the memory gate
};

struct FinishInfo {
  Tier wanted = Tier::Recent;  // tier the chunk is wanted at now (Recent: not wanted)
  bool current = false;        // the fetch was still the registered one (not aborted/replaced)
  bool otherInFlight = false;  // another fetch of the same chunk is running and will deliver it
};

class ChunkScheduler {
 public:
  using IsCached = std::function<bool(const ChunkKey&)>;
  // Whether a Prefetch request may start (the loader's memory and prefetch budget gate; asked
  // only when a slot is free and the fetch starts on `true`, so the gate may reserve its bytes);
  // a refused one is dropped from this generation's queue, and so is every Prefetch request
  // behind it.
  using MayPrefetch = std::function<bool(const ChunkRequest&)>;

  explicit ChunkScheduler(std::size_t maxInFlight = 32)
      : maxInFlight_(maxInFlight ? maxInFlight : 1) {}

  // Replaces the request set (new generation). Returns the de-duplicated requests, least
  // important first (the loader touches the cache in that order). O(n log n) in requests.
  std::vector<std::pair<ChunkKey, Tier>> setRequests(std::vector<ChunkRequest> wanted,
                                                     const IsCached& isCached);
  // Fetches to start and to abort now. O(started + aborted * maxInFlight).
  Dispatch dispatch(const IsCached& isCached, const MayPrefetch& mayPrefetch = {});
  // A fetch ended (successfully or not). Frees its slot if it still held one.
  FinishInfo finish(const ChunkKey& key, std::uint64_t fetchId);

  // Tier `key` is wanted at in the current generation (Recent when not requested).
  Tier wantedTier(const ChunkKey& key) const;
  void setMaxInFlight(std::size_t n) { maxInFlight_ = n ? n : 1; }
  std::size_t maxInFlight() const { return maxInFlight_; }
  std::size_t queued() const { return queue_.size(); }
  std::size_t inFlight() const { return inFlight_.size(); }
  std::uint64_t generation() const { return generation_; }
  // Cancels every running fetch and forgets the queue (shutdown).
  std::vector<CancelSource> abortAll();
  // Drops every queued request of `dataset` and aborts its running fetches (a removed layer).
  std::vector<CancelSource> abortDataset(const Dataset* dataset);
  // Whether a Visible request is queued or running (the visible set is not complete yet).
  bool visibleOutstanding() const;

 private:
  struct Running {
    std::uint64_t fetchId = 0;
    CancelSource cancel;
    ChunkRequest request;  // tier and distance as wanted by the current generation
  };
  struct Wanted {
    Tier tier = Tier::Recent;
    double distance = 0;
  };
  void requeue(ChunkRequest request);
  std::size_t maxInFlight_;
  std::uint64_t generation_ = 0;
  std::uint64_t nextFetchId_ = 1;
  std::vector<ChunkRequest> queue_;  // most urgent at the back
  std::unordered_map<ChunkKey, Wanted, ChunkKeyHash> wanted_;
  std::unordered_map<ChunkKey, Running, ChunkKeyHash> inFlight_;
};

}  // namespace nz
