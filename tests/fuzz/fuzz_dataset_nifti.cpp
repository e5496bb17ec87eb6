// libFuzzer target: opening a plain NIfTI file dataset (.nii or .nii.gz) from an
// nz::MemoryStore (io/dataset/dataset.h, openDataset), then reading the first chunk.
// Input: 1 byte choosing the name (even: scan.nii, odd: scan.nii.gz), then the file.
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "dataset/dataset.h"
#include "store/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string name = data[0] % 2 ? "scan.nii.gz" : "scan.nii";
  auto store = std::make_shared<nz::MemoryStore>("fuzz");
  store->put(name, nz::Bytes(data + 1, data + size));
  std::shared_ptr<nz::Dataset> ds;
  try {
    ds = nz::openDataset(store, name);
  } catch (const nz::Error&) {
    return 0;
  }
  if (ds->info().levels.empty()) return 0;
  const nz::Box box = ds->chunkBox(0, {0, 0, 0, 0, 0});
  const double bytes =
      static_cast<double>(box.voxelCount()) * nz::dtypeSize(ds->info().levels[0].dtype);
  if (box.voxelCount() <= 0 || bytes > 4.0 * 1024 * 1024) return 0;
  try {
    (void)ds->readRegion(0, box);
  } catch (const nz::Error&) {
  }
  return 0;
}
