#include "session/shareable_uri.h"

#include <algorithm>
#include <cctype>

#include "uri/uri.h"

namespace nz {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool isHttp(const std::string& scheme) { return scheme == "http" || scheme == "https"; }

}  // namespace

std::string shareableUri(const std::string& input, std::vector<std::string>* removed) {
  std::string text = input;
  const auto sep = text.find("://");
  if (sep == std::string::npos) return text;  // a local path: nothing secret in it
  const std::string scheme = lower(text.substr(0, sep));
  // A fragment never reaches a store; it may hold tokens (OAuth implicit flow).
  if (const auto hash = text.find('#', sep); hash != std::string::npos) {
    text.resize(hash);
    if (removed) removed->push_back("fragment");
  }
  if (const auto q = text.find('?', sep); q != std::string::npos) {
    text.resize(q);
    if (removed) removed->push_back("query string");
  }
  // userinfo: http(s)://user[:password]@host/... (abfs' container@account is not userinfo).
  if (isHttp(scheme)) {
    const std::size_t authority = sep + 3;
    const auto slash = text.find('/', authority);
    const auto at = text.rfind('@', slash == std::string::npos ? std::string::npos : slash);
    if (at != std::string::npos && at >= authority && (slash == std::string::npos || at < slash)) {
      text.erase(authority, at + 1 - authority);
      if (removed) removed->push_back("user name and password");
    }
  }
  while (text.size() > sep + 3 && text.back() == '/') text.pop_back();
  return text;
}

std::string storeKey(const std::string& text) {
  const Uri u = parseUri(shareableUri(text));
  switch (u.scheme) {
    case Scheme::File:
      return "file://";
    case Scheme::Memory:
      return "mem://" + lower(u.path.substr(0, u.path.find('/')));
    case Scheme::S3:
      return "s3://" + lower(u.bucket);
    case Scheme::Gcs:
      return "gs://" + lower(u.bucket);
    case Scheme::Azure:
      return "az://" + lower(u.account) + "/" + lower(u.bucket);
    case Scheme::Http:
    case Scheme::Https:
      return lower(u.endpoint);
  }
  return lower(u.endpoint);
}

}  // namespace nz
