#include "http/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "http/http_status.h"

namespace nz::http {

std::string secondsText(double s) {
  char buf[32];
  if (s >= 1 && s < 1e12 && s == std::floor(s))
    std::snprintf(buf, sizeof buf, "%.0f", s);  // "3600", not "3.6e+03"
  else
    std::snprintf(buf, sizeof buf, "%.3g", s);
  return buf;
}

std::string deadlineMessage(const HttpOptions& options) {
  return "no complete answer within the " + secondsText(options.requestDeadlineSeconds) +
         " s request deadline (--option http.deadline=SECONDS)";
}

RetryDecision decideRetry(const HttpOptions& options, int attemptCount,
                          std::optional<double> retryAfter, double elapsedSeconds,
                          std::mt19937_64& rng) {
  RetryDecision d;
  if (attemptCount > options.maxRetries) return d;
  if (retryAfter && *retryAfter > options.maxRetryAfterSeconds) {
    // Waiting an hour is never what a viewer should do: fail now and say why.
    d.giveUpReason = "the server asked to wait " + secondsText(*retryAfter) +
                     " s before retrying (Retry-After), longer than the " +
                     secondsText(options.maxRetryAfterSeconds) +
                     " s nzview waits (--option http.max_retry_after=SECONDS)";
    return d;
  }
  // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
  double ceiling =
      std::min(options.maxBackoffSeconds,
               options.initialBackoffSeconds * std::pow(2.0, std::min(30, attemptCount - 1)));
  std::uniform_real_distribution<double> jitter(0.0, std::max(0.0, ceiling));
  double delay = jitter(rng);
  if (retryAfter) delay = std::max(delay, std::min(*retryAfter, options.maxRetryAfterSeconds));
  if (elapsedSeconds + delay > options.maxRetryTotalSeconds) {
    d.giveUpReason = "gave up retrying after " + secondsText(elapsedSeconds) +
                     " s (retry time limit " + secondsText(options.maxRetryTotalSeconds) +
                     " s, --option http.max_retry_time=SECONDS)";
    return d;
  }
  if (elapsedSeconds + delay > options.requestDeadlineSeconds) {
    d.giveUpReason = deadlineMessage(options);
    return d;
  }
  d.retry = true;
  d.delaySeconds = delay;
  return d;
}

void giveUp(HttpResponse& r, const std::string& why) {
  std::string last = r.status ? httpStatusText(r.status) : r.transportError;
  r.status = 0;
  r.headers.clear();
  r.body.clear();
  r.transportError = last.empty() ? why : last + "; " + why;
}

// Three clocks per transfer: a stall (nothing for stallTimeoutSeconds) and a trickle (less
// than minBytesPerSecond over a stall window, e.g. 1 byte/s) abort the attempt and retry;
// the request deadline (requestDeadlineSeconds since the first attempt) ends it for good.
// libcurl's LOW_SPEED check stays on as a backstop, but it averages over a 5 s window, so
// after a burst it fires seconds late; these checks are exact.
Health checkHealth(Transfer& t, const HttpOptions& options, Clock::time_point now,
                   std::string& why) {
  const double stall = std::max(0.05, options.stallTimeoutSeconds);
  const auto limit = std::chrono::duration<double>(stall);
  const auto window = std::chrono::duration<double>(std::max(1.0, stall));
  const auto deadline =
      std::chrono::duration<double>(std::max(0.05, options.requestDeadlineSeconds));
  if (now - t.firstStart > deadline) return Health::Expired;
  if (now - t.lastActivity > limit) {
    why = "stalled: no data for " + secondsText(stall) + " s";
    return Health::Stalled;
  }
  if (now - t.windowStart >= window) {
    const double seconds = std::chrono::duration<double>(now - t.windowStart).count();
    if (static_cast<double>(t.windowBytes) < options.minBytesPerSecond * seconds) {
      why = "too slow: " + std::to_string(t.windowBytes) + " bytes in " + secondsText(seconds) +
            " s, below the minimum of " + secondsText(options.minBytesPerSecond) +
            " bytes/s (--option http.min_speed=BYTES_PER_SECOND)";
      return Health::Stalled;
    }
    t.windowStart = now;
    t.windowBytes = 0;
  }
  return Health::Fine;
}

}  // namespace nz::http
