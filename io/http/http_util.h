#pragma once
// Small pieces of HTTP the client needs: header parsing, origins and schemes, Retry-After,
// Content-Range, and Content-Encoding decoding. Internal to io/http (and its tests).
#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "store/store.h"

namespace nz::http {

std::string lowerAscii(std::string s);
std::string trim(const std::string& s);
std::optional<std::uint64_t> parseUnsigned(const std::string& s);
// "scheme://host:port" of a URL (default port filled in), or "" when unparsable.
std::string originOf(const std::string& url);
// Lower-case scheme of a URL ("https"), or "" when there is none.
std::string schemeOf(const std::string& url);
// "" when the client may fetch `url` (http or https); otherwise why not. With `from` set (a
// redirect), https -> http is refused too (a downgrade would expose the request in clear).
std::string schemeProblem(const std::string& url, const std::string& from = {});
// Transport errors that another attempt cannot fix (bad URL, TLS trust, unknown host).
bool curlCodeRetryable(CURLcode code);
// Retry-After: delta-seconds or an HTTP-date.
std::optional<double> parseRetryAfter(const std::string& value);

struct ContentRange {
  std::uint64_t first = 0, last = 0;
  std::optional<std::uint64_t> total;
};
// "bytes 10-19/36" or "bytes 10-19/*".
std::optional<ContentRange> parseContentRange(const std::string& value);
std::string rangeHeader(const ByteRange& r);

// Decodes a gzip/x-gzip/deflate Content-Encoding into at most `limit` bytes; "identity" or an
// empty encoding returns the body as is. Returns an error message (naming the encoding) or "".
std::string decodeContentEncoding(const std::string& encoding, Bytes& body, std::uint64_t limit);

}  // namespace nz::http
