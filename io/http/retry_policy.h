#pragma once
// When a failed attempt is tried again and after how long: exponential backoff with full
// jitter, Retry-After honoured up to a cap, a retry budget in attempts and in seconds, and the
// request deadline; plus the stall and trickle checks that turn a hanging attempt into a
// retryable failure. Internal to the HttpClient.
#include <optional>
#include <random>
#include <string>

#include "http/http_client.h"
#include "http/transfer.h"

namespace nz::http {

// "3600", "0.5", "1.5e+13": seconds for messages.
std::string secondsText(double s);

// "no complete answer within the 600 s request deadline (--option http.deadline=SECONDS)".
std::string deadlineMessage(const HttpOptions& options);

struct RetryDecision {
  bool retry = false;
  double delaySeconds = 0;   // when retry
  std::string giveUpReason;  // when not retrying although retries were left ("" = none left)
};

// attemptCount: attempts made so far; elapsedSeconds: since the first attempt.
RetryDecision decideRetry(const HttpOptions& options, int attemptCount,
                          std::optional<double> retryAfter, double elapsedSeconds,
                          std::mt19937_64& rng);

// Turns the last answer into a transport failure that says why no retry follows (the status
// is kept in the text, e.g. "503 Service Unavailable; the server asked to wait 3600 s ...").
void giveUp(HttpResponse& r, const std::string& why);

// What the watchdog does with an active attempt at `now`.
enum class Health { Fine, Expired, Stalled };
// Expired: past the request deadline (ends the request). Stalled: no byte for
// stallTimeoutSeconds, or fewer than minBytesPerSecond over a window (retried); `why` says
// which. A passing window is restarted.
Health checkHealth(Transfer& t, const HttpOptions& options, Clock::time_point now,
                   std::string& why);

}  // namespace nz::http
