#pragma once
// A Store decorator that keeps what a remote store returns in the DiskCache and answers from it:
//  - chunk objects (and byte ranges of them) are immutable: a cached one is served without any
//    request;
//  - metadata documents are revalidated once per store (per open): fetched again, and when the
//    server's answer differs from the cached one (validator or bytes), every cached object of
//    the dataset is dropped, because chunks may have been rewritten in place;
//  - offline: only the cache answers; what it lacks is an error naming the object;
//  - a network failure on a cached object falls back to the cached copy (a demo on bad Wi-Fi).
// Disk reads and writes run on a small pool of their own, never on the caller's thread.
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "cache/disk_cache.h"
#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// Process-wide disk cache settings for StoreOptions that leave diskCache unset.
void setDefaultDiskCache(const DiskCacheSettings& settings);
DiskCacheSettings defaultDiskCache();
// `inner` behind the disk cache `settings` describe (what openStore does for remote URIs).
std::shared_ptr<Store> wrapWithDiskCache(std::shared_ptr<Store> inner, const Uri& uri,
                                         const StoreOptions& options,
                                         const DiskCacheSettings& settings);

// Blocks until every disk cache read and write started so far has finished (call before a
// process exits; never on a GUI thread while reads are in flight).
void waitForDiskCacheWrites();

// Reads answered from disk by every CachingStore of this process (the viewer's status bar).
struct DiskCacheCounters {
  std::uint64_t hits = 0, hitBytes = 0;
  std::uint64_t fetched = 0;  // reads that went to the network and were cached
};
DiskCacheCounters diskCacheCounters();

class CachingStore final : public Store, public std::enable_shared_from_this<CachingStore> {
 public:
  CachingStore(std::shared_ptr<Store> inner, std::shared_ptr<DiskCache> cache,
               std::string datasetId, const DiskCacheSettings& settings);

  std::string describe() const override { return inner_->describe(); }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override;
  std::optional<std::uint64_t> size(const std::string& key) override;
  void write(const std::string& key, const Bytes& data) override;
  void remove(const std::string& key) override;
  StoreStats stats() const override;

  DiskCache& cache() const { return *cache_; }
  const std::string& datasetId() const { return datasetId_; }
  bool offline() const { return offline_; }

 private:
  void readFromCacheOrNetwork(const std::string& key, const std::string& objectId, ByteRange range,
                              CancelToken cancel, ReadCallback done);
  void revalidate(const std::string& key, const std::string& objectId, ByteRange range,
                  CancelToken cancel, ReadCallback done);
  void fetch(const std::string& key, const std::string& objectId, ByteRange range,
             CancelToken cancel, ReadCallback done);
  void afterRevalidation(const std::string& objectId, std::optional<CacheEntry> cached,
                         ReadResult r, ReadCallback done);
  ReadResult hit(CacheEntry entry);
  std::string offlineMessage(const std::string& key) const;

  std::shared_ptr<Store> inner_;
  std::shared_ptr<DiskCache> cache_;
  std::string datasetId_;
  bool offline_ = false, pin_ = false;
  std::mutex mutex_;
  std::set<std::string> revalidated_;  // metadata object ids checked with the server
  bool droppedForWrite_ = false;
  std::atomic<std::uint64_t> diskHits_{0}, diskBytes_{0};
};

}  // namespace nz
