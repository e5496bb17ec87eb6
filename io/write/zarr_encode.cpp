#include "write/zarr_encode.h"

#include <blosc.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "core/error.h"
#include "zarr/codec_registry.h"

namespace nz {

namespace {

// The encoder of a registry entry that nzview writes ("none", the one such entry nzview does
// not read, stores chunks as they are).
CompressorSpec::Kind encoderOf(const CodecEntry& e) {
  using K = CompressorSpec::Kind;
  if (!e.reads) return K::None;
  switch (e.kind) {
    case BytesCodec::Kind::Blosc:
      return K::Blosc;
    case BytesCodec::Kind::Zstd:
      return K::Zstd;
    case BytesCodec::Kind::Gzip:
      return K::Gzip;
    default:
      break;
  }
  throw Error(ErrorKind::Unsupported, std::string("compressor '") + e.name + "' has no encoder");
}

}  // namespace

CompressorSpec CompressorSpec::defaults(const std::string& name, int zarrVersion) {
  const CodecEntry* entry = findCodec(name);
  if (!entry || !entry->writes || name != entry->name)
    throw Error(ErrorKind::InvalidArgument, "unknown compressor '" + name + "' (expected " +
                                                joinWritableCompressors(", ", " or ") + ")");
  CompressorSpec c;
  c.kind = encoderOf(*entry);
  if (c.kind == Kind::Blosc) {
    // numcodecs Blosc() (v2) vs zarr-python 3 BloscCodec() (v3), as niizarr gets them.
    c.bloscCname = zarrVersion == 2 ? "lz4" : "zstd";
    c.bloscShuffle = zarrVersion == 2 ? 1 : -1;
  }
  c.level = 5;
  return c;
}

const char* CompressorSpec::name() const {
  for (const CodecEntry& e : codecRegistry())
    if (e.writes && encoderOf(e) == kind) return e.name;
  return "none";
}

int CompressorSpec::shuffleFor(std::size_t typesize) const {
  if (bloscShuffle >= 0) return bloscShuffle;
  return typesize == 1 ? BLOSC_BITSHUFFLE : BLOSC_SHUFFLE;
}

namespace {

Bytes bloscEncode(const CompressorSpec& s, const std::uint8_t* data, std::size_t n,
                  std::size_t typesize) {
  Bytes out(n + BLOSC_MAX_OVERHEAD);
  // Single internal thread: the writer already encodes chunks in parallel.
  int r = blosc_compress_ctx(s.level, s.shuffleFor(typesize), typesize, n, data, out.data(),
                             out.size(), s.bloscCname.c_str(), 0, 1);
  if (r <= 0) {
    throw Error(ErrorKind::InvalidArgument,
                "blosc compression failed (cname '" + s.bloscCname + "')");
  }
  out.resize(static_cast<std::size_t>(r));
  return out;
}

Bytes zstdEncode(int level, const std::uint8_t* data, std::size_t n) {
  Bytes out(ZSTD_compressBound(n));
  std::size_t r = ZSTD_compress(out.data(), out.size(), data, n, level);
  if (ZSTD_isError(r)) {
    throw Error(ErrorKind::InvalidData,
                std::string("zstd compression failed: ") + ZSTD_getErrorName(r));
  }
  out.resize(r);
  return out;
}

// RFC 1952 gzip member (windowBits 15+16), as numcodecs GZip / zarr v3 gzip write.
Bytes gzipEncode(int level, const std::uint8_t* data, std::size_t n) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(ErrorKind::InvalidData, "gzip: deflateInit2 failed");
  }
  Bytes out(deflateBound(&zs, n) + 32);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(n);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&zs, Z_FINISH);
  std::size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (r != Z_STREAM_END) throw Error(ErrorKind::InvalidData, "gzip compression failed");
  out.resize(produced);
  return out;
}

}  // namespace

Bytes encodeCompressed(const CompressorSpec& spec, const std::uint8_t* data, std::size_t n,
                       std::size_t typesize) {
  switch (spec.kind) {
    case CompressorSpec::Kind::Blosc:
      return bloscEncode(spec, data, n, typesize);
    case CompressorSpec::Kind::Zstd:
      return zstdEncode(spec.level, data, n);
    case CompressorSpec::Kind::Gzip:
      return gzipEncode(spec.level, data, n);
    case CompressorSpec::Kind::None:
      break;
  }
  return Bytes(data, data + n);
}

}  // namespace nz
