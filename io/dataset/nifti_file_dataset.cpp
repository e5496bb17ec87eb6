// Plain NIfTI files as a Dataset (one level, a virtual chunk grid of contiguous slabs).
// .nii: the header is read first, then each chunk is one ranged read of exactly its bytes.
// .nii.gz: one streaming download (consecutive ranged pieces) inflated as it arrives on a
// background thread; the header is available from the first piece, a chunk as soon as its
// bytes are decoded; decoded bytes past a memory threshold spill to an unlinked temp file
// (dataset/decoded_spool.h).
#include "dataset/nifti_file_dataset.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/limits.h"
#include "core/system_memory.h"
#include "core/thread_pool.h"
#include "dataset/decoded_spool.h"
#include "nifti/nifti_header.h"
#include "nifti/nifti_header_json.h"
#include "nifti/nifti_source.h"
#include "nifti/nifti_stream.h"
#include "store/memory_store.h"

namespace nz {

namespace {

constexpr std::uint64_t kTargetChunkBytes = 1u << 20;  // ~1 MiB: a slice costs little

DatasetInfo makeInfo(const NiftiFileHead& head, const std::string& name, bool gz) {
  const NiftiHeader& h = head.header;
  DatasetInfo info;
  info.uri = name;
  info.format = "nifti";
  info.niftiVersion = h.version;
  info.headerBigEndian = h.bigEndian;
  info.shape = head.shape;
  info.dtype = head.dtype;
  info.axes = {"x", "y", "z"};
  info.ndim = 3;
  if (h.dim[0] >= 4) info.axes.push_back("t"), ++info.ndim;
  if (h.dim[0] >= 5) info.axes.push_back("c"), ++info.ndim;
  fillInfoFromNiftiHeader(info, h, name);
  info.extraJson = "{}";
  info.niftiHeader = std::make_shared<const NiftiHeader>(h);
  info.niftiHeaderJson = niftiHeaderFieldsJson(h);
  // Virtual chunks are contiguous in the file: whole planes (a few per chunk), or row bands
  // of one plane when a plane alone is large.
  LevelInfo l;
  l.path = "";
  l.shape = head.shape;
  l.dtype = head.dtype;
  const std::uint64_t row = static_cast<std::uint64_t>(head.shape[0]) * dtypeSize(head.dtype);
  const std::uint64_t plane = row * static_cast<std::uint64_t>(head.shape[1]);
  l.chunkShape = {head.shape[0], head.shape[1], 1, 1, 1};
  if (plane >= kTargetChunkBytes) {
    l.chunkShape[1] = std::clamp<std::int64_t>(static_cast<std::int64_t>(kTargetChunkBytes / row),
                                               1, head.shape[1]);
  } else {
    l.chunkShape[2] = std::clamp<std::int64_t>(static_cast<std::int64_t>(kTargetChunkBytes / plane),
                                               1, std::min<std::int64_t>(64, head.shape[2]));
  }
  for (int i = 0; i < 5; ++i) l.gridShape[i] = (l.shape[i] + l.chunkShape[i] - 1) / l.chunkShape[i];
  if (gz) {
    l.codecs = {"gzip"};
    l.compressorDetail = "gzip (whole file)";
  }
  l.affine = info.affine;
  l.isShardedOrNifti = true;
  info.levels.push_back(l);
  return info;
}

// Byte offset (from the start of the voxel data) of a chunk's first voxel; chunks are contiguous.
std::uint64_t chunkDataOffset(const DatasetInfo& info, const Box& b) {
  const Index5& s = info.shape;
  const std::uint64_t idx = static_cast<std::uint64_t>(
      (((b.begin[4] * s[3] + b.begin[3]) * s[2] + b.begin[2]) * s[1] + b.begin[1]) * s[0] +
      b.begin[0]);
  return idx * dtypeSize(info.dtype);
}

std::uint64_t spoolMemoryLimit(const NiftiFileOptions& options) {
  if (options.memoryLimitBytes > 0) return options.memoryLimitBytes;
  const std::uint64_t twoGiB = std::uint64_t{2} << 30;
  const std::uint64_t ram = physicalMemoryBytes();
  return ram == 0 ? std::uint64_t{256} << 20 : std::min(twoGiB, ram / 8);
}

ChunkResult errorResult(ErrorKind kind, std::string msg) {
  ChunkResult r;
  r.ok = false;
  r.errorKind = kind;
  r.error = std::move(msg);
  return r;
}

class PlainNiftiDataset : public Dataset {
 public:
  PlainNiftiDataset(std::shared_ptr<Store> store, DatasetInfo info, std::string key,
                    std::uint64_t voxOffset, bool bigEndian)
      : Dataset(std::move(store), std::move(info)),
        key_(std::move(key)),
        voxOffset_(voxOffset),
        bigEndian_(bigEndian) {}

