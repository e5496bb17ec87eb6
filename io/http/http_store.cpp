// Plain HTTP(S) store: GET with Range for reads, HEAD for sizes, PUT/DELETE for writes (which a
// static server such as nginx usually refuses: that becomes a clear Unsupported error).
#include "http/http_store.h"

#include <cstdlib>

#include "core/parse_number.h"
#include "http/http_status.h"
#include "http/http_store.h"
#include "uri/uri.h"

namespace nz {

namespace {

std::string envOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

double parseSecondsOption(const StoreOptions& options, const std::string& key, double fallback) {
  auto it = options.extra.find(key);
  if (it == options.extra.end()) return fallback;
  try {
    std::size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used == it->second.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::InvalidArgument,
              "--option " + key + " needs a non-negative number, got '" + it->second + "'");
}

std::string rangeText(const ByteRange& r) {
  if (r.suffixLength) return "the last " + std::to_string(*r.suffixLength) + " bytes";
  std::string t = "bytes " + std::to_string(r.offset) + "-";
  if (r.length) t += std::to_string(r.offset + *r.length - 1);
  return t;
}

class HttpStore final : public Store, public std::enable_shared_from_this<HttpStore> {
 public:
  HttpStore(std::shared_ptr<HttpClient> client, HttpStoreConfig config)
      : client_(std::move(client)), config_(std::move(config)) {
    while (!config_.baseUrl.empty() && config_.baseUrl.back() == '/') config_.baseUrl.pop_back();
  }

  std::string describe() const override { return config_.description; }

  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    bool empty = (range.suffixLength && *range.suffixLength == 0) ||
                 (!range.suffixLength && range.length && *range.length == 0);
    HttpRequest req = request(empty ? "HEAD" : "GET", key);
    if (!empty && !range.isAll()) req.range = range;
    std::string what = describeKey(key);
    client_->send(
        std::move(req), std::move(cancel),
        [self = shared_from_this(), what, range, empty, done = std::move(done)](HttpResponse resp) {
          self->count(resp);
          done(self->toReadResult(std::move(resp), what, range, empty));
        });
  }

  // Conditional GET (disk cache revalidation): If-None-Match with the ETag, else
  // If-Modified-Since; a 304 becomes notModified.
  void readIfChangedAsync(const std::string& key, ByteRange range, const std::string& etag,
                          const std::string& lastModified, CancelToken cancel,
                          ReadCallback done) override {
    HttpRequest req = request("GET", key);
    if (!range.isAll()) req.range = range;  // If-None-Match is evaluated before Range (RFC 9110)
    if (!etag.empty())
      req.headers.emplace_back("If-None-Match", etag);
    else if (!lastModified.empty())
      req.headers.emplace_back("If-Modified-Since", lastModified);
    std::string what = describeKey(key);
    client_->send(
        std::move(req), std::move(cancel),
        [self = shared_from_this(), what, range, done = std::move(done)](HttpResponse resp) {
          self->count(resp);
          done(self->toReadResult(std::move(resp), what, range, false));
        });
  }

  std::optional<std::uint64_t> size(const std::string& key) override {
    std::string what = describeKey(key);
    HttpResponse resp = client_->sendSync(request("HEAD", key));
    count(resp);
    if (resp.status == 404 || resp.status == 410) return std::nullopt;
    throwIfFailed(resp, what, "HEAD");
    if (auto cl = resp.header("content-length")) {
      try {
        return std::stoull(*cl);
      } catch (const std::exception&) {
      }
    }
    // No length in HEAD (chunked answers): ask for one byte and read the total.
    HttpRequest probe = request("GET", key);
    probe.range = ByteRange::span(0, 1);
    resp = client_->sendSync(std::move(probe));
    count(resp);
    if (resp.status == 404 || resp.status == 410) return std::nullopt;
    if (resp.status == 416) return 0;
    throwIfFailed(resp, what, "GET");
    if (auto cr = resp.header("content-range")) {
      auto slash = cr->rfind('/');
      if (slash != std::string::npos) {
        try {
          return std::stoull(cr->substr(slash + 1));
        } catch (const std::exception&) {
        }
      }
    }
    if (resp.status == 200) return resp.body.size();
    throw Error(ErrorKind::Unsupported, "cannot tell the size of " + what +
                                            ": the server sends neither Content-Length nor "
                                            "Content-Range");
  }

  void write(const std::string& key, const Bytes& data) override {
    std::string what = describeKey(key);
    HttpRequest req = request("PUT", key);
    req.body = data;
    for (const auto& h : config_.writeHeaders) req.headers.push_back(h);
    HttpResponse resp = client_->sendSync(std::move(req));
    count(resp);
    if (resp.status == 405 || resp.status == 501)
      throw Error(ErrorKind::Unsupported, "cannot write " + what +
                                              ": the server does not accept uploads (HTTP PUT "
                                              "answered " +
                                              httpStatusText(resp.status) + ")");
    throwIfFailed(resp, what, "PUT");
  }

