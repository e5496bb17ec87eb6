#include "zarr/codecs.h"

#include <blosc.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "compress/inflate_buffer.h"
#include "core/error.h"
#include "zarr/codecs_numcodecs.h"

namespace nz {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::InvalidData, what + ": " + msg);
}

void checkFinalSize(std::uint64_t got, std::size_t expected, const char* codec,
                    const std::string& what) {
  if (got != expected) {
    fail(what, std::string(codec) + " data decodes to " + std::to_string(got) +
                   " bytes but the chunk needs " + std::to_string(expected) +
                   " (corrupt or mismatched metadata)");
  }
}

// What one decode stage may produce: exactly `size` bytes (every stage after it only strips a
// checksum) or at most `size` (what the next stage can consume, see stageBounds).
struct StageSize {
  bool exact = true;
  std::uint64_t size = 0;
};

// The most a codec can expand its input: zlib/deflate 1032:1 (RFC 1951 stored lengths, zlib
// technical notes); zstd 32768:1 (an RLE block: 4 bytes for 128 KiB); blosc 1.x by its inner
// codec, at most zstd's. Used to bound allocations by what the compressed bytes can produce.
std::uint64_t maxDecodedFrom(BytesCodec::Kind kind, std::size_t inputBytes) {
  const std::uint64_t ratio =
      (kind == BytesCodec::Kind::Zlib || kind == BytesCodec::Kind::Gzip) ? 1032 : 32768;
  std::uint64_t out = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(inputBytes), ratio, &out))
    return kMaxDecodedChunkBytes;
  return std::min<std::uint64_t>(out + 65536, kMaxDecodedChunkBytes);
}

void checkStageSize(std::uint64_t got, const StageSize& want, const char* codec,
                    const std::string& what) {
  if (want.exact) {
    checkFinalSize(got, static_cast<std::size_t>(want.size), codec, what);
  } else if (got > want.size) {
    fail(what, std::string(codec) + " data decodes to " + std::to_string(got) +
                   " bytes, more than the " + std::to_string(want.size) +
                   " the next codec in the chain can take (corrupt or hostile data)");
  }
}

// Blosc 1.x frame: validate the 16-byte header against the buffer, then decode with one
// internal thread (c-blosc README_CHUNK_FORMAT.rst; blosc.h).
Bytes decodeBlosc(const Bytes& in, const StageSize& want, const std::string& what) {
  std::size_t nbytes = 0;
  if (in.size() < BLOSC_MIN_HEADER_LENGTH ||
      blosc_cbuffer_validate(in.data(), in.size(), &nbytes) != 0) {
    fail(what, "invalid blosc frame (" + std::to_string(in.size()) +
                   " bytes; truncated or corrupt header)");
  }
  checkStageSize(nbytes, want, "blosc header says it", what);
  if (nbytes > maxDecodedFrom(BytesCodec::Kind::Blosc, in.size()))
    fail(what, "blosc header claims " + std::to_string(nbytes) + " bytes, more than " +
                   std::to_string(in.size()) + " compressed bytes can hold");
  Bytes out(nbytes);
  if (nbytes == 0) return out;
  const int n = blosc_decompress_ctx(in.data(), out.data(), out.size(), 1);
  if (n <= 0 || static_cast<std::size_t>(n) != nbytes) {
    fail(what, "blosc decompression failed (code " + std::to_string(n) + ")");
  }
  return out;
}

Bytes decodeZstd(const Bytes& in, const StageSize& want, const std::string& what) {
  const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) fail(what, "invalid zstd frame");
  thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(),
                                                                        &ZSTD_freeDCtx);
  const std::uint64_t canHold = maxDecodedFrom(BytesCodec::Kind::Zstd, in.size());
  if (size != ZSTD_CONTENTSIZE_UNKNOWN) {
    checkStageSize(size, want, "zstd frame says it", what);
    if (size > canHold)
      fail(what, "zstd frame claims " + std::to_string(size) + " bytes, more than " +
                     std::to_string(in.size()) + " compressed bytes can hold");
    Bytes out(size);
    const std::size_t n =
        ZSTD_decompressDCtx(ctx.get(), out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) fail(what, std::string("zstd: ") + ZSTD_getErrorName(n));
    checkFinalSize(n, out.size(), "zstd", what);
    return out;
  }
  // Content size not recorded: stream into a buffer that grows with the data, never past what
  // this stage may produce.
  ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
  const std::uint64_t limit = std::min<std::uint64_t>(want.size, canHold);
  Bytes out(static_cast<std::size_t>(
      std::min<std::uint64_t>(limit, std::max<std::uint64_t>(in.size() * 4, 4096))));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (;;) {
    const std::size_t r = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(r)) fail(what, std::string("zstd: ") + ZSTD_getErrorName(r));
    if (r == 0) break;
    if (ib.pos == ib.size && ob.pos < ob.size) fail(what, "truncated zstd frame");
    if (ob.pos == ob.size) {
      if (out.size() >= limit) {
        fail(what,
             "zstd data decodes to more than the expected " + std::to_string(limit) + " bytes");
      }
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, limit)));
      ob.dst = out.data();
      ob.size = out.size();
    }
  }
  out.resize(ob.pos);
  checkStageSize(out.size(), want, "zstd", what);
  return out;
}

