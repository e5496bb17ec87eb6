// libFuzzer target: Zarr v3 sharding (sharding_indexed): the shard index decoder (offsets and
// sizes, index at start or end, with or without crc32c) and the inner chunk decoding it drives
// (io/zarr/zarr_array.h). Input: 1 byte choosing the metadata variant, then the shard object.
// The array is 8x8x8 uint16 in one 8x8x8 shard of eight 4x4x4 inner chunks; every inner chunk
// is read through ZarrArray::readChunkAsync from an nz::MemoryStore.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/memory_store.h"
#include "zarr/zarr_array.h"
#include "zarr/zarr_metadata.h"

namespace {

std::string metadata(int variant) {
  static const char* kInner[] = {
      R"([{"name":"bytes","configuration":{"endian":"little"}}])",
      R"([{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":1,"checksum":false}}])",
      R"([{"name":"bytes","configuration":{"endian":"little"}},{"name":"blosc","configuration":{"typesize":2,"cname":"lz4","clevel":5,"shuffle":"shuffle","blocksize":0}}])",
      R"([{"name":"bytes","configuration":{"endian":"big"}},{"name":"gzip","configuration":{"level":1}}])",
  };
  static const char* kIndex[] = {
      R"([{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}])",
      R"([{"name":"bytes","configuration":{"endian":"little"}}])",
  };
  const char* inner = kInner[variant % 4];
  const char* index = kIndex[(variant / 4) % 2];
  const char* location = (variant / 8) % 2 ? "start" : "end";
  return std::string(
             R"({"zarr_format":3,"node_type":"array","shape":[8,8,8],"data_type":"uint16",)") +
         R"("chunk_grid":{"name":"regular","configuration":{"chunk_shape":[8,8,8]}},)" +
         R"("chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},)" +
         R"("fill_value":0,"codecs":[{"name":"sharding_indexed","configuration":{)" +
         R"("chunk_shape":[4,4,4],"codecs":)" + inner + R"(,"index_codecs":)" + index +
         R"(,"index_location":")" + location + R"("}}]})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int variant = data[0] % 16;
  // Metadata is fixed per variant (parsing it is fuzzed elsewhere); a failure here is a bug.
  nz::ZarrArrayMeta meta = nz::parseZarrArrayV3(metadata(variant), "fuzz/0/zarr.json");
  auto store = std::make_shared<nz::MemoryStore>("fuzz");
  store->put("0/c/0/0/0", nz::Bytes(data + 1, data + size));
  auto array = std::make_shared<nz::ZarrArray>(store, "0", std::move(meta));
  std::vector<std::future<void>> pending;
  for (std::int64_t z = 0; z < 2; ++z) {
    for (std::int64_t y = 0; y < 2; ++y) {
      for (std::int64_t x = 0; x < 2; ++x) {
        auto done = std::make_shared<std::promise<void>>();
        pending.push_back(done->get_future());
        array->readChunkAsync({z, y, x}, {}, [done](nz::ZarrChunk chunk, std::exception_ptr e) {
          if (!e && !chunk.missing && chunk.data.size() != 4 * 4 * 4 * 2) std::abort();
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const nz::Error&) {
            }  // anything else propagates and terminates: a finding
          }
          done->set_value();
        });
      }
    }
  }
  for (auto& f : pending) {
    // A callback that never comes is a hang: let libFuzzer's -timeout report it.
    f.wait();
  }
  return 0;
}