  void readChunkAsync(int level, const Index5& chunk, CancelToken cancel,
                      ChunkCallback done) override {
    if (level != 0) {
      ThreadPool::shared().post([done, u = info_.uri] {
        done(errorResult(ErrorKind::InvalidArgument, u + ": a NIfTI file has only level 0"));
      });
      return;
    }
    const Box box = chunkBox(0, chunk);
    const std::uint64_t off = voxOffset_ + chunkDataOffset(info_, box);
    const std::uint64_t len = static_cast<std::uint64_t>(box.voxelCount()) * dtypeSize(info_.dtype);
    const DType dt = info_.dtype;
    const bool be = bigEndian_;
    const std::string what = info_.uri;
    store_->readAsync(
        key_, ByteRange::span(off, len), cancel, [done, box, len, dt, be, what](ReadResult rr) {
          if (!rr.ok() || rr.data.size() != len) {
            const bool err = rr.status == ReadResult::Status::Error;
            done(errorResult(
                err ? rr.errorKind.value_or(ErrorKind::Network)
                    : (rr.status == ReadResult::Status::Cancelled ? ErrorKind::Cancelled
                                                                  : ErrorKind::InvalidData),
                err ? rr.error : what + ": file ends early"));
            return;
          }
          auto v = std::make_shared<Volume>();
          v->dtype = dt;
          v->shape = box.shape();
          v->data = std::move(rr.data);
          niftiToNative(v->data.data(), v->voxelCount(), dt, be);
          ChunkResult r;
          r.ok = true;
          r.box = box;
          r.storedBytes = len;
          r.volume = std::move(v);
          done(std::move(r));
        });
  }

 private:
  std::string key_;
  std::uint64_t voxOffset_;
  bool bigEndian_;
};

// .nii.gz: a background thread inflates the whole stream into a DecodedSpool (memory, then a
// temporary file); chunks are copied out of it on the decoders' pool, so the inflating thread
// does nothing but inflate. A whole-volume copy (streamLevel0) before any chunk was asked for
// releases what it has copied, so memory stays at a few blocks; a chunk asked for after that
// inflates the file again from its start.
class GzipNiftiDataset : public Dataset {
 public:
  GzipNiftiDataset(std::shared_ptr<Store> store, DatasetInfo info, std::string key,
                   std::unique_ptr<NiftiByteStream> stream, const NiftiFileHead& head,
                   const NiftiFileOptions& options)
      : Dataset(std::move(store), std::move(info)),
        key_(std::move(key)),
        stream_(std::move(stream)),
        bigEndian_(head.header.bigEndian),
        total_(head.dataBytes),
        storedSize_(stream_->storedSize()),
        memoryLimit_(spoolMemoryLimit(options)),
        spool_(std::make_shared<DecodedSpool>(info_.uri, memoryLimit_)),
        progress_(options.progress) {
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }

