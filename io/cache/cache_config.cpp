#include "cache/cache_config.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace nz {

DiskCacheSettings diskCacheFromEnvironment() {
  DiskCacheSettings s;
  s.enabled = true;
  if (const char* v = std::getenv("NZVIEW_DISK_CACHE")) {
    const std::string off = v;
    if (off == "0" || off == "off" || off == "no" || off == "false") s.enabled = false;
  }
  if (const char* d = std::getenv("NZVIEW_CACHE_DIR"); d && *d) s.dir = d;
  if (const char* b = std::getenv("NZVIEW_CACHE_SIZE"); b && *b)
    s.budgetBytes = parseByteSize(b, "NZVIEW_CACHE_SIZE");
  return s;
}

std::uint64_t parseByteSize(const std::string& text, const std::string& what) {
  const auto bad = [&] {
    return Error(ErrorKind::InvalidArgument,
                 what + " needs a size like 4G, 500M or a byte count, got '" + text + "'");
  };
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit = text.substr(used);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  double mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K")
    mult = 1024.0;
  else if (unit == "M")
    mult = 1024.0 * 1024;
  else if (unit == "G")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else
    throw bad();
  const double bytes = v * mult;
  if (!std::isfinite(bytes) || bytes < 0 || bytes > 1e18) throw bad();
  return static_cast<std::uint64_t>(bytes);
}

std::string formatBytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace nz
