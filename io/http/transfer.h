#pragma once
// One request as the HttpClient carries it through its attempts, redirects and retries.
// Internal to io/http: owned by the client's loop thread from submission to `done`.
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/cancel.h"
#include "http/http_client.h"
#include "http/response_check.h"

namespace nz::http {

using Clock = std::chrono::steady_clock;

struct Transfer {
  HttpRequest request;  // as given
  HttpRequest attempt;  // after `sign` for the current attempt
  CancelToken cancel;
  std::function<void(HttpResponse)> done;
  HttpResponse response;
  std::string url;     // current URL (differs from attempt.url after a redirect)
  std::string origin;  // origin of the request's URL (the scheduler's per-host key)
  bool crossOrigin = false;
  int redirects = 0;
  int attemptCount = 0;
  long lastStatus = 0;
  std::size_t uploadPos = 0;
  CURL* easy = nullptr;
  curl_slist* headerList = nullptr;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  Clock::time_point readyAt{};
  std::uint64_t queuedAt = 0;        // arrival order in the scheduler
  Clock::time_point lastActivity{};  // last byte received or sent (stall detection)
  curl_off_t lastUploaded = 0;
  const HttpOptions* options = nullptr;  // for the libcurl callbacks
  Clock::time_point firstStart{};        // first attempt (deadline, total retry time)
  Clock::time_point attemptStart{};      // this attempt (latency for the scheduler)
  Clock::time_point windowStart{};       // minimum-throughput window
  std::uint64_t windowBytes = 0;
  Incoming in;  // the answer being received (response_check.h)
};
using TransferPtr = std::unique_ptr<Transfer>;

}  // namespace nz::http