  void remove(const std::string& key) override {
    std::string what = describeKey(key);
    HttpResponse resp = client_->sendSync(request("DELETE", key));
    count(resp);
    if (resp.status == 404 || resp.status == 410) return;
    if (resp.status == 405 || resp.status == 501)
      throw Error(ErrorKind::Unsupported, "cannot delete " + what +
                                              ": the server does not accept HTTP DELETE (" +
                                              httpStatusText(resp.status) + ")");
    throwIfFailed(resp, what, "DELETE");
  }

  StoreStats stats() const override { return stats_.snapshot(); }

 private:
  HttpRequest request(const std::string& method, const std::string& key) const {
    HttpRequest req;
    req.method = method;
    if (config_.keyUrl) {
      req.url = config_.keyUrl(key);
    } else {
      req.url = config_.baseUrl;
      if (!key.empty()) req.url += "/" + percentEncode(key, true);
      if (!config_.query.empty()) req.url += "?" + config_.query;
    }
    req.headers = config_.headers;
    req.sign = config_.sign;
    req.description = describeKey(key);
    return req;
  }

  void count(const HttpResponse& resp) {
    stats_.requests += static_cast<std::uint64_t>(std::max(1, resp.attempts));
    if (resp.attempts > 1) stats_.retries += static_cast<std::uint64_t>(resp.attempts - 1);
    stats_.bytesReceived += resp.body.size();
  }

  static void throwIfFailed(const HttpResponse& resp, const std::string& what, const char* method) {
    if (resp.cancelled)
      throw Error(ErrorKind::Cancelled, std::string(method) + " " + what + " cancelled");
    if (resp.status == 0) throw Error(ErrorKind::Network, transportMessage(resp, what, method));
    if (!httpStatusOk(resp.status))
      throw Error(httpStatusErrorKind(resp.status), httpStatusMessage(resp.status, what));
  }

  static std::string transportMessage(const HttpResponse& resp, const std::string& what,
                                      const char* method) {
    std::string msg =
        std::string(method) + " " + what + " failed: " + redactSecrets(resp.transportError);
    if (resp.attempts > 1) msg += " (after " + std::to_string(resp.attempts) + " attempts)";
    return msg;
  }

  static ReadResult toReadResult(HttpResponse resp, const std::string& what, const ByteRange& range,
                                 bool empty) {
    ReadResult r;
    if (resp.cancelled) {
      r.status = ReadResult::Status::Cancelled;
      r.error = "read of " + what + " cancelled";
      return r;
    }
    if (resp.status == 404 || resp.status == 410) {
      r.status = ReadResult::Status::Missing;
      return r;
    }
    if (resp.status == 0) {
      r.status = ReadResult::Status::Error;
      r.errorKind = ErrorKind::Network;
      r.error = transportMessage(resp, what, empty ? "HEAD" : "GET");
      return r;
    }
    if (resp.status == 416) {
      r.status = ReadResult::Status::Error;
      r.errorKind = ErrorKind::InvalidData;
      r.error = "cannot read " + rangeText(range) + " of " + what + ": past the end of the object";
      if (auto cr = resp.header("content-range")) r.error += " (" + *cr + ")";
      return r;
    }
    if (resp.status == 304) {  // only ever asked for by readIfChangedAsync
      r.status = ReadResult::Status::Ok;
      r.notModified = true;
      r.etag = resp.header("etag").value_or("");
      r.lastModified = resp.header("last-modified").value_or("");
      return r;
    }
    if (!httpStatusOk(resp.status) || resp.status == 204) {
      r.status = ReadResult::Status::Error;
      r.errorKind = resp.status == 204 ? ErrorKind::InvalidData : httpStatusErrorKind(resp.status);
      r.error = httpStatusMessage(resp.status, what);
      return r;
    }
    r.status = ReadResult::Status::Ok;
    r.etag = resp.header("etag").value_or("");
    r.lastModified = resp.header("last-modified").value_or("");
    if (auto cr = resp.header("content-range")) {
      auto slash = cr->rfind('/');
      if (slash != std::string::npos && cr->substr(slash + 1) != "*") {
        try {
          r.totalSize = std::stoull(cr->substr(slash + 1));
        } catch (const std::exception&) {
        }
      }
    } else if (resp.status == 200 && (range.isAll() || empty)) {
      if (auto cl = resp.header("content-length")) {
        try {
          r.totalSize = std::stoull(*cl);
        } catch (const std::exception&) {
        }
      }
    }
    if (!empty) r.data = std::move(resp.body);
    return r;
  }

  std::shared_ptr<HttpClient> client_;
  HttpStoreConfig config_;
  AtomicStoreStats stats_;
};

}  // namespace

