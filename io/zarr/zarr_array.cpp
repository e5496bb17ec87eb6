#include "zarr/zarr_array.h"

#include <bit>
#include <condition_variable>
#include <cstring>

#include "core/thread_pool.h"

namespace nz {

namespace {

constexpr bool kHostBig = std::endian::native == std::endian::big;
constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
constexpr std::size_t kMaxCachedShardIndexes = 65536;

std::exception_ptr invalid(const std::string& msg) {
  return std::make_exception_ptr(Error(ErrorKind::InvalidData, msg));
}

}  // namespace

std::exception_ptr readResultError(const ReadResult& r, const std::string& what) {
  if (r.status == ReadResult::Status::Cancelled) {
    return std::make_exception_ptr(Error(ErrorKind::Cancelled, "cancelled: " + what));
  }
  std::string msg = r.error.empty() ? "read failed: " + what : r.error;
  return std::make_exception_ptr(Error(r.errorKind.value_or(ErrorKind::Network), msg));
}

ZarrArray::ZarrArray(std::shared_ptr<Store> store, std::string path, ZarrArrayMeta meta)
    : store_(std::move(store)), path_(std::move(path)), meta_(std::move(meta)) {
  readUnitBytes_ = meta_.itemSize;
  for (auto s : meta_.readShape()) readUnitBytes_ *= static_cast<std::size_t>(s);
}

std::string ZarrArray::describe() const { return store_->describeKey(path_); }

std::vector<std::int64_t> ZarrArray::stridesFor(const ZarrCodecChain& chain) const {
  const auto& shape = meta_.readShape();
  const std::size_t n = shape.size();
  std::vector<std::int64_t> strides(n, 1);
  if (chain.transpose.empty()) {
    for (std::size_t i = n; i-- > 1;) strides[i - 1] = strides[i] * shape[i];
    return strides;
  }
  // Decoded bytes are C order over B, B[i] = shape[perm[i]]: axis perm[i] gets B's stride i.
  std::int64_t s = 1;
  for (std::size_t i = n; i-- > 0;) {
    strides[chain.transpose[i]] = s;
    s *= shape[chain.transpose[i]];
  }
  return strides;
}

ZarrChunk ZarrArray::decodeWith(const ZarrCodecChain& chain, Bytes stored,
                                const std::string& what) const {
  ZarrChunk c;
  c.storedBytes = stored.size();
  if (!chain.filters.empty()) {
    const std::size_t count = readUnitBytes_ / meta_.itemSize;
    c.data = decodeBytesChain(chain.bytesCodecs, std::move(stored),
                              count * encodedItemSize(chain.filters, meta_.itemSize), what);
    c.data = decodeArrayFilters(chain.filters, std::move(c.data), count, what);
  } else {
    c.data = decodeBytesChain(chain.bytesCodecs, std::move(stored), readUnitBytes_, what);
  }
  if (chain.filters.empty() && meta_.swapUnit > 1 && chain.bigEndian != kHostBig) {
    byteSwapInPlace(c.data.data(), c.data.size() / meta_.swapUnit, meta_.swapUnit);
  }
  c.strides = stridesFor(chain);
  return c;
}

ZarrChunk ZarrArray::decodeStored(Bytes stored, const std::string& what) const {
  if (meta_.codecs.sharding) {
    throw Error(ErrorKind::Unsupported, what + ": sharded chunk decoded as a plain chunk");
  }
  return decodeWith(meta_.codecs, std::move(stored), what);
}

void ZarrArray::readChunkAsync(std::vector<std::int64_t> idx, CancelToken cancel,
                               ZarrChunkCallback done) {
  if (meta_.codecs.sharding) {
    readShardedAsync(std::move(idx), std::move(cancel), std::move(done));
    return;
  }
  const std::string key = meta_.chunkKey(path_, idx);
  auto self = shared_from_this();
  store_->readAsync(key, ByteRange::all(), cancel, [self, key, done](ReadResult r) {
    if (r.missing()) {
      ThreadPool::shared().post([done] { done(ZarrChunk{true, {}, {}, 0}, nullptr); });
      return;
    }
    if (!r.ok()) {
      auto err = readResultError(r, self->store_->describeKey(key));
      ThreadPool::shared().post([done, err] { done({}, err); });
      return;
    }
    auto data = std::make_shared<Bytes>(std::move(r.data));
    ThreadPool::shared().post([self, key, done, data] {
      ZarrChunk c;
      try {
        c = self->decodeWith(self->meta_.codecs, std::move(*data), self->store_->describeKey(key));
      } catch (...) {
        done({}, std::current_exception());
        return;
      }
      done(std::move(c), nullptr);
    });
  });
}

std::shared_ptr<const ZarrArray::ShardIndex> ZarrArray::decodeIndex(Bytes raw,
                                                                    const std::string& what) const {
  const auto& sh = *meta_.codecs.sharding;
  std::size_t n = 1;
  for (std::size_t i = 0; i < meta_.chunks.size(); ++i) {
    n *= static_cast<std::size_t>(meta_.chunks[i] / sh.innerShape[i]);
  }
  Bytes dec =
      decodeBytesChain(sh.index.bytesCodecs, std::move(raw), n * 16, what + " (shard index)");
  auto idx = std::make_shared<ShardIndex>();
  idx->entries.resize(n * 2);
  std::memcpy(idx->entries.data(), dec.data(), n * 16);
  if (sh.index.bigEndian != kHostBig) {
    byteSwapInPlace(reinterpret_cast<std::uint8_t*>(idx->entries.data()), n * 2, 8);
  }
  return idx;
}

void ZarrArray::withShardIndex(const std::string& key, CancelToken cancel, IndexCallback cb) {
  std::shared_ptr<ShardSlot> slot;
  CancelToken fetchCancel;
  {
    std::lock_guard lock(mutex_);
    auto it = shards_.find(key);
    if (it != shards_.end()) {
      if (!it->second->ready) {
        it->second->wanted.add(cancel);
        it->second->waiters.push_back({std::move(cancel), std::move(cb)});
        return;
      }
      slot = it->second;
    } else {
      if (shards_.size() >= kMaxCachedShardIndexes) {
        for (auto i = shards_.begin(); i != shards_.end();) {
          i = i->second->ready ? shards_.erase(i) : std::next(i);
        }
      }
      auto fresh = std::make_shared<ShardSlot>();
      fresh->wanted.add(cancel);
      fetchCancel = fresh->wanted.token();
      fresh->waiters.push_back({std::move(cancel), std::move(cb)});
      shards_.emplace(key, fresh);
    }
  }
  if (slot) {
    cb(slot->index, nullptr);
    return;
  }
  const auto& sh = *meta_.codecs.sharding;
  std::size_t n = 1;
  for (std::size_t i = 0; i < meta_.chunks.size(); ++i) {
    n *= static_cast<std::size_t>(meta_.chunks[i] / sh.innerShape[i]);
  }
  std::size_t indexBytes = n * 16;
  for (const auto& c : sh.index.bytesCodecs) {
    if (c.kind == BytesCodec::Kind::Crc32c) indexBytes += 4;
  }
  const ByteRange range =
      sh.indexAtStart ? ByteRange::span(0, indexBytes) : ByteRange::suffix(indexBytes);
  auto self = shared_from_this();
  // The index fetch is shared by every waiter: it is cancelled only once all of them are.
  store_->readAsync(key, range, fetchCancel, [self, key, indexBytes](ReadResult r) {
    std::shared_ptr<const ShardIndex> index;
    std::exception_ptr err;
    const std::string what = self->store_->describeKey(key);
    if (r.missing()) {
      auto m = std::make_shared<ShardIndex>();
      m->missing = true;
      index = m;
    } else if (!r.ok()) {
      err = readResultError(r, what);
    } else if (r.data.size() != indexBytes) {
      err = invalid(what + ": shard index is " + std::to_string(r.data.size()) +
                    " bytes, expected " + std::to_string(indexBytes) + " (truncated shard)");
    } else {
      try {
        index = self->decodeIndex(std::move(r.data), what);
      } catch (...) {
        err = std::current_exception();
      }
    }
    std::vector<ShardWaiter> waiters;
    {
      std::lock_guard lock(self->mutex_);
      auto it = self->shards_.find(key);
      if (it != self->shards_.end()) {
        waiters = std::move(it->second->waiters);
        it->second->waiters.clear();
        if (err) {
          self->shards_.erase(it);  // do not cache failures: a later read retries
        } else {
          it->second->ready = true;
          it->second->index = index;
        }
      }
    }
    for (auto& w : waiters) {
      // A waiter that joined after everyone else had given up saw the fetch cancelled under
      // it: it still wants the index, so it asks again.
      if (r.status == ReadResult::Status::Cancelled && !w.cancel.cancelled())
        self->withShardIndex(key, std::move(w.cancel), std::move(w.done));
      else
        w.done(index, err);
    }
  });
}

void ZarrArray::readShardedAsync(std::vector<std::int64_t> idx, CancelToken cancel,
                                 ZarrChunkCallback done) {
  const auto& sh = *meta_.codecs.sharding;
  const ZarrSharding* nested = sh.inner.sharding.get();
  const std::size_t n = idx.size();
  std::vector<std::int64_t> shardIdx(n);
  std::size_t inner = 0;    // entry of the outer index (an inner chunk, or an inner shard)
  std::size_t nestedK = 0;  // nested: chunk within that inner shard
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t unit = nested ? nested->innerShape[i] : sh.innerShape[i];
    const std::int64_t per = meta_.chunks[i] / unit;  // read units per outer shard
    shardIdx[i] = idx[i] / per;
    const std::int64_t r = idx[i] % per;
    if (nested) {
      const std::int64_t perInner = sh.innerShape[i] / unit;
      inner = inner * static_cast<std::size_t>(meta_.chunks[i] / sh.innerShape[i]) +
              static_cast<std::size_t>(r / perInner);
      nestedK =
          nestedK * static_cast<std::size_t>(perInner) + static_cast<std::size_t>(r % perInner);
    } else {
      inner = inner * static_cast<std::size_t>(per) + static_cast<std::size_t>(r);
    }
  }
  const std::string key = meta_.chunkKey(path_, shardIdx);
  auto self = shared_from_this();
  withShardIndex(
      key, cancel,
      [self, key, inner, nestedK, cancel, done](std::shared_ptr<const ShardIndex> index,
                                                std::exception_ptr err) {
        if (err) {
          ThreadPool::shared().post([done, err] { done({}, err); });
          return;
        }
        const std::uint64_t off = index->missing ? kEmpty : index->entries[2 * inner];
        const std::uint64_t len = index->missing ? kEmpty : index->entries[2 * inner + 1];
        if (off == kEmpty && len == kEmpty) {
          ThreadPool::shared().post([done] { done(ZarrChunk{true, {}, {}, 0}, nullptr); });
          return;
        }
        const std::string what =
            self->store_->describeKey(key) + " inner chunk " + std::to_string(inner);
        if (len > kMaxDecodedChunkBytes || off > (std::uint64_t{1} << 62)) {
          auto e = invalid(what + ": shard index entry (" + std::to_string(off) + ", " +
                           std::to_string(len) + ") is out of range");
          ThreadPool::shared().post([done, e] { done({}, e); });
          return;
        }
        if (cancel.cancelled()) {
          auto e = std::make_exception_ptr(Error(ErrorKind::Cancelled, "cancelled: " + what));
          ThreadPool::shared().post([done, e] { done({}, e); });
          return;
        }
        if (self->meta_.codecs.sharding->inner.sharding) {
          self->readNestedChunk(key, what, off, len, nestedK, cancel, done);
          return;
        }
        self->store_->readAsync(
            key, ByteRange::span(off, len), cancel, [self, what, len, done](ReadResult r) {
              std::exception_ptr e;
              if (r.missing()) {
                e = invalid(what + ": shard disappeared while reading");
              } else if (!r.ok()) {
                e = readResultError(r, what);
              } else if (r.data.size() != len) {
                e = invalid(what + ": got " + std::to_string(r.data.size()) +
                            " bytes, index says " + std::to_string(len) + " (truncated shard)");
              }
              if (e) {
                ThreadPool::shared().post([done, e] { done({}, e); });
                return;
              }
              auto data = std::make_shared<Bytes>(std::move(r.data));
              ThreadPool::shared().post([self, what, data, done] {
                ZarrChunk c;
                try {
                  c = self->decodeWith(self->meta_.codecs.sharding->inner, std::move(*data), what);
                } catch (...) {
                  done({}, std::current_exception());
                  return;
                }
                done(std::move(c), nullptr);
              });
            });
      });
}

