#include "write/file_appender.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace nz {

namespace {

// O_DIRECT wants the buffer, the length and the file offset aligned to the device's logical
// block; 4096 covers 512-byte and 4 KiB sectors.
constexpr std::size_t kAlign = 4096;

}  // namespace

void FileAppender::append(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    std::size_t take = size;
    if (direct_) {
      take = std::min(size, kStagingBytes - staged_);
      std::memcpy(staging_.get() + staged_, data, take);
      staged_ += take;
      if (staged_ == kStagingBytes) flushStaging();
    } else if (onDisk_ < kDirectAfter || directRefused_) {
      if (!directRefused_) take = std::min<std::uint64_t>(size, kDirectAfter - onDisk_);
      writeAll(data, take);
      startWriteback();
    } else if (onDisk_ % kAlign != 0) {  // through the page cache up to an aligned offset
      take = std::min<std::size_t>(size, kAlign - onDisk_ % kAlign);
      writeAll(data, take);
    } else {
      enterDirect();
      continue;
    }
    appended_ += take;
    data += take;
    size -= take;
  }
}

void FileAppender::finish() {
  if (!direct_) return;
  const std::size_t aligned = staged_ / kAlign * kAlign;
  if (aligned > 0) writeAll(staging_.get(), aligned);
  const std::size_t tail = staged_ - aligned;
  leaveDirect();  // the unaligned end goes through the page cache
  if (tail > 0) writeAll(staging_.get() + aligned, tail);
  staged_ = 0;
  startWriteback();
}

void FileAppender::writeAll(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && direct_) {
        // Refused after all (an alignment this device does not take, a short write that left
        // the offset unaligned): the rest goes through the page cache.
        leaveDirect();
        directRefused_ = true;
        continue;
      }
      const int e = errno;
      throw Error(errorKindForErrno(e), "cannot write '" + what_ + "': " + std::strerror(e));
    }
    if (direct_) directBytes_ += static_cast<std::uint64_t>(n);
    data += n;
    size -= static_cast<std::size_t>(n);
    onDisk_ += static_cast<std::uint64_t>(n);
  }
}

void FileAppender::startWriteback() {
#ifdef __linux__
  // The kernel's own background write-out starts only at 10% of RAM, so without this the
  // final fsync waits for the whole file: 0.17 s for 512 MiB. Asynchronous: nothing waits
  // here, and a failure is seen by the fsync.
  constexpr std::uint64_t kStretch = std::uint64_t{8} << 20;
  if (onDisk_ - writebackFrom_ < kStretch) return;
  const std::uint64_t upTo = onDisk_ / kStretch * kStretch;
  ::sync_file_range(fd_, static_cast<off_t>(writebackFrom_),
                    static_cast<off_t>(upTo - writebackFrom_), SYNC_FILE_RANGE_WRITE);
  writebackFrom_ = upTo;
#endif
}

void FileAppender::enterDirect() {
#ifndef O_DIRECT
  directRefused_ = true;  // no such flag here: the page cache path
  return;
#else
  if (!staging_)
    staging_.reset(static_cast<std::uint8_t*>(std::aligned_alloc(kAlign, kStagingBytes)));
  const int flags = ::fcntl(fd_, F_GETFL);
  // tmpfs and others refuse O_DIRECT here (EINVAL): they keep the page cache path.
  if (!staging_ || flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_DIRECT) != 0) {
    directRefused_ = true;
    return;
  }
  direct_ = true;
#endif
}

void FileAppender::leaveDirect() {
#ifdef O_DIRECT
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT);
#endif
  direct_ = false;
}

void FileAppender::flushStaging() {
  writeAll(staging_.get(), staged_);
  staged_ = 0;
}

}  // namespace nz
