#pragma once
// What the client keeps of an answer, checked against what was asked for: only the requested
// range is kept (also when a server ignores Range and sends the whole object), no body grows
// past the range or HttpOptions::maxBodyBytes, error and redirect bodies keep a short prefix,
// and a finished answer is validated (Content-Length, Content-Range, Content-Encoding).
// Internal to the HttpClient (functions of one transfer, called on the client's thread).
#include <cstdint>
#include <optional>
#include <string>

#include "http/http_client.h"

namespace nz::http {

// The answer being received for one attempt; reset by every status line.
struct Incoming {
  long status = 0;
  std::optional<std::uint64_t> contentLength;
  std::string contentEncoding;
  std::uint64_t streamPos = 0;  // body bytes received, kept or not
  bool cutMode = false;         // 200 for a Range request: keeping only the range
  bool cutDone = false;         // ... and all of it arrived: the abort that follows is ours
  bool bodyCut = false;         // an error/redirect body stopped at its cap (also ours)
  std::string abortReason;      // why a callback stopped the transfer (not retried)
};

// Body bytes from libcurl: returns how many were consumed (less than `bytes` stops the
// transfer; cutDone/bodyCut/abortReason say why).
std::size_t keepBody(Incoming& in, const HttpRequest& req, const HttpOptions& options,
                     HttpResponse& resp, const std::uint8_t* data, std::size_t bytes);
// One header line; false stops the transfer (abortReason set).
bool keepHeaderLine(Incoming& in, const HttpRequest& req, const HttpOptions& options,
                    HttpResponse& resp, const std::string& line);
// A finished 2xx answer: "" when it is what was asked for, else why not (retried).
std::string checkResponse(const Incoming& in, const HttpRequest& req, const HttpOptions& options,
                          HttpResponse& resp);

}  // namespace nz::http
