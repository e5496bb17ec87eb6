#pragma once
// One Zarr array (v2 or v3) on a Store: chunk keys, fetching and decoding of read-unit chunks
// (inner chunks when sharded; the shard index is fetched once per shard and cached).
//
//   auto arr = std::make_shared<nz::ZarrArray>(store, "0", nz::parseZarrArrayV2(text, what));
//   arr->readChunkAsync({0, 1, 2}, {}, [](nz::ZarrChunk c, std::exception_ptr e) { ... });
//
// Thread safety: all methods are safe for concurrent use. Callbacks run on a
// nz::ThreadPool::shared() worker (decoding happens there), exactly once.
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.h"
#include "zarr/zarr_metadata.h"

namespace nz {

struct ZarrChunk {
  bool missing = false;               // not stored: every element is the fill value
  Bytes data;                         // decoded full chunk, native byte order (empty if missing)
  std::vector<std::int64_t> strides;  // element stride of each zarr axis into `data`
  std::uint64_t storedBytes = 0;      // bytes fetched for this chunk
};
// `error` is null on success; otherwise it holds an nz::Error.
using ZarrChunkCallback = std::function<void(ZarrChunk chunk, std::exception_ptr error)>;

class ZarrArray : public std::enable_shared_from_this<ZarrArray> {
 public:
  ZarrArray(std::shared_ptr<Store> store, std::string path, ZarrArrayMeta meta);

  const ZarrArrayMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }
  std::string describe() const;  // redacted URI of the array, for messages

  // Reads read-unit chunk `idx` (zarr axis order). Never throws; errors go to `done`.
  void readChunkAsync(std::vector<std::int64_t> idx, CancelToken cancel, ZarrChunkCallback done);

  // Decodes the stored bytes of a non-sharded chunk (e.g. prefetched with other metadata).
  // Throws nz::Error naming `what`.
  ZarrChunk decodeStored(Bytes stored, const std::string& what) const;

  // Blocking read of the whole array as C-order native bytes (small arrays only).
  Bytes readAllBlocking(CancelToken cancel = {});

  // Number of shard indexes currently cached (tests).
  std::size_t cachedShardIndexes() const;

 private:
  struct ShardIndex {
    bool missing = false;
    std::vector<std::uint64_t> entries;  // (offset, nbytes) pairs in C order of inner chunks
  };
  using IndexCallback = std::function<void(std::shared_ptr<const ShardIndex>, std::exception_ptr)>;
  struct ShardWaiter {
    CancelToken cancel;
    IndexCallback done;
  };
  struct ShardSlot {
    bool ready = false;
    std::shared_ptr<const ShardIndex> index;
    std::vector<ShardWaiter> waiters;
    CancelGroup wanted;  // the index fetch stops once every waiter is cancelled
  };

  ZarrChunk decodeWith(const ZarrCodecChain& chain, Bytes stored, const std::string& what) const;
  void readShardedAsync(std::vector<std::int64_t> idx, CancelToken cancel, ZarrChunkCallback done);
  void withShardIndex(const std::string& key, CancelToken cancel, IndexCallback cb);
  // Nested sharding: chunk `k` of the inner shard stored at [off, off + len) of `key`.
  void readNestedChunk(const std::string& key, const std::string& what, std::uint64_t off,
                       std::uint64_t len, std::size_t k, CancelToken cancel,
                       ZarrChunkCallback done);
  std::shared_ptr<const ShardIndex> decodeIndex(Bytes raw, const std::string& key) const;
  std::vector<std::int64_t> stridesFor(const ZarrCodecChain& chain) const;

  std::shared_ptr<Store> store_;
  std::string path_;
  ZarrArrayMeta meta_;
  std::size_t readUnitBytes_ = 0;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<ShardSlot>> shards_;
};

// Converts a failed/cancelled ReadResult into the nz::Error it stands for.
std::exception_ptr readResultError(const ReadResult& r, const std::string& what);

}  // namespace nz
