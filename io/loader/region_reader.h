#pragma once
// Dense region reads (exports) through the chunk loader, so `nzview-cli export` and the viewer's
// export use the same fetch path, cache and counters (`--stats`) as the slice views.
//
//   nz::ChunkLoader loader({.cacheBytes = 512 << 20, .maxInFlight = 128});
//   nz::Volume v = nz::readRegionThroughLoader(loader, ds, level, box, pad, cancel, progress);
//   nz::loaderMetricsJson(loader.metrics());   // requests, bytes, cache hits, ...
//
// The region's chunks are requested in windows whose decoded size fits in half the loader's
// cache budget (so a window never evicts itself), each chunk once (loader/chunk_windows.h). The
// call uses the loader exclusively while it runs: it replaces the loader's request set and
// completion notifier (the notifier is cleared on return). Blocking: never call on the GUI
// thread.
#include <memory>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "loader/chunk_loader.h"

namespace nz {

// Same result as Dataset::readRegion (outside voxels = padRaw, raw values). Throws nz::Error:
// the first failed chunk's kind and message, Cancelled when `cancel` fires (the loader's queue
// is dropped at once; running fetches are aborted by later requests or the loader's destructor).
// `windowBytes`: as in fetchChunksInWindows (0: half the loader's cache budget).
Volume readRegionThroughLoader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                               const Box& box, double padRaw = 0, CancelToken cancel = {},
                               ProgressCallback progress = {}, std::size_t windowBytes = 0);
// The same into `out`, reusing its memory (a streamed export reads slab after slab into one).
void readRegionThroughLoaderInto(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                                 const Box& box, double padRaw, Volume& out,
                                 CancelToken cancel = {}, ProgressCallback progress = {},
                                 std::size_t windowBytes = 0);

}  // namespace nz
