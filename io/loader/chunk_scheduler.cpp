#include "loader/chunk_scheduler.h"

#include <algorithm>

namespace nz {

std::vector<std::pair<ChunkKey, Tier>> ChunkScheduler::setRequests(std::vector<ChunkRequest> wanted,
                                                                   const IsCached& isCached) {
  ++generation_;
  // Most urgent first, so the first occurrence of a key is the one to keep.
  std::stable_sort(wanted.begin(), wanted.end(), fetchSooner);
  wanted_.clear();
  wanted_.reserve(wanted.size());
  std::vector<ChunkRequest> unique;
  unique.reserve(wanted.size());
  for (auto& r : wanted) {
    if (!r.dataset) continue;
    if (wanted_.emplace(r.key(), Wanted{r.tier, r.distance}).second) unique.push_back(std::move(r));
  }
  std::vector<std::pair<ChunkKey, Tier>> order;
  order.reserve(unique.size());
  for (auto it = unique.rbegin(); it != unique.rend(); ++it)
    order.emplace_back(it->key(), it->tier);

  // Running fetches take their new tier (Recent when no longer wanted).
  for (auto& [key, running] : inFlight_) {
    auto it = wanted_.find(key);
    running.request.tier = it == wanted_.end() ? Tier::Recent : it->second.tier;
    if (it != wanted_.end()) running.request.distance = it->second.distance;
  }

  queue_.clear();
  queue_.reserve(unique.size());
  for (auto it = unique.rbegin(); it != unique.rend(); ++it) {
    const ChunkKey key = it->key();
    if (inFlight_.count(key) || isCached(key)) continue;
    queue_.push_back(std::move(*it));
  }
  return order;
}

Dispatch ChunkScheduler::dispatch(const IsCached& isCached, const MayPrefetch& mayPrefetch) {
  Dispatch out;
  // Visible work waits: prefetch and stale fetches give their slots and bandwidth up now.
  while (!queue_.empty() && (inFlight_.count(queue_.back().key()) || isCached(queue_.back().key())))
    queue_.pop_back();
  if (!queue_.empty() && queue_.back().tier == Tier::Visible) {
    for (auto it = inFlight_.begin(); it != inFlight_.end();) {
      if (it->second.request.tier == Tier::Visible) {
        ++it;
        continue;
      }
      out.abort.push_back(it->second.cancel);
      ChunkRequest aborted = std::move(it->second.request);
      it = inFlight_.erase(it);
      if (aborted.tier == Tier::Prefetch) requeue(std::move(aborted));
    }
  }
  while (!queue_.empty()) {
    const ChunkRequest& next = queue_.back();
    const ChunkKey key = next.key();
    if (inFlight_.count(key) || isCached(key)) {  // became available since it was queued
      queue_.pop_back();
      continue;
    }
    // Prefetch waits until the visible set is complete (everything left is Prefetch: the queue
    // is sorted by tier).
    if (next.tier == Tier::Prefetch && visibleOutstanding()) break;
    if (inFlight_.size() >= maxInFlight_) {
      // Preempt the least important running fetch if it is in a worse tier.
      auto worst = inFlight_.end();
      for (auto it = inFlight_.begin(); it != inFlight_.end(); ++it)
        if (worst == inFlight_.end() || it->second.request.tier > worst->second.request.tier)
          worst = it;
      if (worst == inFlight_.end() || worst->second.request.tier <= next.tier) break;
      out.abort.push_back(worst->second.cancel);
      ChunkRequest preempted = std::move(worst->second.request);
      inFlight_.erase(worst);
      if (preempted.tier != Tier::Recent) requeue(std::move(preempted));
      continue;  // `next` may have moved: read the back again
    }
    if (next.tier == Tier::Prefetch && mayPrefetch && !mayPrefetch(next)) {
      // No room (asked only for a fetch that starts now): everything left is Prefetch (the
      // queue is sorted by tier), so drop it all rather than fetch chunks the cache would
      // reject.
      out.prefetchDropped += queue_.size();
      queue_.clear();
      break;
    }
    Running running;
    running.fetchId = nextFetchId_++;
    running.request = next;
    out.start.push_back({next, running.fetchId, running.cancel.token()});
    inFlight_.emplace(key, std::move(running));
    queue_.pop_back();
  }
  return out;
}

FinishInfo ChunkScheduler::finish(const ChunkKey& key, std::uint64_t fetchId) {
  FinishInfo info;
  info.wanted = wantedTier(key);
  auto it = inFlight_.find(key);
  if (it != inFlight_.end()) {
    if (it->second.fetchId == fetchId) {
      info.current = true;
      inFlight_.erase(it);
    } else {
      info.otherInFlight = true;
    }
  }
  return info;
}

Tier ChunkScheduler::wantedTier(const ChunkKey& key) const {
  auto it = wanted_.find(key);
  return it == wanted_.end() ? Tier::Recent : it->second.tier;
}

void ChunkScheduler::requeue(ChunkRequest request) {
  // queue_ is sorted most urgent last: insert before the first entry that is more urgent.
  auto pos = std::lower_bound(
      queue_.begin(), queue_.end(), request,
      [](const ChunkRequest& a, const ChunkRequest& b) { return fetchSooner(b, a); });
  queue_.insert(pos, std::move(request));
}

bool ChunkScheduler::visibleOutstanding() const {
  if (!queue_.empty() && queue_.back().tier == Tier::Visible) return true;  // sorted: urgent last
  for (const auto& [key, running] : inFlight_)
    if (running.request.tier == Tier::Visible) return true;
  return false;
}

std::vector<CancelSource> ChunkScheduler::abortDataset(const Dataset* dataset) {
  std::vector<CancelSource> out;
  std::erase_if(queue_, [dataset](const ChunkRequest& r) { return r.dataset.get() == dataset; });
  std::erase_if(wanted_, [dataset](const auto& w) { return w.first.dataset == dataset; });
  for (auto it = inFlight_.begin(); it != inFlight_.end();) {
    if (it->first.dataset == dataset) {
      out.push_back(it->second.cancel);
      it = inFlight_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<CancelSource> ChunkScheduler::abortAll() {
  std::vector<CancelSource> out;
  for (auto& [key, running] : inFlight_) out.push_back(running.cancel);
  inFlight_.clear();
  queue_.clear();
  wanted_.clear();
  return out;
}

}  // namespace nz
