#pragma once
// One whole zlib (RFC 1950) or gzip (RFC 1952) stream in memory, inflated by Intel ISA-L
// (igzip): the gzip/zlib chunk codecs' fast path, several times zlib's speed. The wrapper is
// recognised from the first bytes (gzip's 1f 8b, else zlib), as zlib's windowBits 15+32 does;
// the trailer's checksum (CRC-32 or Adler-32) is verified.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.h"

namespace nz {

// The decoded bytes, or nullopt when ISA-L cannot decode the stream in full: corrupt,
// truncated, over `limit` bytes, or a form it does not take (a zlib preset dictionary). The
// caller then decodes with zlib, which names the problem. The output starts at
// `initialCapacity` bytes and doubles up to `limit` only as data arrives, so a short stream
// never costs the size its metadata declares.
std::optional<Bytes> inflateWholeIsal(const std::uint8_t* in, std::size_t inLen,
                                      std::uint64_t limit, std::size_t initialCapacity);

}  // namespace nz
