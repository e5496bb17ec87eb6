#pragma once
// Asynchronous HTTP client on one libcurl multi handle driven by one thread: connection reuse,
// HTTP/2 where offered, many transfers in flight, timeouts, retries with exponential backoff and
// jitter for 5xx/429/network errors honouring Retry-After. Used by every remote store.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/cancel.h"
#include "store/store.h"

namespace nz {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpOptions {
  std::string caFile;       // CA bundle (--cacert, CURL_CA_BUNDLE, SSL_CERT_FILE)
  bool insecure = false;    // disables TLS verification (--insecure only)
  int maxConcurrency = 32;  // transfers in flight at once
  // Per-host ramp (transfer_scheduler.h): a host starts at initialHostConcurrency transfers in
  // flight and gets maxConcurrency once it answers with a kept-alive connection; congestion
  // halves it. Off (--option http.adaptive=0): every host gets maxConcurrency at once.
  bool adaptiveConcurrency = true;
  int initialHostConcurrency = 6;
  // No handshake in the chunk wave (connection_warmer.h): once a plain-http host (or an https
  // one speaking HTTP/1.1) answers with keep-alive, this many TCP connections are opened to it
  // ahead of need (capped at
  // maxConcurrency; --option http.warm_connections=N, 0 turns it off), so the first chunk wave,
  // sent after the rest of the metadata, pays no handshake: an unaligned 128³ ROI at 50 ms RTT
  // 0.380 -> 0.336 s (tests/bench/run_bench.sh). `nzview-cli info` reads no chunks and sets 0.
  int warmConnections = 32;
  // A plain-http host's first burst is completed to initialHostConcurrency connections with
  // spares (connection_warmer.h), so the second metadata wave pays no handshake
  // (--option http.first_burst=0 turns it off).
  bool completeFirstBurst = true;
  int maxRetries = 5;  // retries for retryable failures
  double connectTimeoutSeconds = 10;
  double stallTimeoutSeconds = 30;  // abort when no byte arrives for this long
  double maxBackoffSeconds = 8;
  double initialBackoffSeconds = 0.1;  // first retry waits up to this (full jitter), doubling
  double maxRetryAfterSeconds = 30;    // a longer Retry-After fails at once, saying so
  // Limits that keep a hostile or broken server from hanging or exhausting the client
  // (README "When things go wrong"; --option http.*):
  double minBytesPerSecond = 256;       // slower than this over a stall window: retried
  double requestDeadlineSeconds = 600;  // whole request, retries and redirects included
  double maxRetryTotalSeconds = 60;     // no retry is started after this long
  std::uint64_t maxBodyBytes = (std::uint64_t{2} << 30) + (1u << 20);  // largest body kept
  HttpHeaders extraHeaders;  // --header 'K: V' (sent to the origin host only)
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  Bytes body;
  std::optional<ByteRange> range;  // becomes a Range header
  // Called before every attempt (retries included) so time-based signatures stay fresh.
  // It may add headers or rewrite the URL (e.g. append a SAS query).
  std::function<void(HttpRequest&)> sign;
  // For messages: what the request is about, redacted (e.g. "s3://bucket/key").
  std::string description;
  // Redirects are followed by the client itself: same origin (scheme, host, port) with every
  // header; another origin without any of them (no credential ever leaves its host), and
  // without the sign hook. Off: a 3xx is returned as is.
  bool followRedirects = true;
};

// Only http and https URLs are fetched, for the request and every redirect, and a redirect
// from https to http is refused (a gopher:, file: or downgrading Location is an error).
// When request.range is set the client checks the answer: a 206 whose Content-Range is not the
// requested range, or a body shorter/longer than Content-Length, is retried like a transport
// error (never handed out as data). A server that ignores Range (200, whole object) is fine:
// only the requested bytes are kept, reading stops once they arrived, and `status` stays 200.
// No body is kept past what was asked for (the range, or maxBodyBytes); a body sent with
// Content-Encoding gzip/deflate is decoded, any other encoding is an error naming it.
struct HttpResponse {
  long status = 0;      // 0 when no response (transport error)
  HttpHeaders headers;  // lower-cased names
  Bytes body;
  std::string transportError;  // curl error text when status == 0
  bool cancelled = false;
  int attempts = 0;

  std::optional<std::string> header(const std::string& lowerName) const;
};

struct HttpStats {
  std::uint64_t requests = 0, retries = 0, bytesReceived = 0, bytesSent = 0;
  std::uint64_t connections = 0;   // TCP/TLS connections opened (the rest were reused)
  std::uint64_t slowConnects = 0;  // connections that took over 0.9 s (a lost SYN: 1 s resend)
  std::uint64_t peakInFlight = 0;  // most transfers in flight at once
  std::uint64_t warmOpened = 0, warmUsed = 0;  // pre-connected; of those, used by a transfer
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `done` runs once on the client's thread; it must be quick (hand decoding to a pool), and
  // it must not call sendSync. `sign` also runs on that thread: it must not block on the network.
  void send(HttpRequest request, CancelToken cancel, std::function<void(HttpResponse)> done);
  HttpResponse sendSync(HttpRequest request, CancelToken cancel = {});
  HttpStats stats() const;
  const HttpOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the loop thread (see Impl::start)
};

}  // namespace nz
