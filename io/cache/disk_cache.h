#pragma once
// The persistent chunk cache: one directory shared by every nzview and nzview-cli process.
//
//   <dir>/v1/lock                          flock: eviction, clearing and dataset drops
//   <dir>/v1/<dataset id hash>/source.txt  the dataset's canonical URI (no secrets), for people
//   <dir>/v1/<dataset id hash>/<object hash>.nzc   one cached object (or byte range)
//   <dir>/v1/<dataset id hash>/<object hash>.pin   present = pinned, never evicted
//
// An entry file is "NZC1", a 4-byte little-endian header length, a JSON header (object id,
// validator, payload length, CRC-32) and the payload. Reads check all of it: a corrupt or
// truncated entry is deleted and reported as a miss, so the caller fetches it again. Writes go
// to a temporary file renamed into place, so readers in other processes see whole entries only.
// The ids passed in are canonical URIs without secrets (cache_key.h); file names are hashes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "core/bytes.h"

namespace nz {

struct CacheEntry {
  bool missing = false;  // the server said the object does not exist
  Bytes data;
  std::optional<std::uint64_t> totalSize;
  std::string etag, lastModified;  // validator as the server sent it
};

struct CacheUsage {
  std::uint64_t bytes = 0, entries = 0;
  std::uint64_t pinnedBytes = 0, pinnedEntries = 0;
  std::uint64_t datasets = 0;
};

class DiskCache {
 public:
  // The process-wide instance for `dir` (created on first use). Throws nz::Error(Io) when the
  // directory cannot be created.
  static std::shared_ptr<DiskCache> open(const std::string& dir, std::uint64_t budgetBytes);
  // $XDG_CACHE_HOME/nzview/chunks, else $HOME/.cache/nzview/chunks.
  static std::string defaultDir();

  DiskCache(std::string dir, std::uint64_t budgetBytes);
  const std::string& dir() const { return dir_; }
  std::uint64_t budget() const { return budget_; }
  void setBudget(std::uint64_t bytes) { budget_ = bytes; }

  // The entry, verified; nullopt when absent or corrupt (corrupt files are deleted).
  // A hit refreshes the entry's LRU time; `pin` also pins it.
  std::optional<CacheEntry> get(const std::string& datasetId, const std::string& objectId,
                                bool pin = false);
  // Stores an entry atomically; evicts least recently used unpinned entries when over budget.
  // Failures (disk full, read-only) are swallowed: the cache is an optimisation.
  void put(const std::string& datasetId, const std::string& objectId, const CacheEntry& entry,
           bool pin = false);
  void remove(const std::string& datasetId, const std::string& objectId);
  // Drops every entry of a dataset (its metadata changed), pinned ones included.
  void dropDataset(const std::string& datasetId);
  // Unpins every entry of a dataset; returns how many were pinned.
  std::uint64_t unpinDataset(const std::string& datasetId);
  // Deletes entries (all, or the unpinned ones only).
  void clear(bool includePinned);
  CacheUsage usage() const;
  // Evicts LRU unpinned entries until the cache holds at most `target` bytes.
  void evictTo(std::uint64_t target);

  std::uint64_t corruptDropped() const { return corrupt_.load(); }

 private:
  std::string datasetDir(const std::string& datasetId) const;
  std::string entryPath(const std::string& datasetId, const std::string& objectId) const;
  void maybeEvict();

  std::string dir_;
  std::string root_;  // <dir>/v1: the layout's version
  std::atomic<std::uint64_t> budget_;
  std::atomic<std::uint64_t> approxBytes_{0};  // this process's view; rescanned when evicting
  std::atomic<std::uint64_t> corrupt_{0};
  std::atomic<std::uint64_t> tmpCounter_{0};
  std::mutex evictMutex_;         // one evictor per process
  std::shared_mutex countMutex_;  // puts (shared) vs the evictor's rescan (exclusive)
};

}  // namespace nz
