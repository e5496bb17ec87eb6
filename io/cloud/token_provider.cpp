#include "cloud/token_provider.h"

#include <nlohmann/json.hpp>

#include "cloud/cloud_response.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "http/http_status.h"
#include "uri/uri.h"

namespace nz {

using Clock = std::chrono::system_clock;

TokenProvider::TokenProvider(std::string source, Fetch fetch)
    : source_(std::move(source)), fetch_(std::move(fetch)) {}

std::string TokenProvider::token() {
  std::lock_guard lock(mutex_);
  if (have_ && Clock::now() + std::chrono::seconds(60) < current_.expiresAt) return current_.token;
  std::string source = source_;
  AccessToken t = fetch_(source);
  source_ = source;
  current_ = std::move(t);
  have_ = true;
  return current_.token;
}

std::string TokenProvider::cached() const {
  std::lock_guard lock(mutex_);
  return have_ ? current_.token : std::string();
}

std::string TokenProvider::source() const {
  std::lock_guard lock(mutex_);
  return source_;
}

std::optional<Clock::time_point> TokenProvider::expiresAt() const {
  std::lock_guard lock(mutex_);
  if (!have_) return std::nullopt;
  return current_.expiresAt;
}

std::string formEncode(const std::string& s) { return percentEncode(s, false); }

AccessToken parseTokenJson(const std::string& body, const std::string& source) {
  nlohmann::json j = tryParseJson(body, "token answer").value_or(nlohmann::json());
  if (!j.is_object())
    throw Error(ErrorKind::PermissionDenied,
                "the token endpoint of " + source + " did not answer JSON");
  std::string tok;
  if (j.contains("access_token") && j["access_token"].is_string())
    tok = j["access_token"];
  else if (j.contains("accessToken") && j["accessToken"].is_string())
    tok = j["accessToken"];
  if (tok.empty())
    throw Error(ErrorKind::PermissionDenied,
                "the token endpoint of " + source + " answered without an access_token");
  auto now = Clock::now();
  AccessToken t{tok, now + std::chrono::minutes(5)};
  auto asSeconds = [](const nlohmann::json& v) -> std::optional<long long> {
    try {
      if (v.is_number()) return v.get<long long>();
      if (v.is_string()) return std::stoll(v.get<std::string>());
    } catch (...) {
    }
    return std::nullopt;
  };
  if (j.contains("expires_in")) {
    if (auto s = asSeconds(j["expires_in"])) t.expiresAt = now + std::chrono::seconds(*s);
  } else if (j.contains("expires_on")) {
    if (auto s = asSeconds(j["expires_on"]))
      t.expiresAt = Clock::time_point(std::chrono::seconds(*s));
  }
  return t;
}

namespace {

AccessToken finish(const HttpResponse& r, const std::string& url, const std::string& source) {
  std::string where = redactSecrets(url);
  if (r.status == 0)
    throw Error(ErrorKind::Network, "cannot reach the token endpoint " + where + " of " + source +
                                        ": " + r.transportError);
  if (!httpStatusOk(r.status)) {
    std::string detail = cloud::errorDetail(r);
    throw Error(ErrorKind::PermissionDenied, "the token endpoint " + where + " refused " + source +
                                                 " (" + httpStatusText(r.status) +
                                                 (detail.empty() ? "" : ": " + detail) + ")");
  }
  return parseTokenJson(std::string(r.body.begin(), r.body.end()), source);
}

}  // namespace

AccessToken fetchOAuthToken(HttpClient& client, const std::string& url, const std::string& body,
                            const std::string& source) {
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body.assign(body.begin(), body.end());
  req.description = "token endpoint for " + source;
  return finish(client.sendSync(std::move(req)), url, source);
}

AccessToken fetchMetadataToken(HttpClient& client, const std::string& url,
                               const HttpHeaders& headers, const std::string& source) {
  HttpRequest req;
  req.url = url;
  req.headers = headers;
  req.description = "metadata token endpoint for " + source;
  return finish(client.sendSync(std::move(req)), url, source);
}

}  // namespace nz
