// libFuzzer target: opening a NIfTI-Zarr / OME-Zarr dataset (v2 or v3) from an nz::MemoryStore
// filled from the input (io/dataset/dataset.h, openDataset), then reading the first chunk of the
// coarsest and the finest level. Input: records "key\nvalue" separated by "\n@@@@\n"
// (see fuzz_common.h), e.g. .zgroup, .zattrs, nifti/.zarray, nifti/0, 0/.zarray, 0/0/0/0.
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "core/error.h"
#include "dataset/dataset.h"
#include "fuzz_common.h"
#include "store/memory_store.h"

namespace {

// Reads chunk 0 of `level` unless it is too big to be worth decoding here (the parsers may
// legitimately accept huge chunk shapes; allocating them is not what this target checks).
// First through readChunkAsync (a lost callback shows up as a timeout in this frame), then
// through readRegion (fetch, copy into the region, padding).
void readFirstChunk(nz::Dataset& ds, int level) {
  const nz::LevelInfo& info = ds.info().levels.at(static_cast<std::size_t>(level));
  const nz::Box box = ds.chunkBox(level, {0, 0, 0, 0, 0});
  const double bytes = static_cast<double>(box.voxelCount()) * nz::dtypeSize(info.dtype);
  if (box.voxelCount() <= 0 || bytes > 4.0 * 1024 * 1024) return;
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  ds.readChunkAsync(level, {0, 0, 0, 0, 0}, {}, [done, box](nz::ChunkResult r) {
    if (r.ok && (!r.volume || r.volume->shape != box.shape())) std::abort();
    done->set_value();
  });
  finished.wait();
  try {
    (void)ds.readRegion(level, box);
  } catch (const nz::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto store = std::make_shared<nz::MemoryStore>("fuzz.nii.zarr");
  for (auto& [key, value] : nzfuzz::splitRecords(data, size)) store->put(key, std::move(value));
  std::shared_ptr<nz::Dataset> ds;
  try {
    ds = nz::openDataset(store, "mem://fuzz.nii.zarr");
  } catch (const nz::Error&) {
    return 0;
  }
  const int levels = static_cast<int>(ds->info().levels.size());
  if (levels == 0) return 0;
  readFirstChunk(*ds, levels - 1);
  if (levels > 1) readFirstChunk(*ds, 0);
  return 0;
}