// zlib (RFC 1950) or gzip (RFC 1952): windowBits 15+32 detects either header. The output
// buffer starts at what the input can produce (exact for valid data) and grows only as data
// arrives, so a 100-byte stream never costs the 2 GiB its metadata declares.
Bytes decodeInflate(const Bytes& in, const StageSize& want, BytesCodec::Kind kind, const char* name,
                    const std::string& what) {
  const std::uint64_t limit = std::min<std::uint64_t>(want.size, maxDecodedFrom(kind, in.size()));
  if (want.exact && want.size > limit)
    fail(what, std::string(name) + " data of " + std::to_string(in.size()) +
                   " bytes cannot decode to the " + std::to_string(want.size) +
                   " bytes the chunk needs (truncated or corrupt)");
  const auto initial = static_cast<std::size_t>(
      want.exact ? limit
                 : std::min<std::uint64_t>(limit, std::max<std::size_t>(in.size() * 4, 4096)));
  // Fast path: ISA-L (io/compress). Whatever it cannot decode in full is decoded again by zlib
  // below, which names the problem.
  if (auto fast = inflateWholeIsal(in.data(), in.size(), limit, initial)) {
    checkStageSize(fast->size(), want, name, what);
    return std::move(*fast);
  }
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) fail(what, "zlib init failed");
  Bytes out(initial);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  int rc = Z_OK;
  for (;;) {
    zs.next_out = out.data() + produced;
    const std::size_t room = std::min<std::size_t>(out.size() - produced, 1u << 30);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      inflateEnd(&zs);
      fail(what, std::string(name) + ": corrupt stream (" + (zs.msg ? zs.msg : "error") + ")");
    }
    if (zs.avail_in == 0 && produced < out.size()) {
      inflateEnd(&zs);
      fail(what, std::string(name) + ": truncated stream");
    }
    if (produced == out.size()) {
      if (out.size() >= limit) {
        inflateEnd(&zs);
        fail(what, std::string(name) + " data decodes to more than the expected " +
                       std::to_string(out.size()) + " bytes");
      }
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, limit)));
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  checkStageSize(produced, want, name, what);
  return out;
}

// The largest input a stage's encoder can emit for `decoded` bytes (zstd/zlib compressBound,
// blosc's 16-byte header, gzip's header/trailer with generous room for optional fields).
std::uint64_t maxEncodedSize(BytesCodec::Kind kind, std::uint64_t decoded) {
  const std::uint64_t n = std::min<std::uint64_t>(decoded, kMaxDecodedChunkBytes);
  switch (kind) {
    case BytesCodec::Kind::Crc32c:
      return n + 4;
    case BytesCodec::Kind::Blosc:
      return n + BLOSC_MAX_OVERHEAD;
    case BytesCodec::Kind::Zstd:
      return ZSTD_compressBound(static_cast<std::size_t>(n));
    case BytesCodec::Kind::Zlib:
      return compressBound(static_cast<uLong>(n)) + 64;
    case BytesCodec::Kind::Gzip:
      return compressBound(static_cast<uLong>(n)) + 65536;
    case BytesCodec::Kind::Lz4:  // numcodecs: 4-byte size header + one LZ4 block
      return n + n / 255 + 16 + 4;
    case BytesCodec::Kind::Bz2:  // bzip2's documented bound: 1 % + 600 bytes
      return n + n / 100 + 600;
    case BytesCodec::Kind::Lzma:  // .xz/.lzma container: stored chunks cost < 1 %, plus headers
      return n + n / 32 + 4096;
  }
  return n;
}

