#include "core/parse_number.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace nz {

namespace {

std::string shown(const std::string& text) {
  std::string s = text.substr(0, 40);
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  return "'" + s + (text.size() > 40 ? "...'" : "'");
}

[[noreturn]] void outOfRange(const std::string& what, const std::string& text,
                             const std::string& range) {
  throw Error(ErrorKind::InvalidArgument, what + " needs " + range + ", got " + shown(text));
}

}  // namespace

std::int64_t parseIntInRange(const std::string& text, std::int64_t min, std::int64_t max,
                             const std::string& what) {
  const std::string range =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  std::size_t b = text.size() > 1 && text[0] == '+' ? 1 : 0;
  std::int64_t v = 0;
  const char* first = text.data() + b;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (text.empty() || ptr != last || ec != std::errc() || v < min || v > max)
    outOfRange(what, text, range);
  return v;
}

std::uint64_t parseUnsignedInRange(const std::string& text, std::uint64_t min, std::uint64_t max,
                                   const std::string& what) {
  const std::string range =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  std::uint64_t v = 0;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), last, v);
  if (text.empty() || ptr != last || ec != std::errc() || v < min || v > max)
    outOfRange(what, text, range);
  return v;
}

double parseDoubleInRange(const std::string& text, double min, double max,
                          const std::string& what) {
  char* end = nullptr;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < min ||
      v > max) {
    char lo[32], hi[32];
    std::snprintf(lo, sizeof lo, "%g", min);
    std::snprintf(hi, sizeof hi, "%g", max);
    outOfRange(what, text, std::string("a number from ") + lo + " to " + hi);
  }
  return v;
}

}  // namespace nz
