#include "cloud/s3_region.h"

#include <regex>

namespace nz::cloud {

std::string s3RegionHint(const HttpResponse& response) {
  if (response.status != 301 && response.status != 307 && response.status != 400) return {};
  std::string region = response.header("x-amz-bucket-region").value_or("");
  if (region.empty()) {
    const std::string body(response.body.begin(), response.body.end());
    const auto b = body.find("<Region>"), e = body.find("</Region>");
    if (b != std::string::npos && e != std::string::npos && e > b + 8 && e - b < 72)
      region = body.substr(b + 8, e - b - 8);
  }
  // Only plain region names (never echo arbitrary server text into a URL).
  for (char c : region)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return {};
  return region;
}

}  // namespace nz::cloud
