#include "core/limits.h"

#include <mutex>

#include "core/error.h"
#include "core/parse_number.h"

namespace nz {

namespace {
std::mutex& limitsMutex() {
  static std::mutex m;
  return m;
}
InputLimits& current() {
  static InputLimits l;
  return l;
}
}  // namespace

InputLimits inputLimits() {
  std::lock_guard lock(limitsMutex());
  return current();
}

void setInputLimits(const InputLimits& limits) {
  std::lock_guard lock(limitsMutex());
  current() = limits;
}

void applyInputLimitOptions(const std::map<std::string, std::string>& options) {
  InputLimits l = inputLimits();
  auto get = [&](const char* key, std::uint64_t& into, std::uint64_t lo, std::uint64_t hi) {
    auto it = options.find(key);
    if (it == options.end()) return;
    into = parseUnsignedInRange(it->second, lo, hi, std::string("--option ") + key);
  };
  std::uint64_t depth = static_cast<std::uint64_t>(l.jsonMaxDepth);
  get("metadata.max_bytes", l.metadataMaxBytes, 1024, std::uint64_t{1} << 40);
  get("json.max_depth", depth, 8, 10000);
  get("nifti.max_header_bytes", l.niftiHeaderMaxBytes, 348, std::uint64_t{1} << 40);
  l.jsonMaxDepth = static_cast<int>(depth);
  setInputLimits(l);
}

}  // namespace nz