  ~GzipNiftiDataset() override {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void readChunkAsync(int level, const Index5& chunk, CancelToken cancel,
                      ChunkCallback done) override {
    if (level != 0) {
      ThreadPool::shared().post([done, u = info_.uri] {
        done(errorResult(ErrorKind::InvalidArgument, u + ": a NIfTI file has only level 0"));
      });
      return;
    }
    Pending p{chunkBox(0, chunk), std::move(cancel), std::move(done)};
    std::lock_guard lock(m_);
    chunkAsked_ = true;
    pending_.push_back(std::move(p));
    if (released_ > 0 && !restart_ && !failed_) {
      restart_ = true;  // released bytes are wanted again: inflate from the start
      if (!running_) {
        if (thread_.joinable()) thread_.join();  // it has left run(): no lock taken any more
        running_ = true;
        thread_ = std::thread([this] { run(); });
      }
    }
    cv_.notify_all();
    servePendingLocked();
  }

  bool streamLevel0(const VoxelSink& sink, CancelToken cancel) override {
    const std::size_t item = dtypeSize(info_.dtype);
    Bytes piece(std::size_t{4} << 20);  // one buffer, reused: no new pages per piece
    const std::size_t wholeItems = piece.size() / item * item;
    std::uint64_t at = 0;
    while (at < total_) {
      std::uint64_t have;
      std::shared_ptr<DecodedSpool> spool;
      {
        std::unique_lock lock(m_);
        // Polled as well, so a cancel is noticed while the download stalls.
        const auto ready = [&] {
          return (!restart_ && released_ <= at && decoded_ >= std::min(total_, at + item)) ||
                 failed_ || cancel.cancelled();
        };
        cv_.wait_for(lock, std::chrono::milliseconds(50), ready);
        if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, info_.uri + ": cancelled");
        if (!ready()) continue;
        if (failed_ && !(released_ <= at && decoded_ >= std::min(total_, at + item)))
          throw Error(failKind_, failMessage_);
        have = decoded_;
        spool = spool_;
      }
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(have - at, wholeItems));
      n -= n % item;
      spool->copyOut(at, piece.data(), n);
      niftiToNative(piece.data(), n / item, info_.dtype, bigEndian_);
      sink(piece.data(), n);
      at += n;
      std::lock_guard lock(m_);
      // Nobody else reads this dataset (yet): what is copied is not kept.
      if (!chunkAsked_ && spool == spool_) released_ = spool_->release(at);
    }
    return true;
  }

 private:
  struct Pending {
    Box box;
    CancelToken cancel;
    ChunkCallback done;
  };

  void run() {
    while (true) {
      decodeAll();
      std::lock_guard lock(m_);
      if (stopping_ || failed_ || !restart_) {
        running_ = false;  // the last thing run() does under the lock
        return;
      }
    }
  }

  // Inflates the stream into the spool, from the start when a restart was asked for.
  void decodeAll() {
    // Pieces of at most 1 MiB: a chunk waiting for its bytes is served soon after they exist.
    const std::uint64_t piece = 1u << 20;
    try {
      bool again = false;
      {
        std::lock_guard lock(m_);
        again = restart_;
      }
      if (again) {  // on this thread: opening the stream again is network I/O
        auto stream = std::make_unique<NiftiByteStream>(
            store_, key_, info_.uri, CancelToken{}, progress_, kStreamPieceBytes,
            kStreamPiecesInFlight, NiftiByteStream::Known{storedSize_, {}});
        readNiftiHead(*stream, info_.uri);
        auto spool = std::make_shared<DecodedSpool>(info_.uri, memoryLimit_);
        {
          std::lock_guard lock(m_);
          std::swap(stream_, stream);
          std::swap(spool_, spool);
          decoded_ = 0;
          released_ = 0;
          restart_ = false;
        }
        // The old stream and spool end here, outside the lock: the stream waits for its pieces
        // still in flight, the spool for its helper thread.
      }
      while (true) {
        std::uint64_t have;
        {
          std::lock_guard lock(m_);
          if (stopping_ || restart_) return;  // run() starts over
          have = decoded_;
        }
        if (have >= total_) break;
        const std::span<std::uint8_t> room = spool_->writable();
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>({piece, room.size(), total_ - have}));
        stream_->read(room.data(), want);  // inflates straight into the spool
        spool_->commit(want);
        std::lock_guard lock(m_);
        decoded_ += want;
        if (progress_) progress_(stream_->storedReceived(), stream_->storedSize());
        servePendingLocked();
        cv_.notify_all();  // streamLevel0
      }
    } catch (const Error& e) {
      std::lock_guard lock(m_);
      failed_ = true;
      failKind_ = e.kind();
      failMessage_ = e.what();
      servePendingLocked();
      cv_.notify_all();
      return;
    }
    std::lock_guard lock(m_);
    stream_.reset();  // releases download buffers
    servePendingLocked();
    cv_.notify_all();
  }

