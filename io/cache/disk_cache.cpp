#include "cache/disk_cache.h"

#include <fcntl.h>
#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"

namespace nz {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kMagic[4] = {'N', 'Z', 'C', '1'};
constexpr std::uint32_t kMaxHeader = 64 * 1024;
constexpr std::uint64_t kMaxEntry = std::uint64_t{4} << 30;  // no single object above 4 GiB

// File names are SHA-256 of the ids: fixed length, no path characters, nothing to read back.
std::string hashName(const std::string& id, std::size_t hexChars) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  EVP_Digest(id.data(), id.size(), md, &mdLen, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < mdLen && out.size() < hexChars; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// The CRC-32 of gzip and zlib (the same values as zlib's crc32, so entries written before stay
// valid), with ISA-L's folding CRC: several times zlib's speed, and every hit is checked.
std::uint32_t crcOf(const Bytes& b) { return crc32_gzip_refl(0, b.data(), b.size()); }

// Exclusive flock on <root>/lock for the lifetime of the object (cross-process).
class DirLock {
 public:
  explicit DirLock(const std::string& root) {
    fd_ = ::open((root + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

bool readWholeFile(int fd, Bytes& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 8 || static_cast<std::uint64_t>(st.st_size) > kMaxEntry)
    return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool writeAll(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

struct ScannedEntry {
  fs::path path;
  std::uint64_t bytes = 0;
  std::int64_t mtimeNs = 0;
  bool pinned = false;
};

// Every entry file under root (tolerates files vanishing while scanning).
std::vector<ScannedEntry> scanEntries(const std::string& root, std::uint64_t* datasets = nullptr) {
  std::vector<ScannedEntry> out;
  std::error_code ec;
  for (fs::directory_iterator d(root, ec), end; !ec && d != end; d.increment(ec)) {
    if (!d->is_directory(ec)) continue;
    if (datasets) ++*datasets;
    std::error_code ec2;
    for (fs::directory_iterator f(d->path(), ec2), fend; !ec2 && f != fend; f.increment(ec2)) {
      const fs::path& p = f->path();
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) continue;
      const std::string name = p.filename().string();
      if (name.rfind(".tmp-", 0) == 0) {
        // A writer that died mid-write leaves its temporary file: gone after an hour.
        if (::time(nullptr) - st.st_mtime > 3600) ::unlink(p.c_str());
        continue;
      }
      if (p.extension() != ".nzc") continue;
      ScannedEntry e;
      e.path = p;
      e.bytes = static_cast<std::uint64_t>(st.st_size);
      e.mtimeNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      fs::path pin = p;
      pin.replace_extension(".pin");
      e.pinned = ::access(pin.c_str(), F_OK) == 0;
      out.push_back(std::move(e));
    }
  }
  return out;
}

// NZVIEW_CACHE_TRACE=1: one stderr line per dropped, corrupt or unwritable entry (debugging).
bool tracing() {
  static const bool on = [] {
    const char* v = std::getenv("NZVIEW_CACHE_TRACE");
    return v && *v && *v != '0';
  }();
  return on;
}
void trace(const std::string& what) {
  if (tracing()) std::fprintf(stderr, "nzview disk cache: %s\n", what.c_str());
}

}  // namespace

std::string DiskCache::defaultDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/nzview/chunks";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/nzview/chunks";
  return (fs::temp_directory_path() / "nzview-chunks").string();
}

std::shared_ptr<DiskCache> DiskCache::open(const std::string& dir, std::uint64_t budgetBytes) {
  static std::mutex m;
  static std::map<std::string, std::weak_ptr<DiskCache>> caches;
  const std::string key = dir.empty() ? defaultDir() : dir;
  std::lock_guard lock(m);
  if (auto existing = caches[key].lock()) {
    existing->setBudget(budgetBytes);
    return existing;
  }
  auto cache = std::make_shared<DiskCache>(key, budgetBytes);
  caches[key] = cache;
  return cache;
}

DiskCache::DiskCache(std::string dir, std::uint64_t budgetBytes)
    : dir_(std::move(dir)), root_(dir_ + "/v1"), budget_(budgetBytes) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_))
    throw Error(ErrorKind::Io, "disk cache: cannot create " + root_ + ": " + ec.message());
  // Private: the cache holds the user's data (never secrets, but data may be confidential).
  ::chmod(root_.c_str(), 0700);
  std::uint64_t total = 0;
  for (const auto& e : scanEntries(root_)) total += e.bytes;
  approxBytes_ = total;
}

std::string DiskCache::datasetDir(const std::string& datasetId) const {
  return root_ + "/" + hashName(datasetId, 24);
}

std::string DiskCache::entryPath(const std::string& datasetId, const std::string& objectId) const {
  return datasetDir(datasetId) + "/" + hashName(objectId, 40) + ".nzc";
}

std::optional<CacheEntry> DiskCache::get(const std::string& datasetId, const std::string& objectId,
                                         bool pin) {
  const std::string path = entryPath(datasetId, objectId);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Bytes file;
  const bool read = readWholeFile(fd, file);
  std::optional<CacheEntry> result;
  if (read && std::memcmp(file.data(), kMagic, 4) == 0) {
    std::uint32_t headerLen = 0;
    for (int i = 0; i < 4; ++i) headerLen |= std::uint32_t{file[4 + i]} << (8 * i);
    if (headerLen <= kMaxHeader && 8 + std::uint64_t{headerLen} <= file.size()) {
      const json h = json::parse(file.begin() + 8, file.begin() + 8 + headerLen, nullptr, false);
      CacheEntry e;
      e.data.assign(file.begin() + 8 + headerLen, file.end());
      if (h.is_object() && h.value("object", "") == objectId &&
          h.value("length", std::uint64_t{0}) == e.data.size() &&
          h.value("crc32", std::uint64_t{0}) == crcOf(e.data)) {
        e.missing = h.value("missing", false);
        if (h.contains("total") && h["total"].is_number_unsigned())
          e.totalSize = h["total"].get<std::uint64_t>();
        e.etag = h.value("etag", "");
        e.lastModified = h.value("lastModified", "");
        result = std::move(e);
      }
    }
  }
  if (!result) {
    ::close(fd);
    // Corrupt or truncated (or a hash collision): drop it so the caller fetches it again.
    trace("corrupt entry dropped: " + objectId + (read ? "" : " (unreadable)"));
    if (::unlink(path.c_str()) == 0) {
      corrupt_++;
      const std::uint64_t size = file.size();
      std::uint64_t cur = approxBytes_.load();
      while (!approxBytes_.compare_exchange_weak(cur, cur > size ? cur - size : 0)) {
      }
    }
    return std::nullopt;
  }
  ::futimens(fd, nullptr);  // LRU: a hit is a use
  ::close(fd);
  if (pin) {
    const std::string pinPath = path.substr(0, path.size() - 4) + ".pin";
    const int p = ::open(pinPath.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (p >= 0) ::close(p);
  }
  return result;
}

void DiskCache::put(const std::string& datasetId, const std::string& objectId,
                    const CacheEntry& entry, bool pin) {
  if (entry.data.size() > kMaxEntry) return;
  const std::string dir = datasetDir(datasetId);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    // The canonical dataset URI (already without secrets), for `ls` and for people.
    const std::string src = dir + "/source.txt";
    const int s = ::open(src.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s >= 0) {
      const std::string text = datasetId + "\n";
      writeAll(s, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
      ::close(s);
    }
  }
  json h = {{"object", objectId},          {"missing", entry.missing},
            {"length", entry.data.size()}, {"crc32", crcOf(entry.data)},
            {"etag", entry.etag},          {"lastModified", entry.lastModified}};
  if (entry.totalSize) h["total"] = *entry.totalSize;
  const std::string header = h.dump();
  Bytes head(8);
  std::memcpy(head.data(), kMagic, 4);
  const auto len = static_cast<std::uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) head[4 + i] = static_cast<std::uint8_t>(len >> (8 * i));

  const std::string path = entryPath(datasetId, objectId);
  const std::string tmp =
      dir + "/.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(tmpCounter_++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const bool ok =
      writeAll(fd, head.data(), head.size()) &&
      writeAll(fd, reinterpret_cast<const std::uint8_t*>(header.data()), header.size()) &&
      writeAll(fd, entry.data.data(), entry.data.size());
  ::close(fd);
  if (!ok) {
    trace("cannot write " + tmp + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return;
  }
  {
    // The rename and the count move together, so an eviction's rescan never misses a write.
    std::shared_lock count(countMutex_);
    if (pin) {  // the pin first: the entry is never visible unpinned to an evictor
      const std::string pinPath = path.substr(0, path.size() - 4) + ".pin";
      const int p = ::open(pinPath.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (p >= 0) ::close(p);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      trace("cannot rename " + tmp + ": " + std::strerror(errno));
      ::unlink(tmp.c_str());
      return;
    }
    approxBytes_ += 8 + header.size() + entry.data.size();
  }
  if (approxBytes_.load() > budget_.load()) maybeEvict();
}

void DiskCache::remove(const std::string& datasetId, const std::string& objectId) {
  const std::string path = entryPath(datasetId, objectId);
  ::unlink(path.c_str());
  ::unlink((path.substr(0, path.size() - 4) + ".pin").c_str());
}

void DiskCache::dropDataset(const std::string& datasetId) {
  trace("dataset dropped: " + datasetId);
  DirLock lock(root_);
  std::error_code ec;
  fs::remove_all(datasetDir(datasetId), ec);
}

std::uint64_t DiskCache::unpinDataset(const std::string& datasetId) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator f(datasetDir(datasetId), ec), end; !ec && f != end; f.increment(ec))
    if (f->path().extension() == ".pin" && ::unlink(f->path().c_str()) == 0) ++n;
  return n;
}

void DiskCache::clear(bool includePinned) {
  DirLock lock(root_);
  std::unique_lock count(countMutex_);
  std::error_code ec;
  if (includePinned) {
    for (fs::directory_iterator d(root_, ec), end; !ec && d != end; d.increment(ec))
      if (d->is_directory()) {
        std::error_code ec2;
        fs::remove_all(d->path(), ec2);
      }
    approxBytes_ = 0;
    return;
  }
  std::uint64_t kept = 0;
  for (const auto& e : scanEntries(root_)) {
    if (e.pinned)
      kept += e.bytes;
    else
      ::unlink(e.path.c_str());
  }
  approxBytes_ = kept;
}

CacheUsage DiskCache::usage() const {
  CacheUsage u;
  for (const auto& e : scanEntries(root_, &u.datasets)) {
    u.bytes += e.bytes;
    u.entries++;
    if (e.pinned) {
      u.pinnedBytes += e.bytes;
      u.pinnedEntries++;
    }
  }
  return u;
}

void DiskCache::maybeEvict() {
  // One evictor per process at a time. Within a process the budget holds after every write;
  // several processes writing at once may overshoot until the next write of any of them.
  std::lock_guard guard(evictMutex_);
  if (approxBytes_.load() <= budget_.load()) return;  // another writer just evicted
  // Evict down to 90% so that a full cache does not rescan on every write.
  evictTo(budget_.load() / 10 * 9);
}

void DiskCache::evictTo(std::uint64_t target) {
  DirLock lock(root_);
  std::unique_lock count(countMutex_);
  auto entries = scanEntries(root_);
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.bytes;
  std::sort(entries.begin(), entries.end(),
            [](const ScannedEntry& a, const ScannedEntry& b) { return a.mtimeNs < b.mtimeNs; });
  for (const auto& e : entries) {
    if (total <= target) break;
    if (e.pinned) continue;
    if (::unlink(e.path.c_str()) == 0) total -= e.bytes;
  }
  approxBytes_ = total;
}

}  // namespace nz
