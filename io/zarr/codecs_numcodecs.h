#pragma once
// Decoders of the numcodecs compressors that c-blosc/zlib/zstd do not cover: LZ4 (numcodecs'
// framing: a 4-byte little-endian decoded size, then one LZ4 block), BZ2 (a bzip2 stream) and
// LZMA (an .xz stream, numcodecs' default, or a legacy .lzma stream). Used by
// decodeBytesChain; each validates sizes before allocating and returns exactly `expected`
// bytes when `final`. Errors: nz::Error(InvalidData) naming `what`.
#include <string>

#include "core/bytes.h"

namespace nz {

Bytes decodeLz4Numcodecs(const Bytes& in, bool final, std::size_t expected,
                         const std::string& what);
Bytes decodeBz2(const Bytes& in, bool final, std::size_t expected, const std::string& what);
Bytes decodeLzma(const Bytes& in, bool final, std::size_t expected, const std::string& what);

}  // namespace nz