  // Hands every pending chunk whose bytes are decoded and kept (or that failed or was
  // cancelled) to the decoders' pool, which copies it out of the spool.
  void servePendingLocked() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      const Box& b = it->box;
      const std::uint64_t off = chunkDataOffset(info_, b);
      const std::uint64_t len = static_cast<std::uint64_t>(b.voxelCount()) * dtypeSize(info_.dtype);
      if (it->cancel.cancelled()) {
        ThreadPool::shared().post([done = std::move(it->done), u = info_.uri] {
          done(errorResult(ErrorKind::Cancelled, u + ": cancelled"));
        });
      } else if (!restart_ && off >= released_ && off + len <= decoded_) {
        ThreadPool::shared().post([done = std::move(it->done), spool = spool_, box = b, off, len,
                                   dtype = info_.dtype, be = bigEndian_] {
          ChunkResult r;
          auto v = std::make_shared<Volume>();
          v->dtype = dtype;
          v->shape = box.shape();
          v->data.resize(static_cast<std::size_t>(len));
          try {
            spool->copyOut(off, v->data.data(), static_cast<std::size_t>(len));
          } catch (const Error& e) {
            done(errorResult(e.kind(), e.what()));
            return;
          }
          niftiToNative(v->data.data(), v->voxelCount(), dtype, be);
          r.ok = true;
          r.box = box;
          r.storedBytes = len;
          r.volume = std::move(v);
          done(std::move(r));
        });
      } else if (failed_) {
        ThreadPool::shared().post([done = std::move(it->done), kind = failKind_,
                                   message = failMessage_] { done(errorResult(kind, message)); });
      } else {
        ++it;
        continue;
      }
      it = pending_.erase(it);
    }
  }

  const std::string key_;
  std::unique_ptr<NiftiByteStream> stream_;
  bool bigEndian_;
  std::uint64_t total_;
  std::uint64_t storedSize_;
  std::uint64_t memoryLimit_;
  // Shared with the copies queued on the pool, which may outlive the dataset.
  std::shared_ptr<DecodedSpool> spool_;
  std::function<void(std::uint64_t, std::uint64_t)> progress_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false, failed_ = false;
  bool running_ = false;     // run() has not returned
  bool chunkAsked_ = false;  // a chunk was asked for: nothing is released any more
  bool restart_ = false;     // inflate again from the start (released bytes are wanted)
  ErrorKind failKind_ = ErrorKind::Network;
  std::string failMessage_;
  std::uint64_t decoded_ = 0;   // voxel-data bytes decoded so far
  std::uint64_t released_ = 0;  // decoded bytes [0, released_) no longer kept
  std::deque<Pending> pending_;
  std::thread thread_;
};

