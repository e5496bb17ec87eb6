// libFuzzer target: one bytes->bytes codec decoder from io/zarr/codecs.h, chosen at build time
// by NZ_FUZZ_CODEC (a nz::BytesCodec::Kind enumerator: Blosc, Zstd, Zlib, Gzip, Crc32c).
// Input: 4 bytes little-endian expected decoded size (taken modulo 256 KiB, so the mutator can
// hit the right size), then the stored bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "fuzz_common.h"
#include "zarr/codecs.h"

#ifndef NZ_FUZZ_CODEC
#error "define NZ_FUZZ_CODEC"
#endif
#define NZ_FUZZ_STR2(x) #x
#define NZ_FUZZ_STR(x) NZ_FUZZ_STR2(x)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::size_t expected = nzfuzz::readLe32(data) % (std::size_t{256} << 10);
  nz::Bytes stored(data + 4, data + size);
  const std::vector<nz::BytesCodec> chain = {
      {nz::BytesCodec::Kind::NZ_FUZZ_CODEC, NZ_FUZZ_STR(NZ_FUZZ_CODEC), ""}};
  try {
    const nz::Bytes raw = nz::decodeBytesChain(chain, std::move(stored), expected, "fuzz/0/0/0");
    if (raw.size() != expected) std::abort();  // the contract: exactly `expected` bytes
  } catch (const nz::Error&) {
  }
  (void)nz::crc32c(data, size);
  return 0;
}
