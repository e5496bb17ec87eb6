#pragma once
// A cached OAuth2 access token shared by every request of a store: fetched on first use,
// refreshed 60 s before it expires, thread-safe (one fetch at a time, others wait).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/http_client.h"

namespace nz {

struct AccessToken {
  std::string token;  // empty = anonymous (no credential found in a default chain)
  std::chrono::system_clock::time_point expiresAt;
};

class TokenProvider {
 public:
  // `fetch` blocks and throws nz::Error naming its source on failure. It may rename the
  // source (a default chain names the link that worked) through the second argument.
  using Fetch = std::function<AccessToken(std::string& source)>;
  TokenProvider(std::string source, Fetch fetch);

  // The current token (fetched or refreshed when needed). Throws nz::Error.
  std::string token();
  // The cached token if any, without fetching (for the per-attempt sign hook).
  std::string cached() const;
  std::string source() const;
  // When the cached token expires, as its endpoint said (expires_in / expires_on); nullopt
  // before the first fetch. For the doctor's report.
  std::optional<std::chrono::system_clock::time_point> expiresAt() const;

 private:
  mutable std::mutex mutex_;
  std::string source_;
  Fetch fetch_;
  AccessToken current_;
  bool have_ = false;
};

// POSTs an application/x-www-form-urlencoded body to a token endpoint with `client` and parses
// {access_token, expires_in | expires_on}. Errors name `source` and the endpoint, never secrets.
AccessToken fetchOAuthToken(HttpClient& client, const std::string& url, const std::string& body,
                            const std::string& source);
// GETs a token from a metadata endpoint (IMDS / GCE metadata) with extra headers.
AccessToken fetchMetadataToken(HttpClient& client, const std::string& url,
                               const HttpHeaders& headers, const std::string& source);
// Parses a token JSON answer (access_token/accessToken + expires_in/expires_on/expiresOn).
AccessToken parseTokenJson(const std::string& body, const std::string& source);

// application/x-www-form-urlencoded component.
std::string formEncode(const std::string& s);

}  // namespace nz