// Header of an uncompressed .nii from its first bytes (`prefix`); reads up to vox_offset
// when the extensions go past the prefix.
NiftiFileHead readPlainHead(const std::shared_ptr<Store>& store, const std::string& key,
                            const std::string& name, const std::shared_ptr<Bytes>& prefix,
                            std::uint64_t fileSize) {
  Bytes bytes = *prefix;
  if (bytes.size() >= 4) {
    const std::size_t hdr = niftiHeaderSizeOf(bytes.data(), bytes.size());
    if (hdr != 0 && bytes.size() >= hdr) {
      const NiftiHeader h = parseNiftiHeader(bytes.data(), hdr, name);
      // Extensions sit before vox_offset: fetch them, but never more than the header limit
      // (readNiftiHead checks every esize against it and against vox_offset).
      const double vo = h.voxOffset;
      const double upTo =
          std::min({vo, static_cast<double>(fileSize), static_cast<double>(kMaxNiftiVoxOffset),
                    static_cast<double>(hdr + 4 + inputLimits().niftiHeaderMaxBytes)});
      if (upTo > static_cast<double>(bytes.size()) && bytes.size() > hdr && bytes[hdr] != 0) {
        ReadResult more = store->read(
            key, ByteRange::span(bytes.size(), static_cast<std::uint64_t>(upTo) - bytes.size()));
        more.throwIfError();
        bytes.insert(bytes.end(), more.data.begin(), more.data.end());
      }
    }
  }
  // Parse through the same code path as streams, from an in-memory copy.
  auto mem = std::make_shared<MemoryStore>("nifti-head");
  mem->put("h", std::move(bytes));
  NiftiByteStream s(mem, "h", name);
  NiftiFileHead head = readNiftiHead(s, name, /*skipToData=*/false);
  const double need = static_cast<double>(head.voxOffset) + static_cast<double>(head.dataBytes);
  if (need > static_cast<double>(fileSize)) {
    throw Error(ErrorKind::InvalidData, name + ": file is " + std::to_string(fileSize) +
                                            " bytes, the header describes " +
                                            std::to_string(static_cast<std::uint64_t>(need)));
  }
  return head;
}

}  // namespace

std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store> store, const std::string& key,
                                              const std::string& name) {
  return openNiftiFileDataset(std::move(store), key, name, NiftiFileOptions{});
}

std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store> store, const std::string& key,
                                              const std::string& name,
                                              const NiftiFileOptions& options) {
  // One short request tells .nii from .nii.gz; for a .nii it holds the header, and the
  // voxels are then fetched chunk by chunk with exact ranged reads.
  // The object's size comes with the first ranged answer (Content-Range); a store that does
  // not report it is asked separately.
  ReadResult first = store->read(key, ByteRange::span(0, 65536));
  if (!first.throwIfError()) throw Error(ErrorKind::NotFound, name + ": file not found");
  std::optional<std::uint64_t> size = first.totalSize;
  if (!size) size = store->size(key);
  if (!size) throw Error(ErrorKind::NotFound, name + ": file not found");
  const bool gz = first.data.size() >= 2 && first.data[0] == 0x1f && first.data[1] == 0x8b;
  // The file's validators as this read saw them (for an export's manifest).
  SeenObject seen = seenObjectOf(key, first, false);
  seen.object.size = size;
  if (!gz) {
    // Serve the header from the bytes already here (more only for huge extensions).
    auto memo = std::make_shared<Bytes>(std::move(first.data));
    NiftiFileHead head = readPlainHead(store, key, name, memo, *size);
    DatasetInfo info = makeInfo(head, name, false);
    auto dataset = std::make_shared<PlainNiftiDataset>(std::move(store), std::move(info), key,
                                                       head.voxOffset, head.header.bigEndian);
    dataset->setObjectsSeenAtOpen({std::move(seen)});
    return dataset;
  }
  // The stream continues after the bytes already fetched: the header needs no second request.
  NiftiByteStream::Known known{size, std::move(first.data)};
  auto stream =
      std::make_unique<NiftiByteStream>(store, key, name, CancelToken{}, options.progress,
                                        kStreamPieceBytes, kStreamPiecesInFlight, std::move(known));
  const NiftiFileHead head = readNiftiHead(*stream, name);
  DatasetInfo info = makeInfo(head, name, true);
  auto dataset = std::make_shared<GzipNiftiDataset>(std::move(store), std::move(info), key,
                                                    std::move(stream), head, options);
  dataset->setObjectsSeenAtOpen({std::move(seen)});
  return dataset;
}

}  // namespace nz
