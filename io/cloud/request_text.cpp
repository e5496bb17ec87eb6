#include "cloud/request_text.h"

#include <algorithm>
#include <cctype>

namespace nz::cloud {

UrlParts splitUrl(const std::string& url) {
  UrlParts p;
  std::string rest = url;
  auto sep = rest.find("://");
  if (sep != std::string::npos) {
    p.scheme = rest.substr(0, sep);
    rest = rest.substr(sep + 3);
  }
  auto q = rest.find('?');
  if (q != std::string::npos) {
    p.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  p.authority = rest.substr(0, slash);
  p.path = slash == std::string::npos ? "/" : rest.substr(slash);
  return p;
}

namespace {

std::tm utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string amzDate(std::time_t t) {
  std::tm tm = utc(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string rfc1123Date(std::time_t t) {
  // strftime's %a/%b follow the locale; HTTP dates need the English names.
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm = utc(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::string> findHeader(const HttpHeaders& headers, const std::string& name) {
  std::string n = lower(name);
  for (const auto& [k, v] : headers)
    if (lower(k) == n) return v;
  return std::nullopt;
}

void setHeader(HttpHeaders& headers, const std::string& name, const std::string& value) {
  std::string n = lower(name);
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return lower(h.first) == n; }),
                headers.end());
  headers.emplace_back(name, value);
}

std::optional<std::string> rangeHeader(const ByteRange& range) {
  if (range.suffixLength) return "bytes=-" + std::to_string(*range.suffixLength);
  if (range.isAll()) return std::nullopt;
  std::string v = "bytes=" + std::to_string(range.offset) + "-";
  if (range.length) v += std::to_string(range.offset + *range.length - 1);
  return v;
}

}  // namespace nz::cloud
