#include "http/response_check.h"

#include <algorithm>
#include <cstdlib>

#include "http/http_util.h"

namespace nz::http {

namespace {
constexpr std::uint64_t kMaxRedirectBodyBytes = 1u << 20;  // a 3xx body is never used
constexpr std::uint64_t kMaxErrorBodyBytes = 1u << 20;     // 4xx/5xx bodies: messages only
}  // namespace

std::size_t keepBody(Incoming& in, const HttpRequest& req, const HttpOptions& options,
                     HttpResponse& resp, const std::uint8_t* data, std::size_t bytes) {
  Bytes& body = resp.body;
  const std::uint64_t at = in.streamPos;
  in.streamPos += bytes;
  const long status = in.status;
  const bool redirect = status >= 300 && status < 400;
  if (redirect || status >= 400) {  // only read for messages: a small prefix is enough
    const std::uint64_t cap = redirect ? kMaxRedirectBodyBytes : kMaxErrorBodyBytes;
    const std::size_t keep =
        static_cast<std::size_t>(std::min<std::uint64_t>(bytes, cap - std::min(cap, at)));
    body.insert(body.end(), data, data + keep);
    if (in.streamPos < cap) return bytes;
    in.bodyCut = true;
    return 0;
  }
  const HttpRequest& r = req;
  const bool ranged = r.range && !r.range->isAll() && r.method == "GET";
  if (ranged && !in.contentEncoding.empty() && lowerAscii(in.contentEncoding) != "identity") {
    in.abortReason =
        "the server answered a Range request with Content-Encoding: " + in.contentEncoding +
        " (encoded bytes, not the object's)";
    return 0;
  }
  if (ranged && status == 200) {
    // The server ignored Range and sends the whole object: keep the range, stop after it.
    in.cutMode = true;
    const ByteRange& want = *r.range;
    std::uint64_t first = want.offset, end = UINT64_MAX;
    if (want.suffixLength) {
      if (in.contentLength) {
        first = *in.contentLength - std::min(*want.suffixLength, *in.contentLength);
        end = *in.contentLength;
      } else {
        first = 0;  // unknown total: keep a rolling tail, trimmed in validate()
      }
    } else if (want.length) {
      end = want.offset + *want.length;
    }
    const std::uint64_t from = std::max(at, first), to = std::min(at + bytes, end);
    if (from < to) body.insert(body.end(), data + (from - at), data + (to - at));
    if (want.suffixLength && !in.contentLength && body.size() > 2 * *want.suffixLength + 65536)
      body.erase(body.begin(), body.end() - static_cast<std::ptrdiff_t>(*want.suffixLength));
    if (in.streamPos >= end) {
      in.cutDone = true;  // everything asked for is here: stop reading the rest
      return 0;
    }
    if (in.streamPos > options.maxBodyBytes) {
      in.abortReason = "the server ignored Range and sent more than " +
                       std::to_string(options.maxBodyBytes) +
                       " bytes (--option http.max_body_bytes)";
      return 0;
    }
    return bytes;
  }
  std::uint64_t limit = options.maxBodyBytes;
  std::string expected = std::to_string(limit) + "-byte body limit (--option http.max_body_bytes)";
  if (ranged && status == 206) {
    const std::uint64_t asked = r.range->suffixLength ? *r.range->suffixLength
                                : r.range->length     ? *r.range->length
                                                      : limit;
    if (asked < limit) {
      limit = asked;
      expected = std::to_string(asked) + " bytes asked for";
    }
  }
  if (in.streamPos > limit) {
    in.abortReason = "the server sent more than the " + expected;
    return 0;
  }
  body.insert(body.end(), data, data + bytes);
  return bytes;
}

bool keepHeaderLine(Incoming& in, const HttpRequest& req, const HttpOptions& options,
                    HttpResponse& resp, const std::string& line) {
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after 100 Continue): start afresh
    resp.headers.clear();
    resp.body.clear();
    in = Incoming{};
    const auto sp = line.find(' ');
    in.status =
        sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);  // "HTTP/1.1 200 OK"
    return true;
  }
  if (resp.headers.size() > 1000) {
    in.abortReason = "the server sent more than 1000 header lines";
    return false;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return true;
  std::string name = lowerAscii(trim(line.substr(0, colon)));
  std::string value = trim(line.substr(colon + 1));
  if (name == "content-length") {
    in.contentLength = parseUnsigned(value);
    // Reserve up front (bounded, so a lying header cannot force a huge allocation).
    // A 206 carries just the range asked for; a 200 to a Range request is cut to the range.
    const bool ranged = req.range && !req.range->isAll();
    if (in.contentLength && (in.status == 206 || (in.status >= 200 && in.status < 300 && !ranged)))
      resp.body.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>({*in.contentLength, options.maxBodyBytes, 64u << 20})));
  } else if (name == "content-encoding") {
    in.contentEncoding = value;
  }
  resp.headers.emplace_back(std::move(name), std::move(value));
  return true;
}

