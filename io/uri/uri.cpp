#include "uri/uri.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "core/error.h"

namespace nz {

const char* schemeName(Scheme s) {
  switch (s) {
    case Scheme::File:
      return "file";
    case Scheme::Http:
      return "http";
    case Scheme::Https:
      return "https";
    case Scheme::Azure:
      return "az";
    case Scheme::S3:
      return "s3";
    case Scheme::Gcs:
      return "gs";
    case Scheme::Memory:
      return "mem";
  }
  return "?";
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trimSlashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == '/') ++i;
  return s.substr(i);
}

// Splits "bucket/rest/of/key" into bucket and key.
void splitBucket(const std::string& rest, Uri& uri, const std::string& text) {
  std::string r = trimSlashes(rest);
  auto slash = r.find('/');
  uri.bucket = r.substr(0, slash);
  uri.path = slash == std::string::npos ? "" : trimSlashes(r.substr(slash + 1));
  if (uri.bucket.empty())
    throw Error(ErrorKind::InvalidArgument,
                "URI '" + redactSecrets(text) + "' names no bucket/container");
}

}  // namespace

Uri parseUri(const std::string& input) {
  std::string text = input;
  // A trailing '/' is ignored, but never eat into the "://" of a bare scheme.
  while (text.size() > 1 && text.back() == '/' &&
         !(text.size() >= 3 && text.compare(text.size() - 3, 3, "://") == 0)) {
    text.pop_back();
  }
  if (text.empty()) throw Error(ErrorKind::InvalidArgument, "empty URI");
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    // Shown with the NUL spelled out: a raw NUL would cut the message where it sits.
    std::string shown = text;
    for (std::size_t i = shown.find('\0'); i != std::string::npos; i = shown.find('\0', i + 2))
      shown.replace(i, 1, "\\0");
    throw Error(ErrorKind::InvalidArgument, "the dataset path contains a NUL byte at position " +
                                                std::to_string(nul) + ": " + redactSecrets(shown));
  }
  Uri uri;
  uri.original = text;
  auto sep = text.find("://");
  if (sep == std::string::npos) {
    uri.scheme = Scheme::File;
    uri.path = text;
    return uri;
  }
  std::string scheme = lower(text.substr(0, sep));
  std::string rest = text.substr(sep + 3);
  auto q = rest.find('?');
  if (q != std::string::npos) {
    uri.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (scheme == "file") {
    uri.scheme = Scheme::File;
    if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
    uri.path = percentDecode(rest);
    if (uri.path.size() > 1 && uri.path.back() == '/') uri.path.pop_back();
    return uri;
  }
  if (scheme == "mem") {
    uri.scheme = Scheme::Memory;
    uri.path = trimSlashes(rest);
    return uri;
  }
  if (scheme == "s3") {
    uri.scheme = Scheme::S3;
    splitBucket(rest, uri, text);
    return uri;
  }
  if (scheme == "gs" || scheme == "gcs") {
    uri.scheme = Scheme::Gcs;
    splitBucket(rest, uri, text);
    return uri;
  }
  if (scheme == "az" || scheme == "azure" || scheme == "abfs" || scheme == "abfss") {
    uri.scheme = Scheme::Azure;
    // abfs://container@account.dfs.core.windows.net/path
    auto at = rest.find('@');
    auto slash = rest.find('/');
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      std::string container = rest.substr(0, at);
      std::string host =
          rest.substr(at + 1, slash == std::string::npos ? std::string::npos : slash - at - 1);
      uri.account = host.substr(0, host.find('.'));
      rest = container + (slash == std::string::npos ? "" : rest.substr(slash));
    }
    splitBucket(rest, uri, text);
    return uri;
  }
  if (scheme == "http" || scheme == "https") {
    uri.scheme = scheme == "http" ? Scheme::Http : Scheme::Https;
    auto slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    if (host.empty())
      throw Error(ErrorKind::InvalidArgument, "URI '" + redactSecrets(text) + "' has no host");
    uri.endpoint = scheme + "://" + host;
    std::string path = slash == std::string::npos ? "" : trimSlashes(rest.substr(slash + 1));
    std::string hostLower = lower(host);
    const std::string blobSuffix = ".blob.core.windows.net";
    if (hostLower.size() > blobSuffix.size() &&
        hostLower.compare(hostLower.size() - blobSuffix.size(), blobSuffix.size(), blobSuffix) ==
            0) {
      uri.scheme = Scheme::Azure;
      uri.account = host.substr(0, host.find('.'));
      splitBucket(path, uri, text);
      return uri;
    }
    uri.path = path;
    return uri;
  }
  throw Error(ErrorKind::InvalidArgument,
              "unsupported URI scheme '" + scheme + "' in '" + redactSecrets(text) +
                  "' (use az://, abfs://, s3://, gs://, http(s)://, file:// or a path)");
}

std::string Uri::redacted() const { return redactSecrets(original); }

std::string Uri::basename() const {
  std::string p = path.empty() ? bucket : path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

Uri parentUri(const Uri& u) {
  Uri p = u;
  const auto slash = p.path.rfind('/');
  p.path = slash == std::string::npos ? std::string() : p.path.substr(0, slash);
  if (u.scheme == Scheme::File && p.path.empty() && !u.path.empty() && u.path[0] == '/')
    p.path = "/";
  if (u.scheme == Scheme::File && p.path.empty()) p.path = ".";
  // Keep `original` consistent for backends that read it (query string preserved).
  const auto q = u.original.find('?');
  std::string head = u.original.substr(0, q);
  const std::string tail = q == std::string::npos ? std::string() : u.original.substr(q);
  const auto s2 = head.rfind('/');
  if (s2 != std::string::npos) head = head.substr(0, s2);
  p.original = head + tail;
  return p;
}

std::string redactSecrets(const std::string& text) {
  static const std::regex queryParam(
      R"(((?:[?&;]|^)(?:sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|)"
      R"(token|access_token|code|key|secret|password|se|skoid|sktid|skt|ske|sks|skv)=)[^&\s"']*)",
      std::regex::icase);
  static const std::regex connKey(
      // A connection-string value runs to the next ';' (parsers keep spaces, quotes, CR/LF).
      R"(((?:AccountKey|SharedAccessSignature|SharedAccessKey|ClientSecret)\s*=)[^;]*)",
      std::regex::icase);
  static const std::regex authHeader(
      R"(((?:Authorization|x-ms-copy-source-authorization|x-goog-api-key)\s*:\s*)[^\r\n"']*)",
      std::regex::icase);
  // The password of URL userinfo (scheme://user:password@host); "container@account" has none.
  static const std::regex userInfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s"']*:)[^/@\s"']*@)");
  std::string out = std::regex_replace(text, queryParam, "$1REDACTED");
  out = std::regex_replace(out, userInfo, "$1REDACTED@");
  out = std::regex_replace(out, connKey, "$1REDACTED");
  out = std::regex_replace(out, authHeader, "$1REDACTED");
  return out;
}

std::string percentEncode(const std::string& s, bool keepSlash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keepSlash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string percentDecode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace nz
