#pragma once
// Append-only store of decoded bytes with random-access reads, for a stream decoded once and
// read many times (the inflated voxels of a .nii.gz). Bytes live in fixed blocks in memory up
// to a limit; beyond it the oldest full blocks move to an unlinked temporary file.
//
// The writer (the inflating thread) only fills memory: a helper thread keeps its next block
// ready with the pages already faulted in, writes full blocks out to the file when over the
// limit, and hands their memory back as the next blocks (already faulted in). On a 2-core
// machine this takes the page faults, the spill's copies and its syscalls off the core that
// inflates.
//
//   DecodedSpool spool("brain.nii.gz", 256 << 20);
//   std::span<std::uint8_t> room = spool.writable();   // writer thread
//   std::size_t n = inflateInto(room);  spool.commit(n);
//   spool.copyOut(offset, out, count);                 // any thread, committed bytes only
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace nz {

class DecodedSpool {
 public:
  // `name` names the source in error messages. Memory holds at least two blocks.
  DecodedSpool(std::string name, std::uint64_t memoryLimitBytes,
               std::size_t blockBytes = std::size_t{4} << 20);
  ~DecodedSpool();
  DecodedSpool(const DecodedSpool&) = delete;
  DecodedSpool& operator=(const DecodedSpool&) = delete;

  // Writer thread. Room after the committed bytes (never empty); waits for the helper when a
  // new block is needed. Throws nz::Error(Io) when the temporary file could not be written.
  std::span<std::uint8_t> writable();
  // Writer thread. The first n bytes of the last writable() span are decoded.
  void commit(std::size_t n);

  // Any thread. Bytes committed so far.
  std::uint64_t size() const;
  // Any thread. Copies committed bytes [offset, offset + n) into `out`; throws nz::Error(Io)
  // when they cannot be read back from the temporary file, InvalidArgument past size() or
  // before what release() kept.
  void copyOut(std::uint64_t offset, std::uint8_t* out, std::size_t n) const;

  // Any thread. Drops the bytes before `offset` that whole blocks hold (never the writer's
  // block, nor one being written to the file): their memory becomes the writer's next blocks,
  // already faulted in. For a reader that consumes the stream once, so that memory stays at a
  // few blocks. Returns the new start of what copyOut can read (a multiple of the block size).
  std::uint64_t release(std::uint64_t offset);

  // Blocks in the temporary file (for tests and benchmarks).
  std::size_t blocksSpilled() const;

 private:
  struct FreeMemory {
    void operator()(std::uint8_t* p) const { std::free(p); }
  };
  using Memory = std::unique_ptr<std::uint8_t, FreeMemory>;
  struct Block {
    Memory memory;  // null once the block is in the file
  };
  void run();  // helper thread
  Memory allocateFaulted() const;

  const std::string name_;
  const std::size_t blockBytes_;
  const std::size_t memoryBlocks_;  // blocks kept in memory (the writer's included)
  mutable std::mutex mutex_;
  std::condition_variable helperWake_, writerWake_;
  std::vector<Block> blocks_;
  std::uint64_t committed_ = 0;
  std::size_t inMemory_ = 0;         // blocks_ entries with memory
  std::size_t nextSpill_ = 0;        // oldest block that may still be in memory
  std::size_t spilled_ = 0;          // blocks in the file
  std::size_t released_ = 0;         // leading blocks dropped by release()
  std::size_t spilling_ = SIZE_MAX;  // the block the helper is writing to the file now
  Memory ready_;                     // the writer's next block
  std::vector<Memory> spare_;        // memory of spilled blocks, faulted in
  std::string error_;                // the helper's failure, if any
  bool stop_ = false;
  std::FILE* file_ = nullptr;
  std::thread helper_;
};

}  // namespace nz
