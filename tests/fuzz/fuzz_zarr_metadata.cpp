// libFuzzer target: Zarr array metadata parsing, v2 .zarray (NZ_FUZZ_ZARR_V3 undefined) or
// v3 zarr.json (NZ_FUZZ_ZARR_V3=1), from io/zarr/zarr_metadata.h. Parsed metadata is then used
// the way the readers use it (grid shape, read shape, chunk keys).
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "fuzz_common.h"
#include "zarr/zarr_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = nzfuzz::asString(data, size);
  try {
#if NZ_FUZZ_ZARR_V3
    const nz::ZarrArrayMeta m = nz::parseZarrArrayV3(text, "fuzz/zarr.json");
#else
    const nz::ZarrArrayMeta m = nz::parseZarrArrayV2(text, "fuzz/.zarray");
#endif
    const std::vector<std::int64_t> grid = m.gridShape();
    (void)m.readShape();
    std::vector<std::int64_t> first(m.ndim(), 0), last(m.ndim(), 0);
    for (std::size_t i = 0; i < grid.size() && i < last.size(); ++i)
      last[i] = grid[i] > 0 ? grid[i] - 1 : 0;
    (void)m.chunkKey("0", first);
    (void)m.chunkKey("", last);
  } catch (const nz::Error&) {
  }
  return 0;
}
