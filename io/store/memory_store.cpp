#include "store/memory_store.h"

#include <algorithm>

#include "store/memory_store.h"

namespace nz {

namespace {

std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, std::shared_ptr<MemoryStore>>& registry() {
  static std::map<std::string, std::shared_ptr<MemoryStore>> r;
  return r;
}

}  // namespace

bool sliceByRange(const Bytes& whole, const ByteRange& range, Bytes& out) {
  const std::uint64_t size = whole.size();
  std::uint64_t begin = 0, end = size;
  if (range.suffixLength) {
    begin = size - std::min<std::uint64_t>(*range.suffixLength, size);
  } else {
    if (range.offset > size) return false;
    begin = range.offset;
    if (range.length) end = std::min<std::uint64_t>(size, begin + *range.length);
  }
  out.assign(whole.begin() + static_cast<std::ptrdiff_t>(begin),
             whole.begin() + static_cast<std::ptrdiff_t>(end));
  return true;
}

std::shared_ptr<MemoryStore> MemoryStore::named(const std::string& name) {
  std::lock_guard lock(registryMutex());
  auto& slot = registry()[name];
  if (!slot) slot = std::make_shared<MemoryStore>(name);
  return slot;
}

void MemoryStore::dropNamed(const std::string& name) {
  std::lock_guard lock(registryMutex());
  registry().erase(name);
}

void MemoryStore::put(const std::string& key, Bytes data) {
  std::lock_guard lock(mutex_);
  objects_[key] = std::make_shared<const Bytes>(std::move(data));
}

void MemoryStore::put(const std::string& key, const std::string& text) {
  put(key, Bytes(text.begin(), text.end()));
}

bool MemoryStore::contains(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return objects_.count(key) > 0;
}

std::vector<std::string> MemoryStore::keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [k, v] : objects_) out.push_back(k);
  return out;
}

std::size_t MemoryStore::readCount(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = readCounts_.find(key);
  return it == readCounts_.end() ? 0 : it->second;
}

std::vector<std::string> MemoryStore::readLog() const {
  std::lock_guard lock(mutex_);
  return readLog_;
}

void MemoryStore::resetCounters() {
  std::lock_guard lock(mutex_);
  readCounts_.clear();
  readLog_.clear();
}

void MemoryStore::readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                            ReadCallback done) {
  ReadResult r;
  std::shared_ptr<const Bytes> obj;
  {
    std::lock_guard lock(mutex_);
    ++readCounts_[key];
    readLog_.push_back(key);
    auto it = objects_.find(key);
    if (it != objects_.end()) obj = it->second;
  }
  stats_.requests++;
  if (cancel.cancelled()) {
    r.status = ReadResult::Status::Cancelled;
    r.error = "cancelled: " + describeKey(key);
  } else if (!obj) {
    r.status = ReadResult::Status::Missing;
  } else if (!sliceByRange(*obj, range, r.data)) {
    r.status = ReadResult::Status::Error;
    r.errorKind = ErrorKind::InvalidArgument;
    r.error = describeKey(key) + ": byte range starts past the end of the object";
  } else {
    r.status = ReadResult::Status::Ok;
    r.totalSize = obj->size();
    stats_.bytesReceived += r.data.size();
  }
  done(std::move(r));
}

std::optional<std::uint64_t> MemoryStore::size(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second->size();
}

void MemoryStore::write(const std::string& key, const Bytes& data) {
  stats_.bytesSent += data.size();
  put(key, Bytes(data));
}

void MemoryStore::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  objects_.erase(key);
}

std::shared_ptr<Store> makeMemoryStore(const Uri& uri) {
  // mem://name: the whole path names one process-wide store.
  return MemoryStore::named(uri.path);
}

}  // namespace nz
