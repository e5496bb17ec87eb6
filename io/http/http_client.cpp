// HttpClient: one libcurl multi handle, one thread. The thread owns every easy handle and every
// queue below; other threads only push into `incoming` (under the mutex) and wake the loop with
// curl_multi_wakeup. Connections live in the multi handle's cache, so they are reused across
// transfers (and multiplexed with HTTP/2 when the server offers it).
#include "http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "http/http_status.h"
#include "http/http_util.h"
#include "http/response_check.h"

namespace nz {

using namespace http;  // NOLINT: the helpers of io/http

namespace {

using Clock = std::chrono::steady_clock;

std::string secondsText(double s) {
  char buf[32];
  if (s >= 1 && s < 1e12 && s == std::floor(s))
    std::snprintf(buf, sizeof buf, "%.0f", s);  // "3600", not "3.6e+03"
  else
    std::snprintf(buf, sizeof buf, "%.3g", s);
  return buf;
}

std::once_flag curlInitOnce;

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& lowerName) const {
  for (const auto& [k, v] : headers)
    if (k == lowerName) return v;
  return std::nullopt;
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  struct Transfer {
    HttpRequest request;  // as given
    HttpRequest attempt;  // after `sign` for the current attempt
    CancelToken cancel;
    std::function<void(HttpResponse)> done;
    HttpResponse response;
    std::string url;  // current URL (differs from attempt.url after a redirect)
    bool crossOrigin = false;
    int redirects = 0;
    int attemptCount = 0;
    long lastStatus = 0;
    std::size_t uploadPos = 0;
    CURL* easy = nullptr;
    curl_slist* headerList = nullptr;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    Clock::time_point readyAt{};
    Clock::time_point lastActivity{};  // last byte received or sent (stall detection)
    curl_off_t lastUploaded = 0;
    Impl* owner = nullptr;            // for the libcurl callbacks
    Clock::time_point firstStart{};   // first attempt (deadline, total retry time)
    Clock::time_point windowStart{};  // minimum-throughput window
    std::uint64_t windowBytes = 0;
    http::Incoming in;  // the answer being received (response_check.h)
  };
  using TransferPtr = std::unique_ptr<Transfer>;

  HttpOptions options;
  CURLM* multi = nullptr;
  std::thread thread;
  std::thread::id threadId;

  std::mutex mutex;
  std::deque<TransferPtr> incoming;  // guarded by mutex
  bool stopping = false;             // guarded by mutex

  // Owned by the loop thread only.
  std::deque<TransferPtr> waiting;                // ready to start, FIFO
  std::vector<TransferPtr> delayed;               // retries waiting for their backoff
  std::unordered_map<CURL*, TransferPtr> active;  // in flight
  std::vector<CURL*> easyPool;
  std::unordered_map<std::string, bool> originSpeaksHttp2;  // learnt from answers
  std::mt19937_64 rng{std::random_device{}()};

  std::atomic<std::uint64_t> requests{0}, retries{0}, bytesReceived{0}, bytesSent{0},
      connections{0};

  explicit Impl(HttpOptions o) : options(std::move(o)) {
    options.maxConcurrency = std::max(1, options.maxConcurrency);
    options.maxRetries = std::max(0, options.maxRetries);
    std::call_once(curlInitOnce, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi = curl_multi_init();
    if (!multi) throw Error(ErrorKind::Network, "cannot initialise libcurl");
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // Keep enough idle connections for every transfer we allow in flight.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.maxConcurrency + 8));
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
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
      invokeDone(*t);
      return;
    }
    curl_multi_wakeup(multi);
  }

  static void invokeDone(Transfer& t) {
    auto done = std::move(t.done);
    if (!done) return;
    try {
      done(std::move(t.response));
    } catch (...) {
      // A callback must not throw; swallowing keeps the loop (and every other transfer) alive.
    }
  }

  void finish(TransferPtr t) { invokeDone(*t); }

  void finishCancelled(TransferPtr t) {
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
          waiting.push_back(std::move(incoming.front()));
          incoming.pop_front();
        }
      }
      if (stop) break;
      auto now = Clock::now();
      promoteDueRetries(now);
      dropCancelled();
      abortStalled(now);
      while (static_cast<int>(active.size()) < options.maxConcurrency && !waiting.empty()) {
        TransferPtr t = std::move(waiting.front());
        waiting.pop_front();
        startAttempt(std::move(t));
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE) onTransferDone(msg->easy_handle, msg->data.result);
      }
      // Wake at least every 50 ms while anything is pending so cancellation is seen quickly.
      long timeoutMs = 1000;
      if (!active.empty() || !waiting.empty()) timeoutMs = 50;
      for (const auto& d : delayed) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d->readyAt - Clock::now())
                      .count();
        timeoutMs = std::min<long>(timeoutMs, std::max<long>(0, static_cast<long>(ms)));
      }
      if (!waiting.empty() && static_cast<int>(active.size()) < options.maxConcurrency)
        timeoutMs = 0;
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(timeoutMs), nullptr);
    }
    shutdown();
  }

  void shutdown() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      releaseEasy(*t);
    }
    std::vector<TransferPtr> all;
    for (auto& [easy, t] : active) all.push_back(std::move(t));
    active.clear();
    for (auto& t : waiting) all.push_back(std::move(t));
    waiting.clear();
    for (auto& t : delayed) all.push_back(std::move(t));
    delayed.clear();
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

  void promoteDueRetries(Clock::time_point now) {
    for (auto it = delayed.begin(); it != delayed.end();) {
      if ((*it)->readyAt <= now) {
        waiting.push_back(std::move(*it));
        it = delayed.erase(it);
      } else {
        ++it;
      }
    }
  }

  void dropCancelled() {
    for (auto it = waiting.begin(); it != waiting.end();) {
      if ((*it)->cancel.cancelled()) {
        TransferPtr t = std::move(*it);
        it = waiting.erase(it);
        finishCancelled(std::move(t));
      } else {
        ++it;
      }
    }
    for (auto it = delayed.begin(); it != delayed.end();) {
      if ((*it)->cancel.cancelled()) {
        TransferPtr t = std::move(*it);
        it = delayed.erase(it);
        finishCancelled(std::move(t));
      } else {
        ++it;
      }
    }
    std::vector<CURL*> abort;
    for (auto& [easy, t] : active)
      if (t->cancel.cancelled()) abort.push_back(easy);
    for (CURL* easy : abort) {
      auto node = active.extract(easy);
      curl_multi_remove_handle(multi, easy);
      releaseEasy(*node.mapped());
      finishCancelled(std::move(node.mapped()));
    }
  }

  // Three clocks per transfer: a stall (nothing for stallTimeoutSeconds) and a trickle (less
  // than minBytesPerSecond over a stall window, e.g. 1 byte/s) abort the attempt and retry;
  // the request deadline (requestDeadlineSeconds since the first attempt) ends it for good.
  // libcurl's LOW_SPEED check stays on as a backstop, but it averages over a 5 s window, so
  // after a burst it fires seconds late; these checks are exact.
  void abortStalled(Clock::time_point now) {
    const double stall = std::max(0.05, options.stallTimeoutSeconds);
    const auto limit = std::chrono::duration<double>(stall);
    const auto window = std::chrono::duration<double>(std::max(1.0, stall));
    const auto deadline =
        std::chrono::duration<double>(std::max(0.05, options.requestDeadlineSeconds));
    std::vector<std::pair<CURL*, std::string>> aborts;
    std::vector<CURL*> expired;
    for (auto& [easy, t] : active) {
      if (now - t->firstStart > deadline) {
        expired.push_back(easy);
      } else if (now - t->lastActivity > limit) {
        aborts.emplace_back(easy, "stalled: no data for " + secondsText(stall) + " s");
      } else if (now - t->windowStart >= window) {
        const double seconds = std::chrono::duration<double>(now - t->windowStart).count();
        if (static_cast<double>(t->windowBytes) < options.minBytesPerSecond * seconds) {
          aborts.emplace_back(easy, "too slow: " + std::to_string(t->windowBytes) + " bytes in " +
                                        secondsText(seconds) + " s, below the minimum of " +
                                        secondsText(options.minBytesPerSecond) +
                                        " bytes/s (--option http.min_speed=BYTES_PER_SECOND)");
        } else {
          t->windowStart = now;
          t->windowBytes = 0;
        }
      }
    }
    for (CURL* easy : expired) {
      TransferPtr t = detach(easy);
      t->response.transportError = deadlineMessage();
      finish(std::move(t));
    }
    for (auto& [easy, why] : aborts) {
      TransferPtr t = detach(easy);
      t->response.transportError = why;
      retryOrFinish(std::move(t), std::nullopt);
    }
  }

  std::string deadlineMessage() const {
    return "no complete answer within the " + secondsText(options.requestDeadlineSeconds) +
           " s request deadline (--option http.deadline=SECONDS)";
  }

  // Takes an active transfer out of libcurl with an empty response (for timeouts).
  TransferPtr detach(CURL* easy) {
    auto node = active.extract(easy);
    TransferPtr t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    bytesReceived.fetch_add(t->response.body.size(), std::memory_order_relaxed);
    releaseEasy(*t);
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

  // Body bytes: kept only as far as the request can use them. Returning less than `bytes`
  // aborts the transfer; cutDone/bodyCut/abortReason say why (see onTransferDone). Nothing
  // may throw out of a libcurl callback, so allocation failures end the transfer too.
  static std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t bytes = size * n;
    t->lastActivity = Clock::now();
    t->windowBytes += bytes;
    try {
      return keepBody(t->in, t->attempt, t->owner->options, t->response,
                      reinterpret_cast<const std::uint8_t*>(data), bytes);
    } catch (...) {
      t->in.abortReason =
          "out of memory while receiving " + std::to_string(t->in.streamPos) + " bytes";
      return 0;
    }
  }

  static std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t bytes = size * n;
    t->lastActivity = Clock::now();
    try {
      return keepHeaderLine(t->in, t->attempt, t->owner->options, t->response,
                            std::string(data, bytes))
                 ? bytes
                 : 0;
    } catch (...) {
      t->in.abortReason = "out of memory while receiving the headers";
      return 0;
    }
  }

  static std::size_t onUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t room = size * n;
    const Bytes& body = t->attempt.body;
    std::size_t count = std::min(room, body.size() - t->uploadPos);
    std::memcpy(buffer, body.data() + t->uploadPos, count);
    t->uploadPos += count;
    return count;
  }

  static int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
    auto* t = static_cast<Transfer*>(user);
    if (ulnow > t->lastUploaded) {
      t->windowBytes += static_cast<std::uint64_t>(ulnow - t->lastUploaded);
      t->lastUploaded = ulnow;
      t->lastActivity = Clock::now();
    }
    return t->cancel.cancelled() ? 1 : 0;  // non-zero aborts the transfer
  }

  void launch(TransferPtr t) {
    CURL* e = acquireEasy();
    if (!e) {
      t->response.transportError = "cannot create a libcurl handle";
      finish(std::move(t));
      return;
    }
    t->easy = e;
    t->uploadPos = 0;
    t->lastUploaded = 0;
    t->lastActivity = Clock::now();
    t->windowStart = t->lastActivity;
    t->windowBytes = 0;
    t->in = http::Incoming{};
    t->owner = this;
    t->errorBuffer[0] = 0;
    t->response.headers.clear();
    t->response.body.clear();
    const HttpRequest& r = t->attempt;
    std::string method = r.method;
    if (t->redirects > 0 && t->lastStatus == 303 && method != "HEAD") method = "GET";

    curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errorBuffer);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::onBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::onHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Impl::onProgress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, t.get());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are handled in onTransferDone
    // Backstop for schemeProblem(): libcurl itself speaks nothing but http and https here.
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, waitForMultiplexing(t->url) ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max(0.001, options.connectTimeoutSeconds) * 1000));
    // Backstop for stalls (abortStalled is the precise check): < 1 byte/s for that long.
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(options.stallTimeoutSeconds + 10.5)));
    if (options.insecure) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (!options.caFile.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.caFile.c_str());

    if (method == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT") {
      curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, &Impl::onUpload);
      curl_easy_setopt(e, CURLOPT_READDATA, t.get());
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else {
      if (method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
      if (method == "POST" || !r.body.empty()) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                         r.body.empty() ? "" : reinterpret_cast<const char*>(r.body.data()));
      }
    }

    curl_slist* list = nullptr;
    bool hasContentType = false;
    auto add = [&list](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
    if (!t->crossOrigin) {
      for (const auto& [k, v] : options.extraHeaders) add(k + ": " + v);
      for (const auto& [k, v] : r.headers) {
        if (lowerAscii(k) == "content-type") hasContentType = true;
        add(k + ": " + v);
      }
    }
    if (r.range && !r.range->isAll()) add("Range: " + rangeHeader(*r.range));
    add("Expect:");  // no 100-continue round trip before uploads
    if (!hasContentType && (method == "POST" || method == "PUT"))
      add("Content-Type: application/octet-stream");
    t->headerList = list;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);

    requests.fetch_add(1, std::memory_order_relaxed);
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
      releaseEasy(*t);
      t->response.transportError = "cannot start the transfer";
      finish(std::move(t));
      return;
    }
    active.emplace(e, std::move(t));
  }

  // Waiting for a connection that may multiplex (PIPEWAIT) saves TLS handshakes on HTTP/2
  // servers, but on HTTP/1.1 ones (S3, Azure, nginx over http) it serialises a wave behind one
  // whole connect + request. Plain http never multiplexes here (HTTP/2 is negotiated over TLS
  // only); an https origin is assumed HTTP/2 until an answer says otherwise.
  bool waitForMultiplexing(const std::string& url) const {
    if (lowerAscii(url.substr(0, 8)) != "https://") return false;
    const auto it = originSpeaksHttp2.find(originOf(url));
    return it == originSpeaksHttp2.end() || it->second;
  }

  void onTransferDone(CURL* easy, CURLcode code) {
    auto node = active.extract(easy);
    if (node.empty()) return;
    TransferPtr t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);

    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    long httpVersion = 0;
    if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &httpVersion) == CURLE_OK && httpVersion)
      originSpeaksHttp2[originOf(t->url)] = httpVersion >= CURL_HTTP_VERSION_2_0;
    long newConnections = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &newConnections);
    connections.fetch_add(static_cast<std::uint64_t>(std::max(0L, newConnections)),
                          std::memory_order_relaxed);
    curl_off_t up = 0;
    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &up);
    bytesSent.fetch_add(static_cast<std::uint64_t>(std::max<curl_off_t>(0, up)),
                        std::memory_order_relaxed);
    bytesReceived.fetch_add(t->response.body.size(), std::memory_order_relaxed);
    char* redirect = nullptr;
    std::string redirectUrl;
    if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect)
      redirectUrl = redirect;
    std::string curlError = t->errorBuffer[0] ? t->errorBuffer : curl_easy_strerror(code);
    releaseEasy(*t);

    if (t->cancel.cancelled()) {
      finishCancelled(std::move(t));
      return;
    }
    // Our own callbacks stopped the body on purpose: the answer is complete as far as we need.
    if (code == CURLE_WRITE_ERROR && (t->in.cutDone || t->in.bodyCut) && t->in.abortReason.empty())
      code = CURLE_OK;
    if (code != CURLE_OK && !t->in.abortReason.empty()) {
      t->response.status = 0;
      t->response.body.clear();
      t->response.transportError = t->in.abortReason;
      finish(std::move(t));  // another attempt would get the same answer
      return;
    }
    if (code != CURLE_OK) {
      t->response.status = 0;
      t->response.transportError = curlError;
      if (curlCodeRetryable(code))
        retryOrFinish(std::move(t), std::nullopt);
      else
        finish(std::move(t));
      return;
    }
    t->response.status = status;
    t->lastStatus = status;

    bool isRedirect =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (isRedirect && t->request.followRedirects && !redirectUrl.empty()) {
      if (++t->redirects > 10) {
        t->response.status = 0;
        t->response.transportError = "too many redirects";
        finish(std::move(t));
        return;
      }
      if (std::string problem = schemeProblem(redirectUrl, t->url); !problem.empty()) {
        t->response = HttpResponse{};
        t->response.attempts = t->attemptCount;
        t->response.transportError = problem;
        finish(std::move(t));
        return;
      }
      // Once a redirect leaves the origin, no header (credentials included) follows it.
      if (originOf(redirectUrl) != originOf(t->attempt.url)) t->crossOrigin = true;
      t->url = redirectUrl;
      launch(std::move(t));
      return;
    }

    if (httpStatusRetryable(status)) {
      std::optional<double> retryAfter;
      if (auto h = t->response.header("retry-after")) retryAfter = parseRetryAfter(*h);
      retryOrFinish(std::move(t), retryAfter);
      return;
    }
    if (httpStatusOk(status)) {
      std::string problem = checkResponse(t->in, t->attempt, options, t->response);
      if (!problem.empty()) {
        t->response.status = 0;
        t->response.headers.clear();
        t->response.body.clear();
        t->response.transportError = problem;
        retryOrFinish(std::move(t), std::nullopt);
        return;
      }
    }
    finish(std::move(t));
  }

  // Turns the last answer into a transport failure that says why no retry follows (the status
  // is kept in the text, e.g. "503 Service Unavailable; the server asked to wait 3600 s ...").
  static void giveUp(Transfer& t, const std::string& why) {
    HttpResponse& r = t.response;
    std::string last = r.status ? httpStatusText(r.status) : r.transportError;
    r.status = 0;
    r.headers.clear();
    r.body.clear();
    r.transportError = last.empty() ? why : last + "; " + why;
  }

  void retryOrFinish(TransferPtr t, std::optional<double> retryAfter) {
    if (t->attemptCount > options.maxRetries) {
      finish(std::move(t));
      return;
    }
    if (retryAfter && *retryAfter > options.maxRetryAfterSeconds) {
      // Waiting an hour is never what a viewer should do: fail now and say why.
      giveUp(*t, "the server asked to wait " + secondsText(*retryAfter) +
                     " s before retrying (Retry-After), longer than the " +
                     secondsText(options.maxRetryAfterSeconds) +
                     " s nzview waits (--option http.max_retry_after=SECONDS)");
      finish(std::move(t));
      return;
    }
    // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
    double ceiling =
        std::min(options.maxBackoffSeconds,
                 options.initialBackoffSeconds * std::pow(2.0, std::min(30, t->attemptCount - 1)));
    std::uniform_real_distribution<double> jitter(0.0, std::max(0.0, ceiling));
    double delay = jitter(rng);
    if (retryAfter) delay = std::max(delay, std::min(*retryAfter, options.maxRetryAfterSeconds));
    const double elapsed = std::chrono::duration<double>(Clock::now() - t->firstStart).count();
    if (elapsed + delay > options.maxRetryTotalSeconds) {
      giveUp(*t, "gave up retrying after " + secondsText(elapsed) + " s (retry time limit " +
                     secondsText(options.maxRetryTotalSeconds) +
                     " s, --option http.max_retry_time=SECONDS)");
      finish(std::move(t));
      return;
    }
    if (elapsed + delay > options.requestDeadlineSeconds) {
      giveUp(*t, deadlineMessage());
      finish(std::move(t));
      return;
    }
    retries.fetch_add(1, std::memory_order_relaxed);
    t->readyAt = Clock::now() + std::chrono::microseconds(static_cast<long long>(delay * 1e6));
    delayed.push_back(std::move(t));
  }
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  impl_->start();
}

HttpClient::~HttpClient() { impl_->stop(); }

void HttpClient::send(HttpRequest request, CancelToken cancel,
                      std::function<void(HttpResponse)> done) {
  auto t = std::make_unique<Impl::Transfer>();
  t->request = std::move(request);
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
  return s;
}

const HttpOptions& HttpClient::options() const { return impl_->options; }

}  // namespace nz
