#include "store/store.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "core/limits.h"

namespace nz {

ObjectVersion objectVersionOf(const std::string& key, const ReadResult& r, bool wholeObject) {
  ObjectVersion v{key, r.totalSize, r.etag, r.lastModified, r.version};
  if (!v.size && wholeObject && r.ok()) v.size = r.data.size();
  return v;
}

bool ReadResult::throwIfError() const {
  switch (status) {
    case Status::Ok:
      return true;
    case Status::Missing:
      return false;
    case Status::Cancelled:
      throw Error(ErrorKind::Cancelled, error.empty() ? "cancelled" : error);
    case Status::Error:
      throw Error(errorKind.value_or(ErrorKind::Network), error);
  }
  return false;
}

ReadResult Store::read(const std::string& key, ByteRange range, CancelToken cancel) {
  auto results = std::make_shared<std::vector<ReadResult>>();
  struct Waiter {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    ReadResult result;
  };
  auto w = std::make_shared<Waiter>();
  readAsync(key, range, cancel, [w](ReadResult r) {
    std::lock_guard lock(w->m);
    w->result = std::move(r);
    w->done = true;
    w->cv.notify_all();
  });
  std::unique_lock lock(w->m);
  w->cv.wait(lock, [&] { return w->done; });
  return std::move(w->result);
}

std::vector<ReadResult> Store::readMany(const std::vector<std::string>& keys, CancelToken cancel,
                                        std::uint64_t maxBytes) {
  return readManyBounded(keys, std::vector<std::uint64_t>(keys.size(), maxBytes),
                         std::move(cancel));
}

std::vector<ReadResult> Store::readManyBounded(const std::vector<std::string>& keys,
                                               const std::vector<std::uint64_t>& limits,
                                               CancelToken cancel) {
  struct Waiter {
    std::mutex m;
    std::condition_variable cv;
    std::size_t remaining = 0;
    std::vector<ReadResult> results;
  };
  auto w = std::make_shared<Waiter>();
  w->remaining = keys.size();
  w->results.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint64_t maxBytes = i < limits.size() ? limits[i] : 0;
    const ByteRange range = maxBytes ? ByteRange::span(0, maxBytes + 1) : ByteRange::all();
    readAsync(keys[i], range, cancel, [this, w, i, maxBytes, key = keys[i]](ReadResult r) {
      if (maxBytes && r.ok() && r.data.size() > maxBytes) {
        const std::uint64_t size = r.totalSize.value_or(r.data.size());
        r = ReadResult{};
        r.status = ReadResult::Status::Error;
        r.errorKind = ErrorKind::InvalidData;
        r.error =
            describeKey(key) + ": " +
            (size > maxBytes + 1 ? std::to_string(size) : "more than " + std::to_string(maxBytes)) +
            " bytes, larger than the metadata limit of " + std::to_string(maxBytes) +
            " bytes (raise it with --option " +
            (maxBytes == inputLimits().metadataMaxBytes ? "metadata.max_bytes"
                                                        : "nifti.max_header_bytes") +
            "=N)";
      }
      std::lock_guard lock(w->m);
      w->results[i] = std::move(r);
      if (--w->remaining == 0) w->cv.notify_all();
    });
  }
  std::unique_lock lock(w->m);
  w->cv.wait(lock, [&] { return w->remaining == 0; });
  return std::move(w->results);
}

std::string Store::describeKey(const std::string& key) const {
  std::string root = describe();
  if (key.empty()) return root;
  if (!root.empty() && root.back() != '/') root += '/';
  return root + key;
}

}  // namespace nz
