#include "cloud/cloud_store.h"

#include "http/http_store.h"

namespace nz::cloud {

CloudStore::CloudStore(const StoreOptions& options)
    : http_(std::make_shared<HttpClient>(httpOptionsFrom(options))) {}

bool CloudStore::prepareRead(ReadCallback& done) {
  try {
    prepare();
    return true;
  } catch (const Error& e) {
    deliverLater(std::move(done), errorResult(e));
    return false;
  }
}

void CloudStore::sendRead(HttpRequest get, const std::string& key, ByteRange range,
                          CancelToken cancel, ReadCallback done) {
  if (!range.isAll()) get.range = range;  // the client sends and checks Range
  stats_.requests++;
  std::string what = describeKey(key), source = credentialSource();
  auto stats = &stats_;
  http_->send(std::move(get), std::move(cancel),
              [done = std::move(done), what, source, stats](HttpResponse resp) {
                stats->retries += resp.attempts > 1 ? resp.attempts - 1 : 0;
                stats->bytesReceived += resp.body.size();
                done(toReadResult(std::move(resp), what, source));
              });
}

void CloudStore::readSuffixWithHead(HttpRequest head, const std::string& key, std::uint64_t n,
                                    CancelToken cancel, SpanReader readSpan, ReadCallback done) {
  stats_.requests++;
  readSuffixViaHead(*http_, std::move(head), n, std::move(cancel), describeKey(key),
                    credentialSource(), std::move(readSpan), std::move(done));
}

std::optional<std::uint64_t> CloudStore::sizeFromHead(const HttpResponse& head,
                                                      const std::string& key) {
  if (head.status == 404) return std::nullopt;
  throwUnlessOk(head, describeKey(key), credentialSource());
  return contentLengthOf(head, describeKey(key));
}

HttpResponse CloudStore::sendChecked(HttpRequest req, const std::string& what) {
  stats_.requests++;
  stats_.bytesSent += req.body.size();
  HttpResponse resp = http_->sendSync(std::move(req));
  throwUnlessOk(resp, what, credentialSource());
  return resp;
}

void CloudStore::sendRemove(HttpRequest del, const std::string& key) {
  stats_.requests++;
  HttpResponse resp = http_->sendSync(std::move(del));
  if (resp.status == 404) return;
  throwUnlessOk(resp, describeKey(key), credentialSource());
}

}  // namespace nz::cloud
