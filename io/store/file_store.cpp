// Local file system backend: keys are relative paths under the root folder. Reads use pread
// (ranged reads never load the whole file); a missing file is ReadResult Missing; writes go to
// a temporary name then rename, creating parent folders.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/file_store.h"

namespace nz {

namespace {

class FileStore : public Store {
 public:
  explicit FileStore(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  std::string describe() const override { return root_; }

  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    stats_.requests++;
    done(readNow(key, range, cancel));
  }

  std::optional<std::uint64_t> size(const std::string& key) override {
    if (key.find('\0') != std::string::npos) return std::nullopt;
    struct stat st;
    if (::stat(pathOf(key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
  }

  void write(const std::string& key, const Bytes& data) override {
    const std::filesystem::path p(pathOf(key));
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) fail(key, "cannot create folder " + p.parent_path().string() + ": " + ec.message());
    const std::string tmp = p.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(key, std::strerror(errno));
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(key, std::strerror(e));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 || ::rename(tmp.c_str(), p.c_str()) != 0) {
      const int e = errno;
      ::unlink(tmp.c_str());
      fail(key, std::strerror(e));
    }
    stats_.bytesSent += data.size();
  }

  void remove(const std::string& key) override { ::unlink(pathOf(key).c_str()); }

  StoreStats stats() const override { return stats_.snapshot(); }

 private:
  std::string pathOf(const std::string& key) const {
    if (key.empty()) return root_;
    return root_ == "/" ? "/" + key : root_ + "/" + key;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw Error(ErrorKind::Io, "cannot write " + pathOf(key) + ": " + why);
  }

  static const char* fileTypeName(mode_t mode) {
    if (S_ISFIFO(mode)) return "a named pipe";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
  }

  // A path for messages: NUL shown as \0 so the text is never cut short.
  static std::string describePath(const std::string& path) {
    std::string out;
    for (char c : path) out += c == '\0' ? std::string("\\0") : std::string(1, c);
    return out;
  }

  static ReadResult error(ErrorKind kind, std::string msg) {
    ReadResult r;
    r.status = ReadResult::Status::Error;
    r.errorKind = kind;
    r.error = std::move(msg);
    return r;
  }

  ReadResult readNow(const std::string& key, const ByteRange& range, const CancelToken& cancel) {
    ReadResult r;
    if (cancel.cancelled()) {
      r.status = ReadResult::Status::Cancelled;
      r.error = "cancelled: " + pathOf(key);
      return r;
    }
    const std::string path = pathOf(key);
    if (key.find('\0') != std::string::npos)
      return error(ErrorKind::InvalidArgument,
                   describePath(path) + ": the path contains a NUL byte");
    // Never block on open: a FIFO or a device named like a chunk would otherwise hang here
    // (O_NONBLOCK opens a FIFO at once; the type check below then refuses it).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        r.status = ReadResult::Status::Missing;
        return r;
      }
      return error(errno == EACCES ? ErrorKind::PermissionDenied : ErrorKind::Io,
                   path + ": " + std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      if (S_ISDIR(st.st_mode)) {
        r.status = ReadResult::Status::Missing;  // a folder is not an object
        return r;
      }
      return error(ErrorKind::InvalidData, path + ": not a regular file (" +
                                               fileTypeName(st.st_mode) + "); refusing to read it");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t begin = 0, end = size;
    if (range.suffixLength) {
      begin = size - std::min(*range.suffixLength, size);
    } else {
      if (range.offset > size) {
        ::close(fd);
        return error(ErrorKind::InvalidArgument, path + ": byte range starts past the end");
      }
      begin = range.offset;
      if (range.length) end = std::min(size, begin + *range.length);
    }
    r.data.resize(end - begin);
    std::size_t got = 0;
    while (got < r.data.size()) {
      const ssize_t n =
          ::pread(fd, r.data.data() + got, r.data.size() - got, static_cast<off_t>(begin + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int e = errno;
        ::close(fd);
        return error(ErrorKind::Io, path + ": " + std::strerror(e));
      }
      if (n == 0) break;  // file shrank
      got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    r.data.resize(got);
    r.status = ReadResult::Status::Ok;
    r.totalSize = size;
    // A local file's validators: its size (above) and its mtime to the nanosecond.
    r.lastModified = std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    stats_.bytesReceived += got;
    return r;
  }

  std::string root_;
  AtomicStoreStats stats_;
};

}  // namespace

std::shared_ptr<Store> makeFileStore(const Uri& uri) {
  return std::make_shared<FileStore>(uri.path.empty() ? "." : uri.path);
}

}  // namespace nz
