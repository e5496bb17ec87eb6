#pragma once
// Byte-bounded cache of decoded chunks shared by every dataset (one budget for all, as
// TensorStore's CachePool). Eviction removes the least recently *wanted* chunk first: the
// loader touches the chunks of each new view generation from least to most important, so the
// front of the LRU list holds chunks no view wants any more (Tier::Recent), then prefetched
// ones, and the visible ones sit at the back. A chunk is never evicted to make room for a less
// important one of the current generation (the newcomer is rejected instead).
//
// Thread-safe: every method takes one short internal lock. The cached volumes are immutable and
// shared (SharedVolume), so a caller keeps its copy valid after eviction.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "loader/chunk_key.h"

namespace nz {

// min(2 GiB, 25% of physical RAM); 2 GiB when RAM cannot be determined.
std::size_t defaultCacheBudget();

struct CachedChunk {
  SharedVolume volume;
  Box box;
  bool missing = false;
  std::uint64_t storedBytes = 0;
};

struct CacheStats {
  std::uint64_t insertions = 0;
  std::uint64_t evictions = 0;
  std::uint64_t rejected = 0;  // not cached: would have needed evicting more important chunks
  std::size_t bytes = 0;       // voxel bytes held now (always <= budget)
  std::size_t peakBytes = 0;   // highest `bytes` ever
  std::size_t budget = 0;
  std::size_t entries = 0;
};

class ChunkCache {
 public:
  explicit ChunkCache(std::size_t budgetBytes = defaultCacheBudget());
  ChunkCache(const ChunkCache&) = delete;
  ChunkCache& operator=(const ChunkCache&) = delete;

  // The cached chunk, or nullopt. Does not change recency.
  std::optional<CachedChunk> find(const ChunkKey& key) const;
  bool contains(const ChunkKey& key) const;

  // Starts view generation `generation`: `keysLeastImportantFirst` (with their tiers) are the
  // wanted chunks, ordered from least to most important. Cached ones move to the MRU end and
  // take that tier; every other entry now counts as Tier::Recent. O(keys).
  void touchGeneration(std::uint64_t generation,
                       const std::vector<std::pair<ChunkKey, Tier>>& keysLeastImportantFirst);

  // Caches a chunk wanted at `tier` in the current generation (Tier::Recent when unwanted),
  // evicting from the LRU end while over budget. Returns false (and caches nothing) when room
  // could only be made by evicting chunks more important than this one, or when the chunk alone
  // exceeds the budget. `owner` keeps the dataset alive while its chunks are cached.
  bool insert(const ChunkKey& key, CachedChunk chunk, Tier tier,
              std::shared_ptr<const Dataset> owner);

  // The cached chunks of `dataset` (of `level`, or every level when level < 0), any order.
  // O(entries): for statistics and tests, not per frame.
  std::vector<std::pair<ChunkKey, SharedVolume>> chunksOf(const Dataset* dataset,
                                                          int level = -1) const;
  // Drops every chunk of `dataset` (call when a dataset is closed to release it at once).
  void eraseDataset(const Dataset* dataset);
  void clear();
  // Lowers or raises the budget; evicts (least recently wanted first, any tier) to fit.
  void setBudget(std::size_t budgetBytes);
  std::size_t budget() const;
  // Bytes of cached chunks the current generation wants (Visible or Prefetch).
  std::size_t wantedBytes() const;
  CacheStats stats() const;

 private:
  struct Entry {
    ChunkKey key;
    CachedChunk chunk;
    std::shared_ptr<const Dataset> owner;
    std::size_t bytes = 0;
    std::uint64_t generation = 0;
    Tier tier = Tier::Recent;
  };
  using List = std::list<Entry>;
  Tier effectiveTier(const Entry& e) const {
    return e.generation == generation_ ? e.tier : Tier::Recent;
  }
  void eraseLocked(List::iterator it, bool eviction);

  mutable std::mutex mutex_;
  List lru_;  // front = least recently wanted
  std::unordered_map<ChunkKey, List::iterator, ChunkKeyHash> index_;
  std::uint64_t generation_ = 0;
  std::size_t wantedBytes_ = 0;  // entries with effectiveTier() != Recent
  CacheStats stats_;
};

}  // namespace nz
