#include "loader/region_reader.h"

#include "core/error.h"
#include "loader/chunk_windows.h"
#include "volume/volume_copy.h"

namespace nz {

Volume readRegionThroughLoader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                               const Box& box, double padRaw, CancelToken cancel,
                               ProgressCallback progress) {
  if (!ds) throw Error(ErrorKind::InvalidArgument, "readRegionThroughLoader: no dataset");
  Volume out = paddedRegion(ds->info(), level, box, padRaw);
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled: " + ds->info().uri);
  fetchChunksInWindows(
      loader, ds, level, ds->chunksIntersecting(level, box),
      [&](const Volume& chunk, const Box& chunkBox) { copyOverlap(chunk, chunkBox, out, box); },
      cancel, progress);
  return out;
}

}  // namespace nz
