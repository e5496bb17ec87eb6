// gzip/zlib chunk decode: the zarr codec chain (ISA-L fast path) against zlib's uncompress on
// the same chunks. A 64^3 uint16 chunk of smooth data plus noise (an MRI-like mix), compressed
// by zlib at level 5 (numcodecs' Zlib default) and as gzip. Prints decoded MB/s, one core.
// Usage: codec_bench [iterations]
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "zarr/codecs.h"

using namespace nz;

namespace {

Bytes chunk() {
  std::mt19937 rng(3);
  Bytes raw(64 * 64 * 64 * 2);
  for (std::size_t i = 0; i < raw.size() / 2; ++i) {
    const std::size_t x = i % 64, y = (i / 64) % 64, z = i / 4096;
    const unsigned v = static_cast<unsigned>(400 + 3 * x + 2 * y + z) + rng() % 32;
    raw[2 * i] = static_cast<std::uint8_t>(v & 0xff);
    raw[2 * i + 1] = static_cast<std::uint8_t>(v >> 8);
  }
  return raw;
}

Bytes deflateWith(const Bytes& in, int windowBits) {
  z_stream z{};
  deflateInit2(&z, 5, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&z, in.size()) + 64);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::stoi(argv[1]) : 200;
  const Bytes raw = chunk();
  std::printf("%-8s %10s %14s %14s %8s\n", "codec", "ratio", "zlib MB/s", "nzview MB/s", "speedup");
  for (const bool gzip : {false, true}) {
    const Bytes packed = deflateWith(raw, gzip ? 15 + 16 : 15);
    const BytesCodec codec{gzip ? BytesCodec::Kind::Gzip : BytesCodec::Kind::Zlib,
                           gzip ? "gzip" : "zlib", ""};
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
      z_stream z{};
      inflateInit2(&z, 15 + 32);
      Bytes out(raw.size());
      z.next_in = const_cast<Bytef*>(packed.data());
      z.avail_in = static_cast<uInt>(packed.size());
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      inflate(&z, Z_FINISH);
      inflateEnd(&z);
      if (out != raw) return 1;
    }
    const double zlibS = seconds(t0);
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i)
      if (decodeBytesChain({codec}, packed, raw.size(), "bench") != raw) return 1;
    const double ourS = seconds(t0);
    const double mb = static_cast<double>(raw.size()) * iterations / 1e6;
    std::printf("%-8s %9.2fx %14.0f %14.0f %7.2fx\n", gzip ? "gzip" : "zlib",
                static_cast<double>(raw.size()) / static_cast<double>(packed.size()), mb / zlibS,
                mb / ourS, zlibS / ourS);
  }
  return 0;
}
