#include "dataset/decoded_spool.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/error.h"

namespace nz {

DecodedSpool::DecodedSpool(std::string name, std::uint64_t memoryLimitBytes, std::size_t blockBytes)
    : name_(std::move(name)),
      blockBytes_(std::max<std::size_t>(blockBytes, 4096)),
      memoryBlocks_(
          static_cast<std::size_t>(std::max<std::uint64_t>(memoryLimitBytes / blockBytes_, 2))) {
  helper_ = std::thread([this] { run(); });
}

DecodedSpool::~DecodedSpool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  helperWake_.notify_all();
  helper_.join();
  if (file_) std::fclose(file_);
}

DecodedSpool::Memory DecodedSpool::allocateFaulted() const {
  // Touching every page now takes the kernel's page faults (and its zeroing) here, on the
  // helper, instead of in the middle of the writer's inflate. (Huge pages were tried: zeroing
  // 2 MiB at a fault cost more system time on a virtual machine, 0.7-2.5 s against 0.5 s for
  // 512 MiB.)
  Memory block(static_cast<std::uint8_t*>(std::malloc(blockBytes_)));
  if (!block) throw std::bad_alloc();
  volatile std::uint8_t* touch = block.get();
  for (std::size_t i = 0; i < blockBytes_; i += 4096) touch[i] = 0;
  return block;
}

void DecodedSpool::run() {
  std::unique_lock lock(mutex_);
  // Over the limit, the oldest full block (never the last one, the writer's) may go to the file.
  const auto spillable = [&] {
    return error_.empty() && inMemory_ >= memoryBlocks_ && nextSpill_ + 1 < blocks_.size();
  };
  while (true) {
    helperWake_.wait(lock, [&] { return stop_ || (!ready_ && error_.empty()) || spillable(); });
    if (stop_) return;
    if (!ready_ && error_.empty() && (!spare_.empty() || !spillable())) {
      if (!spare_.empty()) {
        ready_ = std::move(spare_.back());
        spare_.pop_back();
      } else {
        lock.unlock();
        Memory block;
        try {
          block = allocateFaulted();
        } catch (const std::bad_alloc&) {
        }
        lock.lock();
        if (!block) {
          error_ = name_ + ": out of memory for the decoded voxels";
          writerWake_.notify_all();
          continue;
        }
        ready_ = std::move(block);
      }
      writerWake_.notify_all();
      continue;
    }
    // Spill one block (its memory then becomes the next ready block rather than a new
    // allocation). Its bytes are final: written without the lock while readers may copy it.
    const std::size_t index = nextSpill_++;
    const std::uint8_t* data = blocks_[index].memory.get();
    spilling_ = index;
    lock.unlock();
    std::string failure;
    if (!file_) file_ = std::tmpfile();  // unlinked at once: nothing left behind on a crash
    if (!file_) {
      failure = name_ + ": cannot create a temporary file for the decoded voxels";
    } else {
      const ssize_t written =
          ::pwrite(fileno(file_), data, blockBytes_, static_cast<off_t>(index * blockBytes_));
      if (written != static_cast<ssize_t>(blockBytes_))
        failure = name_ + ": cannot write the temporary file of the decoded voxels (disk full?)";
    }
    lock.lock();
    spilling_ = SIZE_MAX;
    if (!failure.empty()) {
      error_ = std::move(failure);
      writerWake_.notify_all();
      continue;
    }
    spare_.push_back(std::move(blocks_[index].memory));
    --inMemory_;
    ++spilled_;
  }
}

std::span<std::uint8_t> DecodedSpool::writable() {
  std::unique_lock lock(mutex_);
  const std::size_t used = static_cast<std::size_t>(committed_ % blockBytes_);
  if (!blocks_.empty() && (used != 0 || committed_ < blocks_.size() * blockBytes_)) {
    return {blocks_.back().memory.get() + used, blockBytes_ - used};
  }
  // The last block is full (or there is none): take the helper's ready block. The writer may
  // run ahead of the spill by a block or two; memory stays within a few blocks of the limit.
  writerWake_.wait(lock, [&] { return ready_ || !error_.empty(); });
  if (!error_.empty()) throw Error(ErrorKind::Io, error_);
  blocks_.push_back(Block{std::move(ready_)});
  ++inMemory_;
  helperWake_.notify_all();
  return {blocks_.back().memory.get(), blockBytes_};
}

void DecodedSpool::commit(std::size_t n) {
  std::lock_guard lock(mutex_);
  committed_ += n;
}

std::uint64_t DecodedSpool::size() const {
  std::lock_guard lock(mutex_);
  return committed_;
}

std::size_t DecodedSpool::blocksSpilled() const {
  std::lock_guard lock(mutex_);
  return spilled_;
}

std::uint64_t DecodedSpool::release(std::uint64_t offset) {
  std::lock_guard lock(mutex_);
  const std::size_t whole = static_cast<std::size_t>(std::min(offset, committed_) / blockBytes_);
  // The last block is the writer's; the one being spilled is still being read by the helper.
  while (released_ < whole && released_ + 1 < blocks_.size() && released_ != spilling_) {
    Block& b = blocks_[released_];
    if (b.memory) {
      spare_.push_back(std::move(b.memory));
      --inMemory_;
    }
    ++released_;
  }
  nextSpill_ = std::max(nextSpill_, released_);
  helperWake_.notify_all();
  return static_cast<std::uint64_t>(released_) * blockBytes_;
}

void DecodedSpool::copyOut(std::uint64_t offset, std::uint8_t* out, std::size_t n) const {
  std::lock_guard lock(mutex_);
  const std::uint64_t kept = static_cast<std::uint64_t>(released_) * blockBytes_;
  if (offset > committed_ || n > committed_ - offset || offset < kept) {
    throw Error(ErrorKind::InvalidArgument,
                name_ + ": decoded bytes " + std::to_string(offset) + "+" + std::to_string(n) +
                    " asked for, " + std::to_string(committed_) + " decoded, the first " +
                    std::to_string(kept) + " released");
  }
  while (n > 0) {
    const std::size_t index = static_cast<std::size_t>(offset / blockBytes_);
    const std::size_t within = static_cast<std::size_t>(offset % blockBytes_);
    const std::size_t k = std::min(n, blockBytes_ - within);
    if (const std::uint8_t* memory = blocks_[index].memory.get()) {
      std::memcpy(out, memory + within, k);
    } else {
      const ssize_t r = ::pread(fileno(file_), out, k, static_cast<off_t>(offset));
      if (r != static_cast<ssize_t>(k))
        throw Error(ErrorKind::Io,
                    name_ + ": cannot read the temporary file of the decoded voxels back");
    }
    offset += k;
    out += k;
    n -= k;
  }
}

}  // namespace nz
