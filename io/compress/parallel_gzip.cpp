#include "compress/parallel_gzip.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/thread_pool.h"

namespace nz {

namespace {

constexpr std::size_t kWindow = 32768;  // deflate's largest back-reference distance

// Output space for one block: plain new[] (a vector would zero every byte first, 1.2 MB per
// MiB block), grown by copying in the rare case the estimate is short.
struct RawOutput {
  std::unique_ptr<std::uint8_t[]> data;
  std::size_t capacity = 0;
  std::size_t used = 0;

  explicit RawOutput(std::size_t n) : data(new std::uint8_t[n]), capacity(n) {}
  void growIfFull() {
    if (used < capacity) return;
    std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[capacity * 2]);
    std::memcpy(bigger.get(), data.get(), used);
    data = std::move(bigger);
    capacity *= 2;
  }
};

RawOutput deflateBlockZlib(int level, const std::uint8_t* data, std::size_t size,
                           const Bytes& dictionary, bool last) {
  z_stream z{};
  // windowBits -15: raw deflate (the gzip header and trailer are written once, around all blocks).
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error(ErrorKind::Io, "cannot start gzip compression");
  if (!dictionary.empty() &&
      deflateSetDictionary(&z, dictionary.data(), static_cast<uInt>(dictionary.size())) != Z_OK) {
    deflateEnd(&z);
    throw Error(ErrorKind::Io, "gzip compression: cannot set the dictionary");
  }
  RawOutput out(deflateBound(&z, static_cast<uLong>(size)) + 64);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  const int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
  int rc = Z_OK;
  do {
    out.growIfFull();
    z.next_out = out.data.get() + out.used;
    z.avail_out = static_cast<uInt>(out.capacity - out.used);
    const uInt before = z.avail_out;
    rc = deflate(&z, flush);
    out.used += before - z.avail_out;
    if (rc == Z_STREAM_ERROR) break;
  } while (z.avail_out == 0 || (last && rc != Z_STREAM_END));
  deflateEnd(&z);
  if (rc == Z_STREAM_ERROR) throw Error(ErrorKind::Io, "gzip compression failed");
  return out;
}

RawOutput deflateBlockIsal(int level, const std::uint8_t* data, std::size_t size,
                           const Bytes& dictionary, bool last) {
  static constexpr std::uint32_t kLevelBuf[4] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                                 ISAL_DEF_LVL3_DEFAULT};
  // One stream state and level buffer per worker thread, reused block after block:
  // isal_deflate_init resets the state, and ISA-L initialises the parts of the level buffer it
  // reads (its own examples hand it malloc'ed memory).
  thread_local std::unique_ptr<isal_zstream> stream;
  thread_local std::unique_ptr<std::uint8_t[]> levelBuf;
  thread_local std::uint32_t levelBufSize = 0;
  if (!stream) stream = std::make_unique<isal_zstream>();
  if (levelBufSize < kLevelBuf[level]) {
    levelBuf.reset(new std::uint8_t[kLevelBuf[level]]);
    levelBufSize = kLevelBuf[level];
  }
  isal_deflate_init(stream.get());
  stream->level = static_cast<std::uint32_t>(level);
  stream->level_buf = levelBuf.get();
  stream->level_buf_size = kLevelBuf[level];
  stream->gzip_flag = IGZIP_DEFLATE;
  if (!dictionary.empty() &&
      isal_deflate_set_dict(stream.get(), const_cast<std::uint8_t*>(dictionary.data()),
                            static_cast<std::uint32_t>(dictionary.size())) != COMP_OK)
    throw Error(ErrorKind::Io, "gzip compression: cannot set the dictionary");
  RawOutput out(size + size / 8 + 1024);
  stream->next_in = const_cast<std::uint8_t*>(data);
  stream->avail_in = static_cast<std::uint32_t>(size);
  stream->end_of_stream = last ? 1 : 0;
  stream->flush = last ? NO_FLUSH : SYNC_FLUSH;
  for (;;) {
    out.growIfFull();
    stream->next_out = out.data.get() + out.used;
    stream->avail_out = static_cast<std::uint32_t>(out.capacity - out.used);
    const std::uint32_t before = stream->avail_out;
    if (isal_deflate(stream.get()) != COMP_OK)
      throw Error(ErrorKind::Io, "gzip compression failed");
    out.used += before - stream->avail_out;
    // igzip_lib.h: after a sync flush, output space left over means all input is flushed.
    const bool done = last ? stream->internal_state.state == ZSTATE_END
                           : stream->avail_in == 0 && stream->avail_out > 0;
    if (done) break;
  }
  return out;
}

