#include "loader/chunk_cache.h"

#include <algorithm>

#include "core/system_memory.h"

namespace nz {

namespace {
constexpr std::size_t kTwoGiB = std::size_t{2} << 30;
}  // namespace

const char* tierName(Tier tier) {
  switch (tier) {
    case Tier::Visible:
      return "visible";
    case Tier::Prefetch:
      return "prefetch";
    case Tier::Recent:
      return "recent";
  }
  return "recent";
}

std::size_t defaultCacheBudget() {
  const std::size_t ram = physicalMemoryBytes();
  return ram == 0 ? kTwoGiB : std::min(kTwoGiB, ram / 4);
}

ChunkCache::ChunkCache(std::size_t budgetBytes) { stats_.budget = budgetBytes; }

std::optional<CachedChunk> ChunkCache::find(const ChunkKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return it->second->chunk;
}

bool ChunkCache::contains(const ChunkKey& key) const {
  std::lock_guard lock(mutex_);
  return index_.count(key) != 0;
}

void ChunkCache::touchGeneration(
    std::uint64_t generation,
    const std::vector<std::pair<ChunkKey, Tier>>& keysLeastImportantFirst) {
  std::lock_guard lock(mutex_);
  generation_ = generation;
  wantedBytes_ = 0;
  for (const auto& [key, tier] : keysLeastImportantFirst) {
    auto it = index_.find(key);
    if (it == index_.end()) continue;
    it->second->generation = generation;
    it->second->tier = tier;
    if (tier != Tier::Recent) wantedBytes_ += it->second->bytes;
    lru_.splice(lru_.end(), lru_, it->second);
  }
}

void ChunkCache::eraseLocked(List::iterator it, bool eviction) {
  stats_.bytes -= it->bytes;
  if (effectiveTier(*it) != Tier::Recent) wantedBytes_ -= it->bytes;
  if (eviction) ++stats_.evictions;
  index_.erase(it->key);
  lru_.erase(it);
}

bool ChunkCache::insert(const ChunkKey& key, CachedChunk chunk, Tier tier,
                        std::shared_ptr<const Dataset> owner) {
  const std::size_t bytes = chunk.volume ? chunk.volume->data.size() : 0;
  std::lock_guard lock(mutex_);
  if (auto old = index_.find(key); old != index_.end()) eraseLocked(old->second, false);
  if (bytes > stats_.budget) {
    ++stats_.rejected;
    return false;
  }
  // First check that enough bytes can be freed without touching anything more important, so a
  // rejected insert evicts nothing.
  std::size_t freeable = stats_.budget - stats_.bytes;
  if (freeable < bytes) {
    for (auto it = lru_.begin(); it != lru_.end() && freeable < bytes; ++it)
      if (effectiveTier(*it) >= tier) freeable += it->bytes;
    if (freeable < bytes) {
      ++stats_.rejected;
      return false;
    }
    for (auto it = lru_.begin(); it != lru_.end() && stats_.budget - stats_.bytes < bytes;) {
      auto next = std::next(it);
      if (effectiveTier(*it) >= tier) eraseLocked(it, true);
      it = next;
    }
  }
  Entry entry{key, std::move(chunk), std::move(owner), bytes, generation_, tier};
  // A freshly fetched chunk is the most recently wanted one.
  auto it = lru_.insert(lru_.end(), std::move(entry));
  index_.emplace(key, it);
  stats_.bytes += bytes;
  if (tier != Tier::Recent) wantedBytes_ += bytes;
  stats_.peakBytes = std::max(stats_.peakBytes, stats_.bytes);
  ++stats_.insertions;
  return true;
}

std::vector<std::pair<ChunkKey, SharedVolume>> ChunkCache::chunksOf(const Dataset* dataset,
                                                                    int level) const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<ChunkKey, SharedVolume>> out;
  for (const Entry& e : lru_)
    if (e.key.dataset == dataset && (level < 0 || e.key.level == level))
      out.emplace_back(e.key, e.chunk.volume);
  return out;
}

void ChunkCache::eraseDataset(const Dataset* dataset) {
  std::lock_guard lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (it->key.dataset == dataset) eraseLocked(it, false);
    it = next;
  }
}

void ChunkCache::clear() {
  std::lock_guard lock(mutex_);
  lru_.clear();
  index_.clear();
  stats_.bytes = 0;
  wantedBytes_ = 0;
}

void ChunkCache::setBudget(std::size_t budgetBytes) {
  std::lock_guard lock(mutex_);
  stats_.budget = budgetBytes;
  while (stats_.bytes > stats_.budget && !lru_.empty()) eraseLocked(lru_.begin(), true);
}

std::size_t ChunkCache::budget() const {
  std::lock_guard lock(mutex_);
  return stats_.budget;
}

std::size_t ChunkCache::wantedBytes() const {
  std::lock_guard lock(mutex_);
  return wantedBytes_;
}

CacheStats ChunkCache::stats() const {
  std::lock_guard lock(mutex_);
  CacheStats s = stats_;
  s.entries = index_.size();
  return s;
}

}  // namespace nz
