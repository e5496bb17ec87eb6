#pragma once
// Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp).
//
// Convention: a target catches nz::Error only. That is how every parser reports bad input; any
// other exception escaping (nlohmann::json errors, std::out_of_range, std::bad_alloc, ...) is a
// finding, so it is left to terminate the process and libFuzzer reports it with the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace nzfuzz {

inline std::string asString(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

inline std::uint32_t readLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Splits a store image into (key, value) records. Format (text-friendly so the mutator can
// rearrange it, and the seeds stay readable):
//     <key>\n<value bytes>\n@@@@\n<key>\n<value bytes>\n@@@@\n...
// A record without a newline, with an empty key or a key longer than 256 bytes is ignored.
// At most `maxRecords` records are used.
inline std::vector<std::pair<std::string, nz::Bytes>> splitRecords(const std::uint8_t* data,
                                                                   std::size_t size,
                                                                   std::size_t maxRecords = 16) {
  static const char kSep[] = "\n@@@@\n";
  const std::size_t sepLen = sizeof(kSep) - 1;
  std::vector<std::pair<std::string, nz::Bytes>> out;
  std::size_t pos = 0;
  while (pos <= size && out.size() < maxRecords) {
    std::size_t end = size;
    for (std::size_t i = pos; i + sepLen <= size; ++i) {
      if (std::memcmp(data + i, kSep, sepLen) == 0) {
        end = i;
        break;
      }
    }
    const std::uint8_t* rec = data + pos;
    const std::size_t recLen = end - pos;
    const void* nl = recLen ? std::memchr(rec, '\n', recLen) : nullptr;
    if (nl) {
      const std::size_t keyLen = static_cast<const std::uint8_t*>(nl) - rec;
      if (keyLen > 0 && keyLen <= 256) {
        out.emplace_back(std::string(reinterpret_cast<const char*>(rec), keyLen),
                         nz::Bytes(rec + keyLen + 1, rec + recLen));
      }
    }
    if (end == size) break;
    pos = end + sepLen;
  }
  return out;
}

}  // namespace nzfuzz