HttpHeaders parseHeaderLines(const std::vector<std::string>& lines) {
  HttpHeaders out;
  for (const auto& line : lines) {
    auto colon = line.find(':');
    std::string name = colon == std::string::npos ? line : line.substr(0, colon);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    bool valid = colon != std::string::npos && !name.empty();
    for (char c : name)
      if (std::isspace(static_cast<unsigned char>(c)) || c < 33 || c > 126) valid = false;
    if (!valid)
      throw Error(ErrorKind::InvalidArgument,
                  "--header needs 'Name: value', got a line starting '" +
                      name.substr(0, std::min<std::size_t>(name.size(), 40)) + "'");
    std::string value = line.substr(colon + 1);
    std::size_t b = 0;
    while (b < value.size() && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
    value = value.substr(b);
    if (value.find_first_of("\r\n") != std::string::npos)
      throw Error(ErrorKind::InvalidArgument,
                  "--header " + name + " has a line break in its value");
    out.emplace_back(name, value);
  }
  return out;
}

HttpOptions httpOptionsFrom(const StoreOptions& options) {
  HttpOptions h;
  h.caFile = options.caFile;
  if (h.caFile.empty()) h.caFile = envOr("CURL_CA_BUNDLE");
  if (h.caFile.empty()) h.caFile = envOr("SSL_CERT_FILE");
  h.insecure = options.insecure;
  h.maxConcurrency = options.maxConcurrency > 0 ? options.maxConcurrency : 32;
  h.extraHeaders = parseHeaderLines(options.headers);
  h.maxRetries = static_cast<int>(parseSecondsOption(options, "http.max_retries", h.maxRetries));
  h.connectTimeoutSeconds =
      parseSecondsOption(options, "http.connect_timeout", h.connectTimeoutSeconds);
  h.stallTimeoutSeconds = parseSecondsOption(options, "http.stall_timeout", h.stallTimeoutSeconds);
  h.minBytesPerSecond = parseSecondsOption(options, "http.min_speed", h.minBytesPerSecond);
  h.requestDeadlineSeconds = parseSecondsOption(options, "http.deadline", h.requestDeadlineSeconds);
  h.maxRetryTotalSeconds =
      parseSecondsOption(options, "http.max_retry_time", h.maxRetryTotalSeconds);
  h.maxRetryAfterSeconds =
      parseSecondsOption(options, "http.max_retry_after", h.maxRetryAfterSeconds);
  if (auto it = options.extra.find("http.adaptive"); it != options.extra.end())
    h.adaptiveConcurrency = parseUnsignedInRange(it->second, 0, 1, "--option http.adaptive") != 0;
  if (auto it = options.extra.find("http.initial_host_concurrency"); it != options.extra.end())
    h.initialHostConcurrency = static_cast<int>(
        parseUnsignedInRange(it->second, 1, 100000, "--option http.initial_host_concurrency"));
  if (auto it = options.extra.find("http.warm_connections"); it != options.extra.end())
    h.warmConnections = static_cast<int>(
        parseUnsignedInRange(it->second, 0, 100000, "--option http.warm_connections"));
  if (auto it = options.extra.find("http.first_burst"); it != options.extra.end())
    h.completeFirstBurst = parseUnsignedInRange(it->second, 0, 1, "--option http.first_burst") != 0;
  if (auto it = options.extra.find("http.max_body_bytes"); it != options.extra.end())
    h.maxBodyBytes = parseUnsignedInRange(it->second, 1024, std::uint64_t{1} << 40,
                                          "--option http.max_body_bytes");
  return h;
}

std::shared_ptr<Store> makeHttpStoreOnClient(std::shared_ptr<HttpClient> client,
                                             HttpStoreConfig config) {
  if (!client) throw Error(ErrorKind::InvalidArgument, "HTTP store needs a client");
  return std::make_shared<HttpStore>(std::move(client), std::move(config));
}

std::shared_ptr<Store> makeHttpStore(const Uri& uri, const StoreOptions& options) {
  if (uri.scheme != Scheme::Http && uri.scheme != Scheme::Https)
    throw Error(ErrorKind::InvalidArgument, "not an http(s) URI: " + uri.redacted());
  HttpStoreConfig config;
  config.baseUrl = uri.endpoint + (uri.path.empty() ? "" : "/" + uri.path);
  config.query = uri.query;
  config.description = uri.redacted();
  auto q = config.description.find('?');  // the root is shown without its query
  if (q != std::string::npos) config.description.resize(q);
  while (!config.description.empty() && config.description.back() == '/')
    config.description.pop_back();
  return makeHttpStoreOnClient(std::make_shared<HttpClient>(httpOptionsFrom(options)),
                               std::move(config));
}

}  // namespace nz
