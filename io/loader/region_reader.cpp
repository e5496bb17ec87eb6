#include "loader/region_reader.h"

#include "core/error.h"
#include "loader/chunk_windows.h"
#include "volume/volume_copy.h"

namespace nz {

void readRegionThroughLoaderInto(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                                 const Box& box, double padRaw, Volume& out, CancelToken cancel,
                                 ProgressCallback progress, std::size_t windowBytes) {
  if (!ds) throw Error(ErrorKind::InvalidArgument, "readRegionThroughLoader: no dataset");
  paddedRegionInto(ds->info(), level, box, padRaw, out);
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled: " + ds->info().uri);
  fetchChunksInWindows(
      loader, ds, level, ds->chunksIntersecting(level, box),
      [&](const Volume& chunk, const Box& chunkBox) { copyOverlap(chunk, chunkBox, out, box); },
      cancel, progress, {}, windowBytes);
}

Volume readRegionThroughLoader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                               const Box& box, double padRaw, CancelToken cancel,
                               ProgressCallback progress, std::size_t windowBytes) {
  Volume out;
  readRegionThroughLoaderInto(loader, std::move(ds), level, box, padRaw, out, std::move(cancel),
                              std::move(progress), windowBytes);
  return out;
}

}  // namespace nz
