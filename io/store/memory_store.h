#pragma once
// An in-process key-value store: the test seam for the zarr/dataset layers, and the backend of
// `mem://name` URIs (a process-wide registry of named stores, so a test can fill one and open
// it by URI). Counts every read per key so tests can assert what was fetched.
//
//   auto s = nz::MemoryStore::named("demo");        // same object as openStore(mem://demo)
//   s->put("zarr.json", bytes);
//   auto ds = nz::openDataset("mem://demo");
//   EXPECT(s->readCount("0/c/0/0/0") == 1);
//
// Thread safety: every method is safe for concurrent use. readAsync completes inline.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"
#include "uri/uri.h"

namespace nz {

// The store of a mem://NAME URI: the process-wide MemoryStore::named(NAME).
std::shared_ptr<Store> makeMemoryStore(const Uri& uri);

class MemoryStore : public Store {
 public:
  explicit MemoryStore(std::string name = "memory") : name_(std::move(name)) {}

  // The process-wide store for `mem://name` (created on first use).
  static std::shared_ptr<MemoryStore> named(const std::string& name);
  // Forgets a named store (tests clean up with it).
  static void dropNamed(const std::string& name);

  void put(const std::string& key, Bytes data);
  void put(const std::string& key, const std::string& text);
  bool contains(const std::string& key) const;
  std::vector<std::string> keys() const;

  // Reads of `key` so far (every readAsync counts, including missing keys).
  std::size_t readCount(const std::string& key) const;
  // All reads in order of issue: key (ranged reads are listed once per request).
  std::vector<std::string> readLog() const;
  void resetCounters();

  std::string describe() const override { return "mem://" + name_; }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override;
  std::optional<std::uint64_t> size(const std::string& key) override;
  void write(const std::string& key, const Bytes& data) override;
  void remove(const std::string& key) override;
  StoreStats stats() const override { return stats_.snapshot(); }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Bytes>> objects_;
  std::map<std::string, std::size_t> readCounts_;
  std::vector<std::string> readLog_;
  AtomicStoreStats stats_;
};

// Slices `whole` by `range` into `out` (shared by the local stores). Returns false when the
// range starts past the end (an error for the caller to report).
bool sliceByRange(const Bytes& whole, const ByteRange& range, Bytes& out);

}  // namespace nz
