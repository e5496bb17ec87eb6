#include "zarr/codecs_numcodecs.h"

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>

#include <algorithm>
#include <climits>

#include "core/error.h"
#include "zarr/codecs.h"

namespace nz {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::InvalidData, what + ": " + msg);
}

// Streams a decoder into a buffer of exactly `expected` bytes (final) or a growing one bounded
// by `expected` (the most the next codec of the chain can take) and kMaxDecodedChunkBytes.
// `step(out, room, produced&)` returns true at the end of the stream.
template <typename Step>
Bytes drain(const char* name, bool final, std::size_t expected, std::size_t inSize,
            const std::string& what, Step step) {
  const std::size_t cap = std::min<std::size_t>(expected, kMaxDecodedChunkBytes);
  Bytes out(final ? expected : std::min(cap, std::max<std::size_t>(inSize * 4, 4096)));
  std::size_t produced = 0;
  for (;;) {
    const bool end = step(out.data() + produced, out.size() - produced, produced);
    if (end) break;
    if (produced == out.size()) {
      if (final || out.size() >= cap)
        fail(what, std::string(name) + " data decodes to more than the expected " +
                       std::to_string(out.size()) + " bytes");
      out.resize(std::min<std::size_t>(out.size() * 2, cap));
    }
  }
  out.resize(produced);
  if (final && produced != expected)
    fail(what, std::string(name) + " data decodes to " + std::to_string(produced) +
                   " bytes but the chunk needs " + std::to_string(expected) +
                   " (corrupt or mismatched metadata)");
  return out;
}

}  // namespace

Bytes decodeLz4Numcodecs(const Bytes& in, bool final, std::size_t expected,
                         const std::string& what) {
  if (in.size() < 4) fail(what, "lz4: data shorter than its 4-byte size header");
  const std::uint32_t size = std::uint32_t(in[0]) | std::uint32_t(in[1]) << 8 |
                             std::uint32_t(in[2]) << 16 | std::uint32_t(in[3]) << 24;
  if (final && size != expected)
    fail(what, "lz4 header says it decodes to " + std::to_string(size) +
                   " bytes but the chunk needs " + std::to_string(expected) +
                   " (corrupt or mismatched metadata)");
  if (!final && size > expected)
    fail(what, "lz4 header says it decodes to " + std::to_string(size) + " bytes, more than the " +
                   std::to_string(expected) +
                   " the next codec in the chain can take (corrupt or hostile data)");
  // An LZ4 block expands at most 255:1 (one token byte per 255 repeated bytes).
  if (std::uint64_t(size) > std::uint64_t(in.size() - 4) * 255 + 64)
    fail(what, "lz4 header says it decodes to " + std::to_string(size) + " bytes, more than " +
                   std::to_string(in.size() - 4) + " compressed bytes can hold");
  if (size > kMaxDecodedChunkBytes || size > static_cast<std::uint32_t>(INT_MAX) ||
      in.size() - 4 > static_cast<std::size_t>(INT_MAX))
    fail(what, "lz4 block claims more than 2 GiB");
  Bytes out(size);
  if (size == 0) return out;
  const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + 4),
                                    reinterpret_cast<char*>(out.data()),
                                    static_cast<int>(in.size() - 4), static_cast<int>(size));
  if (n < 0 || static_cast<std::uint32_t>(n) != size)
    fail(what, "lz4: corrupt block (decoded " + std::to_string(n) + " of " + std::to_string(size) +
                   " bytes)");
  return out;
}

Bytes decodeBz2(const Bytes& in, bool final, std::size_t expected, const std::string& what) {
  bz_stream bz{};
  if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) fail(what, "bz2 init failed");
  bz.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
  bz.avail_in = static_cast<unsigned>(std::min<std::size_t>(in.size(), UINT_MAX));
  try {
    Bytes out = drain("bz2", final, expected, in.size(), what,
                      [&](std::uint8_t* dst, std::size_t room, std::size_t& produced) {
                        const unsigned take =
                            static_cast<unsigned>(std::min<std::size_t>(room, 1u << 30));
                        bz.next_out = reinterpret_cast<char*>(dst);
                        bz.avail_out = take;
                        const int rc = BZ2_bzDecompress(&bz);
                        produced += take - bz.avail_out;
                        if (rc == BZ_STREAM_END) return true;
                        if (rc != BZ_OK)
                          fail(what, "bz2: corrupt stream (code " + std::to_string(rc) + ")");
                        if (bz.avail_in == 0 && bz.avail_out != 0)
                          fail(what, "bz2: truncated stream");
                        return false;
                      });
    BZ2_bzDecompressEnd(&bz);
    return out;
  } catch (...) {
    BZ2_bzDecompressEnd(&bz);
    throw;
  }
}

Bytes decodeLzma(const Bytes& in, bool final, std::size_t expected, const std::string& what) {
  lzma_stream s = LZMA_STREAM_INIT;
  // .xz (numcodecs' default FORMAT_XZ) or legacy .lzma (FORMAT_ALONE); memory limit 1 GiB.
  if (lzma_auto_decoder(&s, std::uint64_t{1} << 30, 0) != LZMA_OK) fail(what, "lzma init failed");
  s.next_in = in.data();
  s.avail_in = in.size();
  try {
    Bytes out = drain(
        "lzma", final, expected, in.size(), what,
        [&](std::uint8_t* dst, std::size_t room, std::size_t& produced) {
          s.next_out = dst;
          s.avail_out = room;
          const lzma_ret rc = lzma_code(&s, LZMA_FINISH);
          produced += room - s.avail_out;
          if (rc == LZMA_STREAM_END) return true;
          if (rc == LZMA_BUF_ERROR && s.avail_out != 0) fail(what, "lzma: truncated stream");
          if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
            fail(what, "lzma: corrupt stream (code " + std::to_string(static_cast<int>(rc)) + ")");
          return false;
        });
    lzma_end(&s);
    return out;
  } catch (...) {
    lzma_end(&s);
    throw;
  }
}

}  // namespace nz
