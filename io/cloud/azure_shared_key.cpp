#include "cloud/azure_shared_key.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "cloud/crypto.h"
#include "cloud/request_text.h"
#include "uri/uri.h"

namespace nz {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string headerOrEmpty(const HttpHeaders& headers, const char* name) {
  return cloud::findHeader(headers, name).value_or("");
}

}  // namespace

std::string azureSharedKeyStringToSign(const std::string& method, const std::string& url,
                                       const HttpHeaders& headers, std::size_t contentLength,
                                       const std::string& account) {
  std::string s = method + "\n";
  s += headerOrEmpty(headers, "Content-Encoding") + "\n";
  s += headerOrEmpty(headers, "Content-Language") + "\n";
  // Since 2015-02-21 a zero length is signed as the empty string.
  s += (contentLength ? std::to_string(contentLength) : std::string()) + "\n";
  s += headerOrEmpty(headers, "Content-MD5") + "\n";
  s += headerOrEmpty(headers, "Content-Type") + "\n";
  s += "\n";  // Date: we always send x-ms-date instead
  s += headerOrEmpty(headers, "If-Modified-Since") + "\n";
  s += headerOrEmpty(headers, "If-Match") + "\n";
  s += headerOrEmpty(headers, "If-None-Match") + "\n";
  s += headerOrEmpty(headers, "If-Unmodified-Since") + "\n";
  s += headerOrEmpty(headers, "Range") + "\n";
  // Canonicalized headers: every x-ms-* header, lower-cased, sorted, value trimmed.
  std::map<std::string, std::string> ms;
  for (const auto& [k, v] : headers) {
    std::string n = lower(trim(k));
    if (n.rfind("x-ms-", 0) != 0) continue;
    auto& slot = ms[n];
    slot = slot.empty() ? trim(v) : slot + "," + trim(v);
  }
  for (const auto& [k, v] : ms) s += k + ":" + v + "\n";
  // Canonicalized resource: /account/encoded-path, then each query parameter on its own line.
  cloud::UrlParts u = cloud::splitUrl(url);
  s += "/" + account + u.path;
  std::map<std::string, std::vector<std::string>> params;
  std::size_t start = 0;
  while (!u.query.empty()) {
    auto amp = u.query.find('&', start);
    std::string item =
        u.query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      std::string name = lower(percentDecode(item.substr(0, eq)));
      std::string value = eq == std::string::npos ? "" : percentDecode(item.substr(eq + 1));
      params[name].push_back(value);
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  for (auto& [k, values] : params) {
    std::sort(values.begin(), values.end());
    s += "\n" + k + ":";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
  }
  return s;
}

void signAzureSharedKey(HttpRequest& request, const std::string& account, const std::string& key,
                        std::time_t now) {
  cloud::setHeader(request.headers, "x-ms-date", cloud::rfc1123Date(now));
  if (!cloud::findHeader(request.headers, "x-ms-version"))
    cloud::setHeader(request.headers, "x-ms-version", kAzureApiVersion);
  // The client adds a Content-Type to bodies without one, and a Range header from
  // request.range: both are signed, so make them explicit / visible here.
  if ((request.method == "PUT" || request.method == "POST") &&
      !cloud::findHeader(request.headers, "Content-Type"))
    request.headers.emplace_back("Content-Type", "application/octet-stream");
  HttpHeaders signedHeaders = request.headers;
  if (request.range && !request.range->isAll())
    if (auto rh = cloud::rangeHeader(*request.range)) signedHeaders.emplace_back("Range", *rh);
  std::string sts = azureSharedKeyStringToSign(request.method, request.url, signedHeaders,
                                               request.body.size(), account);
  std::string sig = crypto::base64Encode(crypto::hmacSha256(key, sts));
  cloud::setHeader(request.headers, "Authorization", "SharedKey " + account + ":" + sig);
}

std::string isoUtc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string azureServiceSas(const std::string& account, const std::string& key,
                            const std::string& container, const std::string& blobName,
                            const std::string& permissions, const std::string& expiry,
                            const std::string& version) {
  std::string resource = blobName.empty() ? "c" : "b";
  std::string canonical = "/blob/" + account + "/" + container;
  if (!blobName.empty()) canonical += "/" + blobName;
  // Version 2020-12-06 and later: 16 fields (adds the encryption scope).
  std::string sts = permissions + "\n" + "" + "\n" + expiry + "\n" + canonical + "\n" + "" + "\n" +
                    "" + "\n" + "" + "\n" + version + "\n" + resource + "\n" + "" + "\n" + "" +
                    "\n" + "\n\n\n\n";
  std::string sig = crypto::base64Encode(crypto::hmacSha256(key, sts));
  return "sv=" + version + "&se=" + percentEncode(expiry, false) + "&sr=" + resource +
         "&sp=" + permissions + "&sig=" + percentEncode(sig, false);
}

std::string azureAccountSas(const std::string& account, const std::string& key,
                            const std::string& permissions, const std::string& resourceTypes,
                            const std::string& expiry, const std::string& version) {
  std::string sts = account + "\n" + permissions + "\nb\n" + resourceTypes + "\n\n" + expiry +
                    "\n\n\n" + version + "\n\n";
  std::string sig = crypto::base64Encode(crypto::hmacSha256(key, sts));
  return "sv=" + version + "&ss=b&srt=" + resourceTypes + "&sp=" + permissions +
         "&se=" + percentEncode(expiry, false) + "&sig=" + percentEncode(sig, false);
}

}  // namespace nz