void ZarrArray::readNestedChunk(const std::string& key, const std::string& what, std::uint64_t off,
                                std::uint64_t len, std::size_t k, CancelToken cancel,
                                ZarrChunkCallback done) {
  const ZarrSharding& outer = *meta_.codecs.sharding;
  const ZarrSharding& s2 = *outer.inner.sharding;
  std::size_t n2 = 1;
  for (std::size_t i = 0; i < meta_.chunks.size(); ++i)
    n2 *= static_cast<std::size_t>(outer.innerShape[i] / s2.innerShape[i]);
  std::uint64_t indexBytes = n2 * 16;
  for (const auto& c : s2.index.bytesCodecs)
    if (c.kind == BytesCodec::Kind::Crc32c) indexBytes += 4;
  auto fail = [done](std::exception_ptr e) {
    ThreadPool::shared().post([done, e] { done({}, e); });
  };
  if (indexBytes > len) {
    fail(invalid(what + ": inner shard of " + std::to_string(len) +
                 " bytes is shorter than its index (" + std::to_string(indexBytes) + " bytes)"));
    return;
  }
  const ByteRange range = s2.indexAtStart ? ByteRange::span(off, indexBytes)
                                          : ByteRange::span(off + len - indexBytes, indexBytes);
  auto self = shared_from_this();
  store_->readAsync(
      key, range, cancel,
      [self, key, what, off, len, k, n2, indexBytes, cancel, done, fail](ReadResult r) {
        if (!r.ok() || r.data.size() != indexBytes) {
          fail(r.ok() || r.missing() ? invalid(what + ": inner shard index truncated (" +
                                               std::to_string(r.data.size()) + " of " +
                                               std::to_string(indexBytes) + " bytes)")
                                     : readResultError(r, what));
          return;
        }
        const ZarrSharding& inner = *self->meta_.codecs.sharding->inner.sharding;
        std::uint64_t off2 = 0, len2 = 0;
        try {
          Bytes dec = decodeBytesChain(inner.index.bytesCodecs, std::move(r.data), n2 * 16,
                                       what + " (inner shard index)");
          if (inner.index.bigEndian != kHostBig) byteSwapInPlace(dec.data(), n2 * 2, 8);
          std::memcpy(&off2, dec.data() + 16 * k, 8);
          std::memcpy(&len2, dec.data() + 16 * k + 8, 8);
        } catch (...) {
          fail(std::current_exception());
          return;
        }
        if (off2 == kEmpty && len2 == kEmpty) {
          ThreadPool::shared().post([done] { done(ZarrChunk{true, {}, {}, 0}, nullptr); });
          return;
        }
        const std::string what2 = what + " chunk " + std::to_string(k);
        if (off2 > len || len2 > len - off2 || len2 > kMaxDecodedChunkBytes) {
          fail(invalid(what2 + ": inner shard index entry (" + std::to_string(off2) + ", " +
                       std::to_string(len2) + ") lies outside the inner shard"));
          return;
        }
        self->store_->readAsync(
            key, ByteRange::span(off + off2, len2), cancel,
            [self, what2, len2, done, fail](ReadResult r2) {
              if (!r2.ok() || r2.data.size() != len2) {
                fail(r2.ok() || r2.missing() ? invalid(what2 + ": truncated chunk in inner shard")
                                             : readResultError(r2, what2));
                return;
              }
              auto data = std::make_shared<Bytes>(std::move(r2.data));
              ThreadPool::shared().post([self, what2, data, done] {
                ZarrChunk c;
                try {
                  c = self->decodeWith(self->meta_.codecs.sharding->inner.sharding->inner,
                                       std::move(*data), what2);
                } catch (...) {
                  done({}, std::current_exception());
                  return;
                }
                done(std::move(c), nullptr);
              });
            });
      });
}

