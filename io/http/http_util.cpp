#include "http/http_util.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

namespace nz::http {

std::string lowerAscii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::optional<std::uint64_t> parseUnsigned(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string originOf(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (u && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
      out = lowerAscii(std::string(scheme) + "://" + host + ":" + port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

bool curlCodeRetryable(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_FILESIZE_EXCEEDED:
      return false;
    default:
      return true;
  }
}

std::optional<double> parseRetryAfter(const std::string& value) {
  std::string v = trim(value);
  if (auto n = parseUnsigned(v)) return static_cast<double>(*n);
  time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  double delta = std::difftime(when, std::time(nullptr));
  return std::max(0.0, delta);
}

std::optional<ContentRange> parseContentRange(const std::string& value) {
  std::string v = trim(value);
  if (v.rfind("bytes ", 0) != 0) return std::nullopt;
  v = trim(v.substr(6));
  auto dash = v.find('-'), slash = v.find('/');
  if (dash == std::string::npos || slash == std::string::npos || dash > slash) return std::nullopt;
  auto first = parseUnsigned(v.substr(0, dash));
  auto last = parseUnsigned(v.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange r{*first, *last, std::nullopt};
  std::string total = v.substr(slash + 1);
  if (total != "*") {
    r.total = parseUnsigned(total);
    if (!r.total || r.last >= *r.total) return std::nullopt;
  }
  return r;
}

std::string rangeHeader(const ByteRange& r) {
  if (r.suffixLength) return "bytes=-" + std::to_string(*r.suffixLength);
  std::string h = "bytes=" + std::to_string(r.offset) + "-";
  if (r.length) h += std::to_string(r.offset + *r.length - 1);
  return h;
}

std::string schemeOf(const std::string& url) {
  const auto colon = url.find(':');
  if (colon == std::string::npos || colon == 0) return {};
  std::string scheme = url.substr(0, colon);
  for (char c : scheme)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return {};
  return lowerAscii(scheme);
}

std::string schemeProblem(const std::string& url, const std::string& from) {
  const std::string scheme = schemeOf(url);
  if (scheme != "http" && scheme != "https") {
    return "refusing to fetch a " +
           (scheme.empty() ? std::string("scheme-less") : "'" + scheme + "'") + " URL" +
           (from.empty() ? "" : " named by a redirect") + " (only http and https are allowed)";
  }
  if (!from.empty() && schemeOf(from) == "https" && scheme == "http")
    return "refusing a redirect from https to http (it would send the request unencrypted)";
  return {};
}

std::string decodeContentEncoding(const std::string& encoding, Bytes& body, std::uint64_t limit) {
  const std::string enc = lowerAscii(trim(encoding));
  if (enc.empty() || enc == "identity") return {};
  if (enc != "gzip" && enc != "x-gzip" && enc != "deflate")
    return "the server sent the body with Content-Encoding: " + enc +
           ", which nzview does not decode (serve the object without it)";
  z_stream zs{};
  // gzip and zlib-wrapped deflate are detected by 15+32; a raw deflate stream is retried below.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return "cannot initialise zlib";
  Bytes out;
  out.resize(static_cast<std::size_t>(
      std::min<std::uint64_t>(limit, std::max<std::uint64_t>(body.size() * 4, 4096))));
  zs.next_in = body.data();
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(body.size(), 1u << 30));
  std::size_t produced = 0;
  for (;;) {
    zs.next_out = out.data() + produced;
    const std::size_t room = std::min<std::size_t>(out.size() - produced, 1u << 30);
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if ((rc != Z_OK && rc != Z_BUF_ERROR) || (zs.avail_in == 0 && produced < out.size())) {
      inflateEnd(&zs);
      return "the server sent a body with Content-Encoding: " + enc +
             " that does not decode (corrupt or truncated)";
    }
    if (produced == out.size()) {
      if (out.size() >= limit) {
        inflateEnd(&zs);
        return "the body sent with Content-Encoding: " + enc + " decodes to more than " +
               std::to_string(limit) + " bytes (--option http.max_body_bytes)";
      }
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, limit)));
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  body = std::move(out);
  return {};
}

}  // namespace nz::http
