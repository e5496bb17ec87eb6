#pragma once
// Bytes-to-bytes codecs of Zarr v2 (numcodecs compressors) and v3 (bytes->bytes codecs), and
// the chain decoder. Every decoder validates its input before trusting sizes in it and writes
// the last stage straight into a buffer of the expected size (no extra copy).
//
//   std::vector<nz::BytesCodec> chain = {{nz::BytesCodec::Kind::Blosc, "blosc", ""}};
//   nz::Bytes raw = nz::decodeBytesChain(chain, std::move(stored), expectedSize, "0/0/0/0");
//
// Safe for concurrent use (blosc runs through blosc_decompress_ctx with one thread; the
// parallelism comes from nz::ThreadPool). Errors: nz::Error(InvalidData) naming `what`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"

namespace nz {

// Largest decoded chunk we accept (a sanity limit against hostile metadata/frames).
inline constexpr std::uint64_t kMaxDecodedChunkBytes = std::uint64_t{2} << 30;  // 2 GiB
// Most inner chunks in one shard (its index is 16 bytes per entry: 256 MiB at this limit).
inline constexpr std::uint64_t kMaxShardIndexEntries = std::uint64_t{1} << 24;

struct BytesCodec {
  enum class Kind { Blosc, Zstd, Zlib, Gzip, Crc32c, Lz4, Bz2, Lzma };
  Kind kind = Kind::Blosc;
  std::string name;    // as in the metadata ("blosc", "zstd", ...)
  std::string detail;  // human-readable settings, e.g. "lz4 clevel 5 shuffle"
};

// Decodes `input` through `codecs` (listed in encoding order, so applied in reverse) and
// returns exactly `expected` bytes. Throws nz::Error(InvalidData) on corrupt or truncated data
// or a size mismatch (e.g. a blosc header that lies about the decompressed size).
Bytes decodeBytesChain(const std::vector<BytesCodec>& codecs, Bytes input, std::size_t expected,
                       const std::string& what);

// CRC-32C (Castagnoli), as the Zarr v3 crc32c codec appends it (little-endian uint32).
std::uint32_t crc32c(const std::uint8_t* data, std::size_t size);

// In-place byte swap of `count` units of `unit` bytes (2, 4 or 8).
void byteSwapInPlace(std::uint8_t* data, std::size_t count, std::size_t unit);

}  // namespace nz
