#pragma once
// What a finished attempt means: an answer to hand out, a retry (transport error, retryable
// status, or an answer that is not what was asked for), or a redirect to follow. Validates the
// answer (response_check.h) and the redirect target (scheme, downgrade, count, origin).
// Internal to the HttpClient.
#include <curl/curl.h>

#include <optional>
#include <string>

#include "http/http_client.h"
#include "http/transfer.h"

namespace nz::http {

// What libcurl said about one attempt.
struct AttemptResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string redirectUrl;  // CURLINFO_REDIRECT_URL
  std::string curlError;    // error buffer, or curl_easy_strerror(code)
};

enum class Next { Finish, Retry, Redirect };
struct AttemptOutcome {
  Next next = Next::Finish;
  std::optional<double> retryAfter;  // Retry: the server's Retry-After
};

// Fills t.response (status, or transportError) and, for a redirect, t.url / t.redirects /
// t.crossOrigin, then says what follows.
AttemptOutcome judgeAttempt(Transfer& t, const AttemptResult& r, const HttpOptions& options);

}  // namespace nz::http
