#pragma once
// One standard gzip member (RFC 1952) compressed on several cores, as pigz does: the input is
// cut into fixed blocks; each block is raw deflate primed with the previous 32 KiB of input as
// its dictionary and ends byte-aligned (sync flush), the last one with the final block; the
// header, the blocks in order and the trailer (CRC-32 and length of all input) make one member
// that gzip, zlib, nibabel and every reader accept. The bytes depend only on the level and the
// block size, never on the number of threads.
//
// Levels keep gzip's meaning (0 stored, 1 fastest .. 9 smallest): 1-3 use ISA-L's igzip
// levels 1-3 (several times zlib's speed per core), 0 and 4-9 zlib at that level.
//
//   ParallelGzipWriter gz(6, [&](const std::uint8_t* p, std::size_t n) { out.write(p, n); });
//   gz.write(data, size);  ...  gz.finish();
//
// write/finish run on one thread; the sink is called on that thread only. Throws nz::Error.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>

#include "core/bytes.h"

namespace nz {

class ThreadPool;

class ParallelGzipWriter {
 public:
  using Sink = std::function<void(const std::uint8_t*, std::size_t)>;
  static constexpr std::size_t kDefaultBlockBytes = 1u << 20;

  ParallelGzipWriter(int level, Sink sink, std::size_t threads = 0,
                     std::size_t blockBytes = kDefaultBlockBytes);
  ~ParallelGzipWriter();
  ParallelGzipWriter(const ParallelGzipWriter&) = delete;
  ParallelGzipWriter& operator=(const ParallelGzipWriter&) = delete;

  void write(const std::uint8_t* data, std::size_t size);
  // Compresses what is left, waits for every block and writes the trailer.
  void finish();

 private:
  void submit(bool last);
  void emitFront();

  int level_;
  Sink sink_;
  std::size_t blockBytes_;
  std::unique_ptr<ThreadPool> pool_;
  std::size_t maxInFlight_;
  Bytes current_;     // input of the block being filled
  Bytes dictionary_;  // the last 32 KiB of input before current_
  struct Block {
    std::unique_ptr<std::uint8_t[]> data;  // compressed, not zero-filled first
    std::size_t size = 0;
    std::uint32_t crc = 0;  // of the block's input, taken on the worker
    std::uint64_t inputBytes = 0;
  };
  static Block compressBlock(int level, const std::uint8_t* data, std::size_t size,
                             const Bytes& dictionary, bool last);

  std::deque<std::future<Block>> pending_;
  std::uint32_t crc_ = 0;
  std::uint64_t total_ = 0;
  bool finished_ = false;
};

// Compresses one block: raw deflate primed with `dictionary`, byte-aligned at the end, final
// when `last`. Exposed for tests.
Bytes deflateBlock(int level, const std::uint8_t* data, std::size_t size, const Bytes& dictionary,
                   bool last);

}  // namespace nz
