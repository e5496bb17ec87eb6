#pragma once
// The fetch loop shared by dense region reads (loader/region_reader.h) and chunk visits
// (stats/chunk_visit.h): a list of chunks requested through the chunk loader in windows whose
// decoded size fits in half the loader's cache budget (so a window never evicts itself), each
// chunk delivered once on the calling thread.
//
// The call uses the loader exclusively while it runs: it replaces the loader's request set and
// completion notifier (the notifier is cleared on return, the requests too unless every chunk
// came). Blocking: never call on the GUI thread.
#include <functional>
#include <vector>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "loader/chunk_loader.h"

namespace nz {

// A delivered chunk: the voxels of `chunkBox` (raw values, x fastest). Called once per chunk, in
// no particular order.
using ChunkDelivery = std::function<void(const Volume& chunk, const Box& chunkBox)>;

// Chunks already decoded elsewhere (the viewer's session cache): consulted before a chunk is
// requested; nullptr when absent. Called on the calling thread.
using PreloadedChunks = std::function<SharedVolume(const ChunkKey& key)>;

// Fetches `chunks` of `level` (all of them inside the level). `progress` gets the fraction of
// chunks delivered. Throws nz::Error: the first failed chunk's kind and message, Cancelled when
// `cancel` fires, Io when the loader goes idle without delivering a requested chunk.
// `windowBytes` (0: half the loader's cache budget) bounds the decoded bytes requested at once.
// A window larger than the cache is fine when nothing reads the cache afterwards: a delivered
// chunk is handed over whether or not the cache kept it, so a small cache lets each chunk's
// memory be reused for the next as soon as it is copied.
void fetchChunksInWindows(ChunkLoader& loader, const std::shared_ptr<Dataset>& ds, int level,
                          const std::vector<Index5>& chunks, const ChunkDelivery& deliver,
                          const CancelToken& cancel, const ProgressCallback& progress,
                          const PreloadedChunks& preloaded = {}, std::size_t windowBytes = 0);

}  // namespace nz
