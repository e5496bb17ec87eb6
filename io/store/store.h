#pragma once
// Key-value store interface that every backend implements (file, memory, HTTP, Azure, S3, GCS).
// Keys are '/'-separated paths relative to the store root (e.g. "0/c/1/2/3", ".zattrs").
// A missing key is a normal result (Status::Missing), not an error.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/cancel.h"
#include "core/error.h"

namespace nz {

struct ByteRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;        // unset = to the end
  std::optional<std::uint64_t> suffixLength;  // "last N bytes"; when set, offset/length ignored

  static ByteRange all() { return {}; }
  static ByteRange span(std::uint64_t off, std::uint64_t len) { return {off, len, std::nullopt}; }
  static ByteRange suffix(std::uint64_t n) { return {0, std::nullopt, n}; }
  bool isAll() const { return !suffixLength && offset == 0 && !length; }
};

struct ReadResult {
  enum class Status { Ok, Missing, Error, Cancelled };
  Status status = Status::Error;
  Bytes data;
  std::optional<std::uint64_t> totalSize;  // whole object size when the backend knows it
  // What identifies this version of the object, when the backend says (HTTP ETag and
  // Last-Modified as sent, or a local file's mtime): for caches and export manifests.
  std::string etag;
  std::string lastModified;
  // The object's version when the store keeps versions (S3 x-amz-version-id, GCS
  // x-goog-generation, Azure x-ms-version-id), else empty.
  std::string version;
  // readIfChangedAsync only: the object still has the validator given (HTTP 304), no data.
  bool notModified = false;
  std::optional<ErrorKind> errorKind;  // set when status == Error
  std::string error;                   // one clear, redacted message when status == Error

  bool ok() const { return status == Status::Ok; }
  bool missing() const { return status == Status::Missing; }
  // Throws nz::Error for Error/Cancelled; returns false for Missing.
  bool throwIfError() const;
};

// What identifies the version of one object that was read (any may be empty: backends send
// what they have). Local files: size and mtime (nanoseconds, in lastModified).
struct ObjectVersion {
  std::string key;                          // relative to the store's root
  std::optional<std::uint64_t> size;        // the whole object's size when known
  std::string etag, lastModified, version;  // version: S3 version id / GCS generation / Azure
  bool operator==(const ObjectVersion&) const = default;
};
// What `r`, a read of `key`, says of the object's version. `wholeObject`: the read was not a
// byte range, so its length is the size when the store did not say.
ObjectVersion objectVersionOf(const std::string& key, const ReadResult& r, bool wholeObject);

struct StoreStats {
  std::uint64_t requests = 0;       // requests sent (including retries)
  std::uint64_t bytesReceived = 0;  // payload bytes received
  std::uint64_t bytesSent = 0;
  std::uint64_t retries = 0;
  std::uint64_t diskHits = 0;   // reads answered by the disk cache (no request sent)
  std::uint64_t diskBytes = 0;  // bytes those reads returned
};

using ReadCallback = std::function<void(ReadResult)>;

class Store {
 public:
  virtual ~Store() = default;

  // URI of the store root with secrets removed, for messages.
  virtual std::string describe() const = 0;

  // Starts a read; `done` runs exactly once on a backend thread (never inside readAsync
  // for network stores, possibly inline for local ones). Many reads may be in flight at once.
  virtual void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                         ReadCallback done) = 0;

  // A whole-object read that only transfers the object when it changed: with the ETag (or else
  // Last-Modified) of the copy the caller holds, a backend that supports conditional requests
  // answers notModified (status Ok, no data) in one small round trip. The default is a plain
  // read, which is always a correct answer.
  // `range` is the part the caller holds (metadata is read as a capped prefix).
  virtual void readIfChangedAsync(const std::string& key, ByteRange range, const std::string& etag,
                                  const std::string& lastModified, CancelToken cancel,
                                  ReadCallback done) {
    (void)etag;
    (void)lastModified;
    readAsync(key, range, std::move(cancel), std::move(done));
  }

  // Size of an object, or nullopt when it does not exist (HEAD for remote stores).
  virtual std::optional<std::uint64_t> size(const std::string& key) = 0;

  // Writes a whole object (creates or replaces). Throws nz::Error on failure.
  virtual void write(const std::string& key, const Bytes& data) = 0;

  // Removes an object; a missing key is not an error.
  virtual void remove(const std::string& key) = 0;

  virtual StoreStats stats() const = 0;

  // Blocking conveniences built on readAsync (never call from the GUI thread).
  ReadResult read(const std::string& key, ByteRange range = ByteRange::all(),
                  CancelToken cancel = {});
  // maxBytes > 0 bounds every read (metadata objects): at most maxBytes + 1 bytes are asked
  // for, and a larger object becomes an Error naming the limit and --option metadata.max_bytes.
  std::vector<ReadResult> readMany(const std::vector<std::string>& keys, CancelToken cancel = {},
                                   std::uint64_t maxBytes = 0);
  // The same with one bound per key (0 = unbounded).
  std::vector<ReadResult> readManyBounded(const std::vector<std::string>& keys,
                                          const std::vector<std::uint64_t>& maxBytes,
                                          CancelToken cancel = {});
  // The full URI of a key, redacted (for error messages).
  std::string describeKey(const std::string& key) const;
};

// Counters shared by store implementations.
struct AtomicStoreStats {
  std::atomic<std::uint64_t> requests{0}, bytesReceived{0}, bytesSent{0}, retries{0};
  StoreStats snapshot() const {
    return {requests.load(), bytesReceived.load(), bytesSent.load(), retries.load()};
  }
};

}  // namespace nz
