#pragma once
// Encoders for the zarr codecs the writer emits (the reader side lives in io/zarr). Pure
// functions: safe for concurrent use from any thread.
//
//   CompressorSpec c = CompressorSpec::defaults("blosc", 3);   // zstd clevel 5, shuffle
//   Bytes frame = encodeCompressed(c, raw.data(), raw.size(), /*typesize=*/2);
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"

namespace nz {

struct CompressorSpec {
  enum class Kind { None, Blosc, Zstd, Gzip };
  Kind kind = Kind::Blosc;
  std::string bloscCname = "lz4";  // blosclz lz4 lz4hc snappy zlib zstd
  int level = 5;                   // blosc clevel / zstd level / gzip level
  int bloscShuffle = -1;           // 0 none, 1 byte, 2 bit, -1 auto (bit for 1-byte types)

  // niizarr's defaults per zarr version: v2 blosc lz4 clevel 5 byte-shuffle (numcodecs Blosc()),
  // v3 blosc zstd clevel 5 shuffle/bitshuffle (zarr-python BloscCodec()). zstd and gzip use
  // level 5. Throws nz::Error(InvalidArgument) for an unknown name.
  static CompressorSpec defaults(const std::string& name, int zarrVersion);
  const char* name() const;  // "blosc" | "zstd" | "gzip" | "none"
  // Shuffle actually used for an item size (resolves -1).
  int shuffleFor(std::size_t typesize) const;
};

// Compresses `n` bytes. typesize is the element size (blosc shuffle). Throws nz::Error.
Bytes encodeCompressed(const CompressorSpec& spec, const std::uint8_t* data, std::size_t n,
                       std::size_t typesize);

}  // namespace nz