RawOutput deflateRaw(int level, const std::uint8_t* data, std::size_t size, const Bytes& dictionary,
                     bool last) {
  const int l = std::clamp(level, 0, 9);
  return l >= 1 && l <= 3 ? deflateBlockIsal(l, data, size, dictionary, last)
                          : deflateBlockZlib(l, data, size, dictionary, last);
}

void putLe32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes deflateBlock(int level, const std::uint8_t* data, std::size_t size, const Bytes& dictionary,
                   bool last) {
  const RawOutput out = deflateRaw(level, data, size, dictionary, last);
  return Bytes(out.data.get(), out.data.get() + out.used);
}

ParallelGzipWriter::Block ParallelGzipWriter::compressBlock(int level, const std::uint8_t* data,
                                                            std::size_t size,
                                                            const Bytes& dictionary, bool last) {
  RawOutput out = deflateRaw(level, data, size, dictionary, last);
  Block block;
  block.data = std::move(out.data);
  block.size = out.used;
  // The CRC-32 of the input, here on the worker with ISA-L's folding CRC (several times zlib's
  // speed); the writer only combines the blocks' CRCs in order.
  block.crc = crc32_gzip_refl(0, data, size);
  block.inputBytes = size;
  return block;
}

ParallelGzipWriter::ParallelGzipWriter(int level, Sink sink, std::size_t threads,
                                       std::size_t blockBytes)
    : level_(std::clamp(level, 0, 9)),
      sink_(std::move(sink)),
      blockBytes_(std::max<std::size_t>(blockBytes, kWindow)),
      pool_(std::make_unique<ThreadPool>(threads)) {
  maxInFlight_ = 2 * pool_->size() + 1;  // keeps every worker busy while the sink writes
  current_.reserve(blockBytes_);
  // gzip header: magic, deflate, no flags, no mtime (reproducible bytes), XFL, OS = Unix.
  const std::uint8_t xfl = level_ == 9 ? 2 : level_ == 1 ? 4 : 0;
  const std::uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3};
  sink_(header, sizeof header);
}

ParallelGzipWriter::~ParallelGzipWriter() {
  // An abandoned writer (an error or a cancel upstream): let the blocks in flight finish before
  // the pool goes, without writing them.
  for (auto& f : pending_)
    if (f.valid()) f.wait();
}

void ParallelGzipWriter::write(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const std::size_t take = std::min(size, blockBytes_ - current_.size());
    current_.insert(current_.end(), data, data + take);
    data += take;
    size -= take;
    if (current_.size() == blockBytes_) submit(false);
  }
}

void ParallelGzipWriter::submit(bool last) {
  total_ += current_.size();
  auto input = std::make_shared<Bytes>(std::move(current_));
  auto dictionary = std::make_shared<Bytes>(dictionary_);
  // The next block's dictionary: the last 32 KiB of input so far.
  if (input->size() >= kWindow) {
    dictionary_.assign(input->end() - static_cast<long>(kWindow), input->end());
  } else {
    dictionary_.insert(dictionary_.end(), input->begin(), input->end());
    if (dictionary_.size() > kWindow)
      dictionary_.erase(dictionary_.begin(), dictionary_.end() - static_cast<long>(kWindow));
  }
  current_ = Bytes();
  current_.reserve(blockBytes_);
  auto promise = std::make_shared<std::promise<Block>>();
  pending_.push_back(promise->get_future());
  const int level = level_;
  pool_->post([promise, input, dictionary, level, last] {
    try {
      promise->set_value(compressBlock(level, input->data(), input->size(), *dictionary, last));
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  while (pending_.size() > maxInFlight_) emitFront();
}

void ParallelGzipWriter::emitFront() {
  Block block = pending_.front().get();
  pending_.pop_front();
  crc_ = static_cast<std::uint32_t>(
      crc32_combine(crc_, block.crc, static_cast<z_off_t>(block.inputBytes)));
  if (block.size > 0) sink_(block.data.get(), block.size);
}

void ParallelGzipWriter::finish() {
  if (finished_) return;
  finished_ = true;
  submit(true);
  while (!pending_.empty()) emitFront();
  Bytes trailer;
  putLe32(trailer, crc_);
  putLe32(trailer, static_cast<std::uint32_t>(total_));  // ISIZE: length mod 2^32
  sink_(trailer.data(), trailer.size());
}

}  // namespace nz
