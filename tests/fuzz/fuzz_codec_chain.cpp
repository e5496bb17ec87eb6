// libFuzzer target: chains of bytes->bytes codecs through decodeBytesChain (the per-stage size
// bounds: no stage may expand past what the next can take; [bytes, crc32c, gzip] decodes).
// Input: 1 byte picks the chain, 4 bytes little-endian expected size (modulo 256 KiB), then
// the stored bytes. A decoded result must be exactly `expected` bytes.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "fuzz_common.h"
#include "zarr/codecs.h"

namespace {

using K = nz::BytesCodec::Kind;

const std::vector<std::vector<K>>& chains() {
  static const std::vector<std::vector<K>> c = {
      {K::Crc32c, K::Gzip},  {K::Gzip, K::Zstd},           {K::Zstd, K::Gzip},
      {K::Crc32c, K::Zstd},  {K::Zlib, K::Crc32c},         {K::Blosc, K::Gzip},
      {K::Gzip, K::Gzip},    {K::Crc32c, K::Crc32c},       {K::Zstd, K::Zlib},
      {K::Crc32c, K::Blosc}, {K::Gzip, K::Crc32c, K::Zstd}};
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const auto& kinds = chains()[data[0] % chains().size()];
  const std::size_t expected = nzfuzz::readLe32(data + 1) % (std::size_t{256} << 10);
  std::vector<nz::BytesCodec> chain;
  for (K k : kinds) chain.push_back({k, "codec", ""});
  try {
    const nz::Bytes raw =
        nz::decodeBytesChain(chain, nz::Bytes(data + 5, data + size), expected, "fuzz/c/0/0/0");
    if (raw.size() != expected) std::abort();
  } catch (const nz::Error&) {
  }
  return 0;
}
