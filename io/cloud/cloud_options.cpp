#include "cloud/cloud_options.h"

#include <regex>

#include "core/error.h"

namespace nz::cloud {

std::uint64_t sizeOption(const StoreOptions& options, const std::string& key,
                         std::uint64_t fallback) {
  auto it = options.extra.find(key);
  if (it == options.extra.end()) return fallback;
  try {
    std::size_t used = 0;
    std::uint64_t v = std::stoull(it->second, &used);
    if (used == it->second.size() && v > 0) return v;
  } catch (...) {
  }
  throw Error(ErrorKind::InvalidArgument,
              "--option " + key + "=" + it->second + " is not a positive integer");
}

long long clockOffsetSeconds(const StoreOptions& options) {
  auto it = options.extra.find("clock_offset");
  if (it == options.extra.end()) return 0;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v > -100LL * 365 * 86400 && v < 100LL * 365 * 86400) return v;
  } catch (...) {
  }
  throw Error(ErrorKind::InvalidArgument,
              "--option clock_offset=" + it->second + " is not a number of seconds");
}

}  // namespace nz::cloud
