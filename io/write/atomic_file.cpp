#include "write/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/error.h"
#include "open/store_factory.h"
#include "uri/uri.h"
#include "write/file_appender.h"

namespace nz {

namespace {

// Temporary paths a signal handler must remove: fixed storage, no allocation in the handler.
constexpr int kSlots = 8;
constexpr std::size_t kPathMax = 4096;
char g_paths[kSlots][kPathMax];
std::atomic<bool> g_used[kSlots];
std::atomic<unsigned> g_counter{0};

int claimSlot(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_used[i].compare_exchange_strong(expected, true)) {
      std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
      return i;
    }
  }
  return -1;
}

void releaseSlot(int slot) {
  if (slot >= 0) g_used[slot].store(false);
}

extern "C" void nzCleanupOnSignal(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load()) ::unlink(g_paths[i]);
  _exit(128 + sig);
}

std::string sysError(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

bool isLocalUri(const std::string& d) {
  return d.find("://") == std::string::npos || d.rfind("file://", 0) == 0;
}

}  // namespace

void splitObjectUri(const std::string& uri, std::string& parent, std::string& name) {
  std::string base = uri, query;
  auto q = base.find('?');
  if (q != std::string::npos) {
    query = base.substr(q);
    base = base.substr(0, q);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto sep = base.find("://");
  auto slash = base.rfind('/');
  if (sep == std::string::npos || slash == std::string::npos || slash < sep + 3)
    throw Error(ErrorKind::InvalidArgument,
                "output URI '" + redactSecrets(uri) + "' names no object");
  name = base.substr(slash + 1);
  parent = base.substr(0, slash) + query;
  if (name.empty())
    throw Error(ErrorKind::InvalidArgument,
                "output URI '" + redactSecrets(uri) + "' names no object");
}

AtomicOutput::AtomicOutput(const std::string& destination, const StoreOptions& options) {
  local_ = isLocalUri(destination);
  if (local_) {
    finalPath_ = destination.rfind("file://", 0) == 0 ? parseUri(destination).path : destination;
    describe_ = finalPath_;
    struct stat st {};
    if (::stat(finalPath_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      throw Error(ErrorKind::InvalidArgument, "output '" + finalPath_ + "' is a directory");
    auto slash = finalPath_.rfind('/');
    std::string dir = slash == std::string::npos ? "" : finalPath_.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? finalPath_ : finalPath_.substr(slash + 1);
    if (base.empty()) throw Error(ErrorKind::InvalidArgument, "output path names no file");
    // Same directory as the final name, so rename() is atomic (same file system).
    tempPath_ = dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" +
                std::to_string(g_counter.fetch_add(1));
    slot_ = claimSlot(tempPath_);
    fd_ = ::open(tempPath_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      int e = errno;
      releaseSlot(slot_);
      slot_ = -1;
      errno = e;
      throw Error(errorKindForErrno(e),
                  sysError("cannot create output in", dir.empty() ? std::string(".") : dir));
    }
    file_ = std::make_unique<FileAppender>(fd_, finalPath_);
  } else {
    std::string parent;
    splitObjectUri(destination, parent, key_);
    Uri parentUri = parseUri(parent);
    describe_ = parseUri(destination).redacted();
    store_ = openStore(parentUri, options);
  }
}

AtomicOutput::~AtomicOutput() {
  if (!done_) abort();
}

void AtomicOutput::write(const void* data, std::size_t size) {
  if (done_) throw Error(ErrorKind::Io, "write after commit/abort to " + describe_);
  if (!local_) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    buffer_.insert(buffer_.end(), p, p + size);
    buffered_ += size;
    return;
  }
  file_->append(static_cast<const std::uint8_t*>(data), size);
}

std::uint64_t AtomicOutput::bytesWritten() const {
  return file_ ? file_->bytesAppended() : buffered_;
}

void AtomicOutput::commit() {
  if (done_) throw Error(ErrorKind::Io, "commit after abort of " + describe_);
  if (!local_) {
    store_->write(key_, buffer_);  // the single PUT: nothing appears before this point
    buffer_.clear();
    buffer_.shrink_to_fit();
    done_ = true;
    return;
  }
  file_->finish();
  if (::fsync(fd_) != 0) throw Error(ErrorKind::Io, sysError("cannot flush", finalPath_));
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw Error(ErrorKind::Io, sysError("cannot close", finalPath_));
  }
  fd_ = -1;
  if (::rename(tempPath_.c_str(), finalPath_.c_str()) != 0)
    throw Error(errorKindForErrno(errno), sysError("cannot rename output to", finalPath_));
  releaseSlot(slot_);
  slot_ = -1;
  done_ = true;
  // Make the rename itself durable.
  auto slash = finalPath_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : finalPath_.substr(0, slash + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void AtomicOutput::abort() noexcept {
  if (done_) return;
  done_ = true;
  if (local_) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tempPath_.empty()) ::unlink(tempPath_.c_str());
    releaseSlot(slot_);
    slot_ = -1;
  } else {
    buffer_.clear();
    buffer_.shrink_to_fit();
  }
}

void AtomicOutput::installSignalCleanup() {
  struct sigaction sa {};
  sa.sa_handler = nzCleanupOnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace nz
