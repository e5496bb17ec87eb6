#pragma once
// The skeleton the Azure, S3 and GCS stores share: one HttpClient, request counters, the
// description used in messages, and the request/answer plumbing every one of them repeated —
// a counted GET mapped to a ReadResult, HEAD for sizes, DELETE where 404 is fine, writes that
// throw with the credential source named. Each store adds its URL scheme, signing and uploads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cloud/cloud_response.h"
#include "http/http_client.h"
#include "store/store.h"
#include "store/store_options.h"

namespace nz::cloud {

class CloudStore : public Store {
 public:
  std::string describe() const override { return describe_; }
  StoreStats stats() const override { return stats_.snapshot(); }

 protected:
  explicit CloudStore(const StoreOptions& options);  // the client from options (retries, TLS)

  // Where the credentials came from, for messages (never a secret).
  virtual std::string credentialSource() const = 0;
  // Work on the caller's thread before a request (fetching a bearer token), so the client's
  // thread never waits on it. Throws nz::Error.
  virtual void prepare() {}
  // prepare() for readAsync: false (and `done` gets the error, on another thread) on failure.
  bool prepareRead(ReadCallback& done);

  // Sends `get` (Range set from `range`), counted; `done` gets toReadResult of the answer.
  void sendRead(HttpRequest get, const std::string& key, ByteRange range, CancelToken cancel,
                ReadCallback done);
  // The last `n` bytes through a HEAD then `readSpan` (services without suffix ranges).
  void readSuffixWithHead(HttpRequest head, const std::string& key, std::uint64_t n,
                          CancelToken cancel, SpanReader readSpan, ReadCallback done);
  // Size from a HEAD answer: nullopt for 404, else Content-Length; throws for other failures.
  std::optional<std::uint64_t> sizeFromHead(const HttpResponse& head, const std::string& key);
  // Sends synchronously, counted; throws nz::Error with failureMessage() unless 2xx.
  HttpResponse sendChecked(HttpRequest req, const std::string& what);
  // DELETE: a missing object is not an error.
  void sendRemove(HttpRequest del, const std::string& key);

  std::string describe_;
  std::shared_ptr<HttpClient> http_;
  AtomicStoreStats stats_;
};

}  // namespace nz::cloud