Bytes ZarrArray::readAllBlocking(CancelToken cancel) {
  const auto grid = meta_.gridShape();
  const auto& rs = meta_.readShape();
  const std::size_t nd = meta_.ndim();
  std::size_t total = meta_.itemSize;
  for (auto s : meta_.shape) total *= static_cast<std::size_t>(s);
  Bytes out(total);
  std::size_t nchunks = 1;
  for (auto g : grid) nchunks *= static_cast<std::size_t>(g);
  struct State {
    std::mutex m;
    std::condition_variable cv;
    std::size_t remaining;
    std::exception_ptr err;
  };
  auto st = std::make_shared<State>();
  st->remaining = nchunks;
  if (nchunks == 0) return out;
  std::vector<std::int64_t> outStrides(nd, 1);
  for (std::size_t i = nd; i-- > 1;) outStrides[i - 1] = outStrides[i] * meta_.shape[i];
  for (std::size_t c = 0; c < nchunks; ++c) {
    std::vector<std::int64_t> idx(nd);
    std::size_t rem = c;
    for (std::size_t i = nd; i-- > 0;) {
      idx[i] = static_cast<std::int64_t>(rem % grid[i]);
      rem /= grid[i];
    }
    readChunkAsync(idx, cancel,
                   [this, st, idx, &out, &rs, outStrides, nd](ZarrChunk ch, std::exception_ptr e) {
                     if (!e) {
                       // Element-wise copy of the in-bounds part (small arrays only).
                       std::vector<std::int64_t> ext(nd), pos(nd, 0);
                       std::size_t count = 1;
                       for (std::size_t i = 0; i < nd; ++i) {
                         ext[i] = std::min(rs[i], meta_.shape[i] - idx[i] * rs[i]);
                         count *= static_cast<std::size_t>(ext[i]);
                       }
                       for (std::size_t k = 0; k < count; ++k) {
                         std::int64_t src = 0, dst = 0;
                         for (std::size_t i = 0; i < nd; ++i) {
                           if (!ch.missing) src += pos[i] * ch.strides[i];
                           dst += (idx[i] * rs[i] + pos[i]) * outStrides[i];
                         }
                         const std::uint8_t* from = ch.missing
                                                        ? meta_.fillValue.data()
                                                        : ch.data.data() + src * meta_.itemSize;
                         std::memcpy(out.data() + dst * meta_.itemSize, from, meta_.itemSize);
                         for (std::size_t i = nd; i-- > 0;) {
                           if (++pos[i] < ext[i]) break;
                           pos[i] = 0;
                         }
                       }
                     }
                     std::lock_guard lock(st->m);
                     if (e && !st->err) st->err = e;
                     if (--st->remaining == 0) st->cv.notify_all();
                   });
  }
  std::unique_lock lock(st->m);
  st->cv.wait(lock, [&] { return st->remaining == 0; });
  if (st->err) std::rethrow_exception(st->err);
  return out;
}

std::size_t ZarrArray::cachedShardIndexes() const {
  std::lock_guard lock(mutex_);
  return shards_.size();
}

}  // namespace nz