// Checks that what arrived is what was asked for; returns a message when it is not.
std::string checkResponse(const Incoming& in, const HttpRequest& req, const HttpOptions& options,
                          HttpResponse& resp) {
  const bool head = req.method == "HEAD";
  if (!head && resp.status != 204 && resp.status != 304 && !in.cutDone) {
    if (auto cl = resp.header("content-length")) {
      auto n = parseUnsigned(*cl);
      if (!n) return "invalid Content-Length '" + *cl + "'";
      if (*n != in.streamPos)
        return "body of " + std::to_string(in.streamPos) + " bytes but Content-Length " +
               std::to_string(*n);
    }
  }
  if (!head && !in.contentEncoding.empty()) {
    std::string problem =
        decodeContentEncoding(in.contentEncoding, resp.body, options.maxBodyBytes);
    if (!problem.empty()) return problem;
  }
  if (head || req.method != "GET") return {};
  if (!req.range || req.range->isAll()) {
    if (resp.status == 206) return "206 Partial Content for a request without Range";
    return {};
  }
  const ByteRange& want = *req.range;
  if (resp.status == 200 && in.cutMode) {
    // keepBody() kept only the range; a suffix of unknown total kept a tail to trim here.
    if (want.suffixLength && resp.body.size() > *want.suffixLength)
      resp.body.erase(resp.body.begin(),
                      resp.body.end() - static_cast<std::ptrdiff_t>(*want.suffixLength));
    return {};
  }
  if (resp.status == 200) {
    // The server ignored Range and sent the whole object: cut it here.
    std::uint64_t size = resp.body.size();
    std::uint64_t first = 0, end = size;
    if (want.suffixLength) {
      first = size - std::min<std::uint64_t>(*want.suffixLength, size);
    } else {
      first = std::min<std::uint64_t>(want.offset, size);
      if (want.length) end = std::min<std::uint64_t>(size, want.offset + *want.length);
    }
    Bytes cut(resp.body.begin() + static_cast<std::ptrdiff_t>(first),
              resp.body.begin() + static_cast<std::ptrdiff_t>(std::max(first, end)));
    resp.body = std::move(cut);
    return {};
  }
  if (resp.status != 206) return {};
  auto crText = resp.header("content-range");
  if (!crText) return "206 Partial Content without Content-Range";
  auto cr = parseContentRange(*crText);
  if (!cr) return "invalid Content-Range '" + *crText + "'";
  std::uint64_t got = cr->last - cr->first + 1;
  if (got != resp.body.size())
    return "Content-Range '" + *crText + "' but a body of " + std::to_string(resp.body.size()) +
           " bytes";
  std::uint64_t expectFirst = want.offset;
  std::optional<std::uint64_t> expectLast;
  if (want.suffixLength) {
    if (cr->total) {
      expectFirst = *cr->total - std::min(*want.suffixLength, *cr->total);
      expectLast = *cr->total - 1;
    } else {
      if (got > *want.suffixLength) return "Content-Range '" + *crText + "' longer than asked";
      expectFirst = cr->first;
    }
  } else {
    if (want.length) expectLast = want.offset + *want.length - 1;
    if (cr->total) {
      std::uint64_t lastByte = *cr->total - 1;
      expectLast = expectLast ? std::min(*expectLast, lastByte) : lastByte;
    }
  }
  if (cr->first != expectFirst || (expectLast && cr->last != *expectLast))
    return "Content-Range '" + *crText + "' does not match the requested " + rangeHeader(want);
  return {};
}

}  // namespace nz::http
