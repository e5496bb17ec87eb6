// HttpClient: one libcurl multi handle, one thread. The thread owns every easy handle and every
// queue; other threads only push into `incoming` (under the mutex) and wake the loop with
// curl_multi_wakeup. Connections live in the multi handle's cache, so they are reused across
// transfers (and multiplexed with HTTP/2 when the server offers it).
// The parts: transfer_scheduler (which transfer starts when), curl_transfer (one attempt as a
// libcurl handle), attempt_outcome (what an answer means: data, retry or redirect),
// retry_policy (backoff, budgets, stall checks). This file drives them.
#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "http/attempt_outcome.h"
#include "http/connection_warmer.h"
#include "http/curl_transfer.h"
#include "http/http_util.h"
#include "http/retry_policy.h"
#include "http/transfer.h"
#include "http/transfer_scheduler.h"

namespace nz {

using namespace http;  // NOLINT: the helpers of io/http

namespace {
std::once_flag curlInitOnce;
}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& lowerName) const {
  for (const auto& [k, v] : headers)
    if (k == lowerName) return v;
  return std::nullopt;
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  HttpOptions options;
  CURLM* multi = nullptr;
  std::thread thread;
  std::thread::id threadId;

  std::mutex mutex;
  std::deque<TransferPtr> incoming;  // guarded by mutex
  bool stopping = false;             // guarded by mutex

  // Owned by the loop thread only.
  TransferScheduler scheduler;
  ConnectionWarmer warmer;
  std::unordered_map<CURL*, TransferPtr> active;  // in flight
  std::vector<CURL*> easyPool;
  std::unordered_map<std::string, bool> originSpeaksHttp2;  // learnt from answers
  std::mt19937_64 rng{std::random_device{}()};

  std::atomic<std::uint64_t> requests{0}, retries{0}, bytesReceived{0}, bytesSent{0},
      connections{0}, slowConnects{0}, peakInFlight{0}, warmOpened{0}, warmUsed{0};

  static HttpOptions sanitised(HttpOptions o) {
    o.maxConcurrency = std::max(1, o.maxConcurrency);
    o.maxRetries = std::max(0, o.maxRetries);
    o.initialHostConcurrency = std::clamp(o.initialHostConcurrency, 1, o.maxConcurrency);
    o.warmConnections = std::clamp(o.warmConnections, 0, o.maxConcurrency);
    return o;
  }

  explicit Impl(HttpOptions o)
      : options(sanitised(std::move(o))),
        scheduler(options.maxConcurrency, options.initialHostConcurrency,
                  options.adaptiveConcurrency) {
    std::call_once(curlInitOnce, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi = curl_multi_init();
    if (!multi) throw Error(ErrorKind::Network, "cannot initialise libcurl");
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // Keep enough idle connections for every transfer we allow in flight.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.maxConcurrency + 8));
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
    if (options.completeFirstBurst) warmer.setFirstBurstAllowance(options.initialHostConcurrency);
  }

  // The loop thread co-owns the Impl, so a client destroyed from inside one of its own
  // callbacks (the last owner of a store dropped there) detaches instead of joining itself.
  void start() {
    thread = std::thread([self = shared_from_this()] { self->loop(); });
    threadId = thread.get_id();
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    curl_multi_wakeup(multi);
    if (std::this_thread::get_id() == threadId)
      thread.detach();
    else if (thread.joinable())
      thread.join();
  }

  ~Impl() {
    if (thread.joinable()) thread.detach();  // only reached on the loop thread itself
    for (CURL* e : easyPool) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  void submit(TransferPtr t) {
    {
      std::lock_guard lock(mutex);
      if (!stopping) {
        incoming.push_back(std::move(t));
        t = nullptr;
      }
    }
    if (t) {
      t->response.cancelled = true;
      t->response.transportError = "HTTP client shut down";
      finish(std::move(t));
      return;
    }
    curl_multi_wakeup(multi);
  }

  static void finish(TransferPtr t) {
    auto done = std::move(t->done);
    if (!done) return;
    try {
      done(std::move(t->response));
    } catch (...) {
      // A callback must not throw; swallowing keeps the loop (and every other transfer) alive.
    }
  }

  static void finishCancelled(TransferPtr t) {
    t->response = HttpResponse{};
    t->response.cancelled = true;
    t->response.transportError = "cancelled";
    t->response.attempts = t->attemptCount;
    finish(std::move(t));
  }

  void loop() {
    for (;;) {
      bool stop = false;
      {
        std::lock_guard lock(mutex);
        stop = stopping;
        while (!incoming.empty()) {
          scheduler.enqueue(std::move(incoming.front()));
          incoming.pop_front();
        }
      }
      if (stop) break;
      auto now = Clock::now();
      scheduler.promoteDue(now);
      dropCancelled();
      watchActive(now);
      while (TransferPtr t = scheduler.next()) startAttempt(std::move(t));
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE) onTransferDone(msg->easy_handle, msg->data.result);
      }
      long timeoutMs = scheduler.pollTimeoutMs(Clock::now());
      if (const long burstMs = warmer.completeFirstBursts(Clock::now()); burstMs >= 0)
        timeoutMs = std::min(timeoutMs, burstMs);
      warmOpened.store(warmer.opened(), std::memory_order_relaxed);
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(timeoutMs), nullptr);
    }
    shutdown();
  }

  void shutdown() {
    std::vector<TransferPtr> all;
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      releaseEasy(*t);
      all.push_back(std::move(t));
    }
    active.clear();
    for (auto& t : scheduler.takeAll()) all.push_back(std::move(t));
    {
      std::lock_guard lock(mutex);
      for (auto& t : incoming) all.push_back(std::move(t));
      incoming.clear();
    }
    for (auto& t : all) {
      t->response = HttpResponse{};
      t->response.cancelled = true;
      t->response.transportError = "HTTP client shut down";
      finish(std::move(t));
    }
  }

  void dropCancelled() {
    for (auto& t : scheduler.takeCancelled()) finishCancelled(std::move(t));
    std::vector<CURL*> abort;
    for (auto& [easy, t] : active)
      if (t->cancel.cancelled()) abort.push_back(easy);
    for (CURL* easy : abort) finishCancelled(takeActive(easy));
  }

  // The stall, trickle and deadline clocks of every transfer in flight (retry_policy.h).
  void watchActive(Clock::time_point now) {
    std::vector<CURL*> expired;
    std::vector<std::pair<CURL*, std::string>> stalled;
    for (auto& [easy, t] : active) {
      std::string why;
      switch (checkHealth(*t, options, now, why)) {
        case Health::Expired:
          expired.push_back(easy);
          break;
        case Health::Stalled:
          stalled.emplace_back(easy, std::move(why));
          break;
        case Health::Fine:
          break;
      }
    }
    for (CURL* easy : expired) {
      TransferPtr t = detach(easy);
      t->response.transportError = deadlineMessage(options);
      finish(std::move(t));
    }
    for (auto& [easy, why] : stalled) {
      TransferPtr t = detach(easy);
      t->response.transportError = why;
      retryOrFinish(std::move(t), std::nullopt);
    }
  }

  // Takes a transfer out of libcurl and out of the in-flight count.
  TransferPtr takeActive(CURL* easy, const HostSignal& signal = {}) {
    auto node = active.extract(easy);
    TransferPtr t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    scheduler.ended(*t, signal);
    releaseEasy(*t);
    return t;
  }

  // Takes an active transfer out of libcurl with an empty response (for timeouts).
  TransferPtr detach(CURL* easy) {
    bytesReceived.fetch_add(active.at(easy)->response.body.size(), std::memory_order_relaxed);
    TransferPtr t = takeActive(easy);
    t->response = HttpResponse{};
    t->response.attempts = t->attemptCount;
    return t;
  }

  // ---- one attempt -------------------------------------------------------------------------

  void startAttempt(TransferPtr t) {
    t->response = HttpResponse{};
    if (t->attemptCount == 0) t->firstStart = Clock::now();
    t->response.attempts = ++t->attemptCount;
    t->attempt = t->request;
    t->attempt.sign = nullptr;
    if (t->request.sign) {
      try {
        t->request.sign(t->attempt);
      } catch (const std::exception& e) {
        t->response.transportError = std::string("cannot sign the request: ") + e.what();
        finish(std::move(t));
        return;
      }
    }
    if (t->attempt.range && !t->attempt.range->isAll() &&
        ((t->attempt.range->suffixLength && *t->attempt.range->suffixLength == 0) ||
         (!t->attempt.range->suffixLength && t->attempt.range->length &&
          *t->attempt.range->length == 0))) {
      t->response.transportError = "empty byte range requested";
      finish(std::move(t));
      return;
    }
    t->url = t->attempt.url;
    t->crossOrigin = false;
    t->redirects = 0;
    if (std::string problem = schemeProblem(t->url); !problem.empty()) {
      t->response.transportError = problem;
      finish(std::move(t));
      return;
    }
    launch(std::move(t));
  }

  CURL* acquireEasy() {
    if (!easyPool.empty()) {
      CURL* e = easyPool.back();
      easyPool.pop_back();
      curl_easy_reset(e);
      return e;
    }
    return curl_easy_init();
  }

  void releaseEasy(Transfer& t) {
    if (t.headerList) curl_slist_free_all(t.headerList);
    t.headerList = nullptr;
    if (t.easy) {
      if (easyPool.size() < static_cast<std::size_t>(options.maxConcurrency))
        easyPool.push_back(t.easy);
      else
        curl_easy_cleanup(t.easy);
    }
    t.easy = nullptr;
  }

  void launch(TransferPtr t) {
    CURL* e = acquireEasy();
    if (!e) {
      t->response.transportError = "cannot create a libcurl handle";
      finish(std::move(t));
      return;
    }
    configureEasy(e, *t, options, waitForMultiplexing(t->url));
    if ((options.warmConnections > 0 || options.completeFirstBurst) && mayConnectAhead(t->url))
      warmer.attach(e);
    requests.fetch_add(1, std::memory_order_relaxed);
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
      releaseEasy(*t);
      t->response.transportError = "cannot start the transfer";
      finish(std::move(t));
      return;
    }
    scheduler.started(*t);
    peakInFlight.store(static_cast<std::uint64_t>(scheduler.peakInFlight()),
                       std::memory_order_relaxed);
    active.emplace(e, std::move(t));
  }

  // Waiting for a connection that may multiplex (PIPEWAIT) saves TLS handshakes on HTTP/2
  // servers, but on HTTP/1.1 ones (S3, Azure, nginx over http) it serialises a wave behind one
  // whole connect + request. Plain http never multiplexes here (HTTP/2 is negotiated over TLS
  // only). An https origin not heard from yet gets a connection per transfer of its first burst
  // (a few TLS handshakes too many for an HTTP/2 server, at the same time), because waiting would
  // cost an HTTP/1.1 server the first metadata wave a connect, a handshake and a request more:
  // 0.15 s at 50 ms RTT on every open from S3 or Azure Blob.
  bool waitForMultiplexing(const std::string& url) const {
    if (lowerAscii(url.substr(0, 8)) != "https://") return false;
    const auto it = originSpeaksHttp2.find(originOf(url));
    return it != originSpeaksHttp2.end() && it->second;
  }

  void onTransferDone(CURL* easy, CURLcode code) {
    if (!active.count(easy)) return;
    AttemptResult result;
    result.code = code;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.status);
    long httpVersion = 0;
    Transfer& live = *active.at(easy);
    if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &httpVersion) == CURLE_OK && httpVersion)
      originSpeaksHttp2[originOf(live.url)] = httpVersion >= CURL_HTTP_VERSION_2_0;
    long newConnections = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &newConnections);
    connections.fetch_add(static_cast<std::uint64_t>(std::max(0L, newConnections)),
                          std::memory_order_relaxed);
    curl_off_t up = 0;
    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &up);
    bytesSent.fetch_add(static_cast<std::uint64_t>(std::max<curl_off_t>(0, up)),
                        std::memory_order_relaxed);
    bytesReceived.fetch_add(live.response.body.size(), std::memory_order_relaxed);
    char* redirect = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect)
      result.redirectUrl = redirect;
    result.curlError = live.errorBuffer[0] ? live.errorBuffer : curl_easy_strerror(code);
    const HostSignal signal =
        hostSignal(easy, live, code, result.status, httpVersion, newConnections > 0);
    if (!scheduler.hostLearnt(live.origin) && signal.keepsAlive) warmHost(easy, live);
    TransferPtr t = takeActive(easy, signal);
    warmOpened.store(warmer.opened(), std::memory_order_relaxed);
    warmUsed.store(warmer.handedOut(), std::memory_order_relaxed);

    if (t->cancel.cancelled()) {
      finishCancelled(std::move(t));
      return;
    }
    const AttemptOutcome outcome = judgeAttempt(*t, result, options);
    switch (outcome.next) {
      case Next::Finish:
        finish(std::move(t));
        break;
      case Next::Retry:
        retryOrFinish(std::move(t), outcome.retryAfter);
        break;
      case Next::Redirect:
        launch(std::move(t));
        break;
    }
  }

  // Connections to plain http, and to an https origin not known to speak HTTP/2 (S3, Azure
  // Blob answer over HTTP/1.1: every transfer in flight needs its own connection), may be
  // connected ahead of need: the spares of a first burst, and the pool warmed after the first
  // answer (by then the protocol is known). An HTTP/2 origin carries a wave on one connection.
  bool mayConnectAhead(const std::string& url) const {
    const std::string scheme = schemeOf(url);
    if (scheme == "http") return true;
    if (scheme != "https") return false;
    const auto it = originSpeaksHttp2.find(originOf(url));
    return it == originSpeaksHttp2.end() || !it->second;
  }

  // A host just shown to keep connections alive: open the connections the next wave will want
  // while the rest of the metadata is read (connection_warmer.h). Over TLS this saves the TCP
  // round trip of each; the TLS handshake still runs when a transfer takes the connection.
  void warmHost(CURL* easy, const Transfer& t) {
    if (options.warmConnections <= 0 || !mayConnectAhead(t.url) || t.crossOrigin) return;
    char* ip = nullptr;
    long port = 0;
    if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || !ip || !*ip) return;
    if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port) != CURLE_OK || port <= 0) return;
    // The connection that answered stays in libcurl's pool: one fewer to open.
    warmer.warm(ip, port, std::max(0, options.warmConnections - 1));
  }

  // What the attempt tells the per-host ramp (transfer_scheduler.h).
  HostSignal hostSignal(CURL* easy, const Transfer& t, CURLcode code, long status, long httpVersion,
                        bool newConnection) {
    HostSignal s;
    curl_off_t lookup = 0, connected = 0, pretransfer = 0, firstByte = 0;
    curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected);
    curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &firstByte);
    // A SYN dropped by a full accept queue is resent after 1 s (Linux TCP_TIMEOUT_INIT).
    const bool lostSyn = newConnection && connected - lookup > 900'000;
    if (lostSyn) slowConnects.fetch_add(1, std::memory_order_relaxed);
    s.answered = status > 0;
    s.congested = lostSyn || status == 429 || status == 503 || code == CURLE_COULDNT_CONNECT ||
                  (code == CURLE_OPERATION_TIMEDOUT && connected == 0) ||
                  code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING;
    if (firstByte > 0 && pretransfer > 0 && firstByte >= pretransfer)
      s.ttfbSeconds = static_cast<double>(firstByte - pretransfer) / 1e6;
    const std::string connection = lowerAscii(t.response.header("connection").value_or(""));
    if (httpVersion >= CURL_HTTP_VERSION_2_0)
      s.keepsAlive = true;
    else if (httpVersion == CURL_HTTP_VERSION_1_1)
      s.keepsAlive = connection.find("close") == std::string::npos;
    else
      s.keepsAlive = connection.find("keep-alive") != std::string::npos;
    return s;
  }

  void retryOrFinish(TransferPtr t, std::optional<double> retryAfter) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t->firstStart).count();
    RetryDecision d = decideRetry(options, t->attemptCount, retryAfter, elapsed, rng);
    if (!d.retry) {
      if (!d.giveUpReason.empty()) giveUp(t->response, d.giveUpReason);
      finish(std::move(t));
      return;
    }
    retries.fetch_add(1, std::memory_order_relaxed);
    scheduler.enqueueRetry(std::move(t), d.delaySeconds);
  }
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  impl_->start();
}

