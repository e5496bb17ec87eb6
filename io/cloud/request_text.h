#pragma once
// What the cloud signers read from a request: the URL split as it is sent, the dates each
// signature scheme uses, headers by case-insensitive name, and the Range header of a ByteRange.
#include <ctime>
#include <optional>
#include <string>

#include "http/http_client.h"
#include "store/store.h"

namespace nz::cloud {

struct UrlParts {
  std::string scheme;     // "https"
  std::string authority;  // "host[:port]" as in the URL (what curl sends as Host)
  std::string path;       // "/..." (already percent-encoded), "/" when empty
  std::string query;      // without '?'
};
UrlParts splitUrl(const std::string& url);

// "20130524T000000Z" and "Fri, 24 May 2013 00:00:00 GMT".
std::string amzDate(std::time_t t);
std::string rfc1123Date(std::time_t t);

// Header value (case-insensitive name) from a header list.
std::optional<std::string> findHeader(const HttpHeaders& headers, const std::string& name);
void setHeader(HttpHeaders& headers, const std::string& name, const std::string& value);

// Range header value for a ByteRange ("bytes=a-b", "bytes=a-", "bytes=-n"); nullopt for all.
std::optional<std::string> rangeHeader(const ByteRange& range);

}  // namespace nz::cloud
