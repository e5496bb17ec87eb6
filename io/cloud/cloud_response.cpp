#include "cloud/cloud_response.h"

#include <regex>

#include "core/detached_threads.h"
#include "http/http_status.h"
#include "uri/uri.h"

namespace nz::cloud {

std::optional<std::uint64_t> totalSizeOf(const HttpResponse& response) {
  if (auto cr = response.header("content-range")) {
    auto slash = cr->rfind('/');
    if (slash != std::string::npos && slash + 1 < cr->size() && (*cr)[slash + 1] != '*') {
      return parseUnsigned(std::string_view(*cr).substr(slash + 1));
    }
    return std::nullopt;
  }
  if (response.status == 200) {
    if (auto cl = response.header("content-length"))
      if (auto v = parseUnsigned(*cl)) return v;
    if (!response.body.empty() || response.header("content-length")) return response.body.size();
  }
  return std::nullopt;
}

std::string errorDetail(const HttpResponse& response) {
  if (response.body.empty()) {
    if (auto code = response.header("x-ms-error-code")) return *code;
    return {};
  }
  std::string body(response.body.begin(),
                   response.body.begin() + std::min<std::size_t>(response.body.size(), 4096));
  static const std::regex xmlCode(R"(<Code>([^<]{1,100})</Code>)");
  static const std::regex jsonMessage(R"re("message"\s*:\s*"([^"]{1,200})")re");
  static const std::regex jsonError(R"re("error"\s*:\s*"([^"]{1,100})")re");
  static const std::regex oauthDescription(R"re("error_description"\s*:\s*"([^"]{1,200})")re");
  std::smatch m;
  if (std::regex_search(body, m, xmlCode)) return m[1];
  if (std::regex_search(body, m, oauthDescription)) {
    std::string description = m[1];
    if (std::regex_search(body, m, jsonError)) return std::string(m[1]) + ": " + description;
    return description;
  }
  if (std::regex_search(body, m, jsonMessage)) return m[1];
  if (std::regex_search(body, m, jsonError)) return m[1];
  if (auto code = response.header("x-ms-error-code")) return *code;
  return {};
}

std::string failureMessage(const HttpResponse& response, const std::string& what,
                           const std::string& credentialSource) {
  std::string msg;
  if (response.status == 0) {
    msg = "cannot reach " + what + ": " +
          (response.transportError.empty() ? "no response" : response.transportError);
    if (!credentialSource.empty()) msg += " (credentials: " + credentialSource + ")";
  } else {
    msg = httpStatusMessage(response.status, what);
    if (!credentialSource.empty()) msg += " using " + credentialSource;
    std::string detail = errorDetail(response);
    if (!detail.empty()) msg += ": " + detail;
  }
  return redactSecrets(msg);
}

ReadResult toReadResult(HttpResponse response, const std::string& what,
                        const std::string& credentialSource) {
  ReadResult r;
  if (response.cancelled) {
    r.status = ReadResult::Status::Cancelled;
    r.error = "cancelled: " + what;
    return r;
  }
  if (response.status == 200 || response.status == 206) {
    r.status = ReadResult::Status::Ok;
    r.totalSize = totalSizeOf(response);
    r.etag = response.header("etag").value_or("");
    r.lastModified = response.header("last-modified").value_or("");
    for (const char* h : {"x-amz-version-id", "x-goog-generation", "x-ms-version-id"})
      if (auto v = response.header(h); v && !v->empty()) r.version = *v;
    r.data = std::move(response.body);
    return r;
  }
  if (response.status == 404 || response.status == 410) {
    // A missing bucket/container is an error (wrong URI), a missing key is a normal answer.
    std::string code = errorDetail(response);
    if (code == "NoSuchBucket" || code == "ContainerNotFound" ||
        code == "The specified bucket does not exist.") {
      r.status = ReadResult::Status::Error;
      r.errorKind = ErrorKind::NotFound;
      r.error = failureMessage(response, what, credentialSource);
      return r;
    }
    r.status = ReadResult::Status::Missing;
    return r;
  }
  if (response.status == 416) {  // the range starts past the end: as the file and HTTP stores
    r.status = ReadResult::Status::Error;
    r.errorKind = ErrorKind::InvalidData;
    r.error =
        "cannot read " + what + ": the requested byte range starts past the end of the object";
    if (auto cr = response.header("content-range")) r.error += " (" + *cr + ")";
    return r;
  }
  r.status = ReadResult::Status::Error;
  r.errorKind = response.status == 0 ? ErrorKind::Network : httpStatusErrorKind(response.status);
  r.error = failureMessage(response, what, credentialSource);
  return r;
}

void throwUnlessOk(const HttpResponse& response, const std::string& what,
                   const std::string& credentialSource) {
  if (response.cancelled) throw Error(ErrorKind::Cancelled, "cancelled: " + what);
  if (httpStatusOk(response.status)) return;
  throw Error(response.status == 0 ? ErrorKind::Network : httpStatusErrorKind(response.status),
              failureMessage(response, what, credentialSource));
}

ReadResult errorResult(const Error& e) {
  ReadResult r;
  r.status =
      e.kind() == ErrorKind::Cancelled ? ReadResult::Status::Cancelled : ReadResult::Status::Error;
  r.errorKind = e.kind();
  r.error = e.what();
  return r;
}

void deliverLater(ReadCallback done, ReadResult result) {
  startDetached(
      [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

std::uint64_t contentLengthOf(const HttpResponse& head, const std::string& what) {
  const auto len = head.header("content-length");
  if (!len) return 0;
  if (auto v = parseUnsigned(*len)) return *v;
  throw Error(ErrorKind::InvalidData, what + ": malformed Content-Length '" + *len + "'");
}

void readSuffixViaHead(HttpClient& http, HttpRequest head, std::uint64_t n, CancelToken cancel,
                       const std::string& what, const std::string& credentialSource,
                       SpanReader readSpan, ReadCallback done) {
  http.send(std::move(head), cancel,
            [n, cancel, what, credentialSource, readSpan = std::move(readSpan),
             done = std::move(done)](HttpResponse resp) mutable {
              if (!statusOk(resp.status)) {
                done(toReadResult(std::move(resp), what, credentialSource));
                return;
              }
              std::uint64_t total = 0;
              try {
                total = contentLengthOf(resp, what);
              } catch (const Error& e) {
                done(errorResult(e));
                return;
              }
              const std::uint64_t take = std::min(n, total);
              if (take == 0) {
                ReadResult r;
                r.status = ReadResult::Status::Ok;
                r.totalSize = total;
                done(std::move(r));
                return;
              }
              readSpan(ByteRange::span(total - take, take), cancel, std::move(done));
            });
}

}  // namespace nz::cloud
