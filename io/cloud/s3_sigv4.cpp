#include "cloud/s3_sigv4.h"

#include <algorithm>
#include <cctype>
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

// Trims and collapses runs of spaces, as the canonical header rule asks.
std::string canonicalValue(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string sigV4CanonicalQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    auto amp = query.find('&', start);
    std::string item =
        query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      std::string name = percentDecode(item.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : percentDecode(item.substr(eq + 1));
      params.emplace_back(percentEncode(name, false), percentEncode(value, false));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

SigV4Parts computeSigV4(const std::string& method, const std::string& url,
                        const HttpHeaders& headers, const std::string& payloadHash,
                        const AwsCredentials& creds, const std::string& region,
                        const std::string& service, const std::string& amzDate) {
  cloud::UrlParts u = cloud::splitUrl(url);
  std::vector<std::pair<std::string, std::string>> canon;
  bool haveHost = false;
  for (const auto& [k, v] : headers) {
    std::string n = lower(k);
    if (n == "authorization") continue;
    if (n == "host") haveHost = true;
    canon.emplace_back(n, canonicalValue(v));
  }
  if (!haveHost) canon.emplace_back("host", u.authority);
  std::stable_sort(canon.begin(), canon.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // Repeated headers become one comma-separated line.
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& h : canon) {
    if (!merged.empty() && merged.back().first == h.first)
      merged.back().second += "," + h.second;
    else
      merged.push_back(h);
  }
  std::string canonicalHeaders, signedHeaders;
  for (const auto& [k, v] : merged) {
    canonicalHeaders += k + ":" + v + "\n";
    if (!signedHeaders.empty()) signedHeaders += ';';
    signedHeaders += k;
  }
  SigV4Parts p;
  p.canonicalRequest = method + "\n" + u.path + "\n" + sigV4CanonicalQuery(u.query) + "\n" +
                       canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash;
  std::string day = amzDate.substr(0, 8);
  std::string scope = day + "/" + region + "/" + service + "/aws4_request";
  p.stringToSign =
      "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + crypto::sha256Hex(p.canonicalRequest);
  std::string k = crypto::hmacSha256("AWS4" + creds.secretAccessKey, day);
  k = crypto::hmacSha256(k, region);
  k = crypto::hmacSha256(k, service);
  k = crypto::hmacSha256(k, "aws4_request");
  p.signature = crypto::toHex(crypto::hmacSha256(k, p.stringToSign));
  p.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.accessKeyId + "/" + scope +
                    ",SignedHeaders=" + signedHeaders + ",Signature=" + p.signature;
  return p;
}

void signSigV4(HttpRequest& request, const AwsCredentials& creds, const std::string& region,
               const std::string& service, std::time_t now) {
  if (creds.anonymous()) return;
  std::string date = cloud::amzDate(now);
  cloud::setHeader(request.headers, "x-amz-date", date);
  auto hash = cloud::findHeader(request.headers, "x-amz-content-sha256");
  if (!hash) {
    hash = crypto::sha256Hex(
        std::string_view(reinterpret_cast<const char*>(request.body.data()), request.body.size()));
    cloud::setHeader(request.headers, "x-amz-content-sha256", *hash);
  }
  if (!creds.sessionToken.empty())
    cloud::setHeader(request.headers, "x-amz-security-token", creds.sessionToken);
  SigV4Parts p = computeSigV4(request.method, request.url, request.headers, *hash, creds, region,
                              service, date);
  cloud::setHeader(request.headers, "Authorization", p.authorization);
}

}  // namespace nz
