#include "http/curl_transfer.h"

#include <algorithm>
#include <cstring>

#include "http/http_util.h"
#include "http/response_check.h"

namespace nz::http {

namespace {

// Body bytes: kept only as far as the request can use them. Returning less than `bytes`
// aborts the transfer; cutDone/bodyCut/abortReason say why (see judgeAttempt). Nothing
// may throw out of a libcurl callback, so allocation failures end the transfer too.
std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  t->lastActivity = Clock::now();
  t->windowBytes += bytes;
  try {
    return keepBody(t->in, t->attempt, *t->options, t->response,
                    reinterpret_cast<const std::uint8_t*>(data), bytes);
  } catch (...) {
    t->in.abortReason =
        "out of memory while receiving " + std::to_string(t->in.streamPos) + " bytes";
    return 0;
  }
}

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t bytes = size * n;
  t->lastActivity = Clock::now();
  try {
    return keepHeaderLine(t->in, t->attempt, *t->options, t->response, std::string(data, bytes))
               ? bytes
               : 0;
  } catch (...) {
    t->in.abortReason = "out of memory while receiving the headers";
    return 0;
  }
}

std::size_t onUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t room = size * n;
  const Bytes& body = t->attempt.body;
  std::size_t count = std::min(room, body.size() - t->uploadPos);
  std::memcpy(buffer, body.data() + t->uploadPos, count);
  t->uploadPos += count;
  return count;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (ulnow > t->lastUploaded) {
    t->windowBytes += static_cast<std::uint64_t>(ulnow - t->lastUploaded);
    t->lastUploaded = ulnow;
    t->lastActivity = Clock::now();
  }
  return t->cancel.cancelled() ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

void configureEasy(CURL* e, Transfer& t, const HttpOptions& options, bool pipeWait) {
  t.easy = e;
  t.uploadPos = 0;
  t.lastUploaded = 0;
  t.lastActivity = Clock::now();
  t.attemptStart = t.lastActivity;
  t.windowStart = t.lastActivity;
  t.windowBytes = 0;
  t.in = Incoming{};
  t.options = &options;
  t.errorBuffer[0] = 0;
  t.response.headers.clear();
  t.response.body.clear();
  const HttpRequest& r = t.attempt;
  std::string method = r.method;
  if (t.redirects > 0 && t.lastStatus == 303 && method != "HEAD") method = "GET";

  curl_easy_setopt(e, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errorBuffer);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &onProgress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are handled by judgeAttempt
  // Backstop for schemeProblem(): libcurl itself speaks nothing but http and https here.
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, pipeWait ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max(0.001, options.connectTimeoutSeconds) * 1000));
  // Backstop for stalls (checkHealth is the precise check): < 1 byte/s for that long.
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
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &onUpload);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
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
  if (!t.crossOrigin) {
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
  t.headerList = list;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
}

}  // namespace nz::http
