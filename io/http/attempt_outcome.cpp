#include "http/attempt_outcome.h"

#include "http/http_status.h"
#include "http/http_util.h"
#include "http/response_check.h"

namespace nz::http {

AttemptOutcome judgeAttempt(Transfer& t, const AttemptResult& r, const HttpOptions& options) {
  AttemptOutcome out;
  CURLcode code = r.code;
  // Our own callbacks stopped the body on purpose: the answer is complete as far as we need.
  if (code == CURLE_WRITE_ERROR && (t.in.cutDone || t.in.bodyCut) && t.in.abortReason.empty())
    code = CURLE_OK;
  if (code != CURLE_OK && !t.in.abortReason.empty()) {
    t.response.status = 0;
    t.response.body.clear();
    t.response.transportError = t.in.abortReason;
    return out;  // another attempt would get the same answer
  }
  if (code != CURLE_OK) {
    t.response.status = 0;
    t.response.transportError = r.curlError;
    if (curlCodeRetryable(code)) out.next = Next::Retry;
    return out;
  }
  const long status = r.status;
  t.response.status = status;
  t.lastStatus = status;

  const bool isRedirect =
      status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  if (isRedirect && t.request.followRedirects && !r.redirectUrl.empty()) {
    if (++t.redirects > 10) {
      t.response.status = 0;
      t.response.transportError = "too many redirects";
      return out;
    }
    if (std::string problem = schemeProblem(r.redirectUrl, t.url); !problem.empty()) {
      t.response = HttpResponse{};
      t.response.attempts = t.attemptCount;
      t.response.transportError = problem;
      return out;
    }
    // Once a redirect leaves the origin, no header (credentials included) follows it.
    if (originOf(r.redirectUrl) != originOf(t.attempt.url)) t.crossOrigin = true;
    t.url = r.redirectUrl;
    out.next = Next::Redirect;
    return out;
  }

  if (httpStatusRetryable(status)) {
    if (auto h = t.response.header("retry-after")) out.retryAfter = parseRetryAfter(*h);
    out.next = Next::Retry;
    return out;
  }
  if (httpStatusOk(status)) {
    std::string problem = checkResponse(t.in, t.attempt, options, t.response);
    if (!problem.empty()) {
      t.response.status = 0;
      t.response.headers.clear();
      t.response.body.clear();
      t.response.transportError = problem;
      out.next = Next::Retry;
    }
  }
  return out;
}

}  // namespace nz::http