HttpClient::~HttpClient() { impl_->stop(); }

void HttpClient::send(HttpRequest request, CancelToken cancel,
                      std::function<void(HttpResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->origin = originOf(t->request.url);
  t->cancel = std::move(cancel);
  t->done = std::move(done);
  impl_->submit(std::move(t));
}

HttpResponse HttpClient::sendSync(HttpRequest request, CancelToken cancel) {
  if (std::this_thread::get_id() == impl_->threadId)
    throw Error(ErrorKind::InvalidArgument,
                "HttpClient::sendSync called on the client's own thread (would deadlock)");
  std::promise<HttpResponse> promise;
  auto future = promise.get_future();
  send(std::move(request), std::move(cancel),
       [&promise](HttpResponse r) { promise.set_value(std::move(r)); });
  return future.get();
}

HttpStats HttpClient::stats() const {
  HttpStats s;
  s.requests = impl_->requests.load();
  s.retries = impl_->retries.load();
  s.bytesReceived = impl_->bytesReceived.load();
  s.bytesSent = impl_->bytesSent.load();
  s.connections = impl_->connections.load();
  s.slowConnects = impl_->slowConnects.load();
  s.peakInFlight = impl_->peakInFlight.load();
  s.warmOpened = impl_->warmOpened.load();
  s.warmUsed = impl_->warmUsed.load();
  return s;
}

const HttpOptions& HttpClient::options() const { return impl_->options; }

}  // namespace nz
