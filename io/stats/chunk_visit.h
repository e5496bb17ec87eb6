#pragma once
// Streams the chunks of a region through the chunk loader, handing each decoded chunk to a
// visitor instead of copying it into one dense buffer: what statistics over a many-GiB ROI need
// (memory stays at the loader's window, half its cache budget). Chunks the loader already holds
// are not fetched again, so a second pass over a region that fits the cache costs no request.
//
//   nz::visitRegionThroughLoader(loader, ds, level, box,
//       [&](const nz::Volume& chunk, const nz::Box& chunkBox, const nz::Box& overlap) {...},
//       cancel, progress);
//
// Like readRegionThroughLoader, the call uses the loader exclusively while it runs (it replaces
// the loader's request set and completion notifier). Blocking: never call on the GUI thread.
#include <functional>
#include <memory>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "loader/chunk_loader.h"
#include "loader/chunk_windows.h"

namespace nz {

// `chunk` holds the voxels of `chunkBox` (raw values, x fastest); `overlap` is the part of it
// inside the requested box (never empty). Called on the calling thread, once per chunk, in no
// particular order.
using ChunkVisitor =
    std::function<void(const Volume& chunk, const Box& chunkBox, const Box& overlap)>;

// `preloaded` (loader/chunk_windows.h): chunks already decoded elsewhere (the viewer's session
// cache). Called on the visiting thread, so it must be thread-safe (a lookup in a snapshot map
// taken beforehand is).

// Visits every chunk of `level` intersecting `box` (which may reach outside the volume; only the
// inside is visited). Throws nz::Error: the first failed chunk's kind and message, Cancelled when
// `cancel` fires, InvalidArgument for a level that does not exist.
void visitRegionThroughLoader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                              const Box& box, const ChunkVisitor& visit, CancelToken cancel = {},
                              ProgressCallback progress = {},
                              const PreloadedChunks& preloaded = {});

// The intersection of two boxes (empty when they do not meet).
Box intersectBoxes(const Box& a, const Box& b);

}  // namespace nz