// What each stage (metadata order) may output. Stage 0 outputs exactly `expected`; a stage
// whose inner stages are all crc32c outputs exactly that plus 4 bytes per checksum (so
// [bytes, crc32c, gzip] expects gzip to give 4100 bytes for a 4096-byte chunk); any other stage
// outputs at most what its inner stage's encoder could have produced.
std::vector<StageSize> stageBounds(const std::vector<BytesCodec>& codecs, std::size_t expected) {
  std::vector<StageSize> out(codecs.size());
  StageSize cur{true, expected};
  for (std::size_t k = 0; k < codecs.size(); ++k) {
    out[k] = cur;
    const bool crc = codecs[k].kind == BytesCodec::Kind::Crc32c;
    cur = StageSize{cur.exact && crc, maxEncodedSize(codecs[k].kind, cur.size)};
  }
  return out;
}

Bytes stripCrc32c(Bytes in, const std::string& what) {
  if (in.size() < 4) fail(what, "crc32c: data shorter than its 4-byte checksum");
  const std::size_t n = in.size() - 4;
  const std::uint32_t stored = std::uint32_t(in[n]) | std::uint32_t(in[n + 1]) << 8 |
                               std::uint32_t(in[n + 2]) << 16 | std::uint32_t(in[n + 3]) << 24;
  if (crc32c(in.data(), n) != stored) fail(what, "crc32c checksum mismatch");
  in.resize(n);
  return in;
}

}  // namespace

std::uint32_t crc32c(const std::uint8_t* data, std::size_t size) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

void byteSwapInPlace(std::uint8_t* data, std::size_t count, std::size_t unit) {
  switch (unit) {
    case 2:
      for (std::size_t i = 0; i < count; ++i) {
        std::uint16_t v;
        std::memcpy(&v, data + 2 * i, 2);
        v = __builtin_bswap16(v);
        std::memcpy(data + 2 * i, &v, 2);
      }
      return;
    case 4:
      for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t v;
        std::memcpy(&v, data + 4 * i, 4);
        v = __builtin_bswap32(v);
        std::memcpy(data + 4 * i, &v, 4);
      }
      return;
    case 8:
      for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t v;
        std::memcpy(&v, data + 8 * i, 8);
        v = __builtin_bswap64(v);
        std::memcpy(data + 8 * i, &v, 8);
      }
      return;
    default:
      for (std::size_t i = 0; i < count; ++i) std::reverse(data + unit * i, data + unit * (i + 1));
  }
}

Bytes decodeBytesChain(const std::vector<BytesCodec>& codecs, Bytes input, std::size_t expected,
                       const std::string& what) {
  // Decode order is the reverse of the metadata order; every stage is held to the size its
  // inner stages imply (stageBounds), so no stage can expand past what the chain can use.
  const std::vector<StageSize> bounds = stageBounds(codecs, expected);
  Bytes cur = std::move(input);
  for (std::size_t k = codecs.size(); k-- > 0;) {
    switch (codecs[k].kind) {
      case BytesCodec::Kind::Blosc:
        cur = decodeBlosc(cur, bounds[k], what);
        break;
      case BytesCodec::Kind::Zstd:
        cur = decodeZstd(cur, bounds[k], what);
        break;
      case BytesCodec::Kind::Zlib:
        cur = decodeInflate(cur, bounds[k], BytesCodec::Kind::Zlib, "zlib", what);
        break;
      case BytesCodec::Kind::Gzip:
        cur = decodeInflate(cur, bounds[k], BytesCodec::Kind::Gzip, "gzip", what);
        break;
      case BytesCodec::Kind::Crc32c:
        cur = stripCrc32c(std::move(cur), what);
        break;
      case BytesCodec::Kind::Lz4:
        cur = decodeLz4Numcodecs(cur, bounds[k].exact, static_cast<std::size_t>(bounds[k].size),
                                 what);
        break;
      case BytesCodec::Kind::Bz2:
        cur = decodeBz2(cur, bounds[k].exact, static_cast<std::size_t>(bounds[k].size), what);
        break;
      case BytesCodec::Kind::Lzma:
        cur = decodeLzma(cur, bounds[k].exact, static_cast<std::size_t>(bounds[k].size), what);
        break;
    }
  }
  if (cur.size() != expected) {
    fail(what, "chunk is " + std::to_string(cur.size()) + " bytes, expected " +
                   std::to_string(expected) + " (truncated or corrupt)");
  }
  return cur;
}

}  // namespace nz
