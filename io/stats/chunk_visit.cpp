#include "stats/chunk_visit.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "loader/chunk_windows.h"

namespace nz {

Box intersectBoxes(const Box& a, const Box& b) {
  Box r;
  for (int i = 0; i < 5; ++i) {
    r.begin[i] = std::max(a.begin[i], b.begin[i]);
    r.end[i] = std::max(r.begin[i], std::min(a.end[i], b.end[i]));
  }
  return r;
}

void visitRegionThroughLoader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, int level,
                              const Box& box, const ChunkVisitor& visit, CancelToken cancel,
                              ProgressCallback progress, const PreloadedChunks& preloaded) {
  if (!ds) throw Error(ErrorKind::InvalidArgument, "visitRegionThroughLoader: no dataset");
  const DatasetInfo& info = ds->info();
  if (level < 0 || level >= static_cast<int>(info.levels.size()))
    throw Error(ErrorKind::InvalidArgument,
                "level " + std::to_string(level) + " does not exist in " + info.uri);
  const LevelInfo& lv = info.levels[static_cast<std::size_t>(level)];
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled: " + info.uri);
  Box whole;
  whole.end = lv.shape;
  const Box inside = intersectBoxes(box, whole);
  if (inside.empty()) return;
  const std::vector<Index5> chunks = ds->chunksIntersecting(level, inside);

  fetchChunksInWindows(
      loader, ds, level, chunks,
      [&](const Volume& chunk, const Box& chunkBox) {
        const Box overlap = intersectBoxes(chunkBox, inside);
        if (!overlap.empty()) visit(chunk, chunkBox, overlap);
      },
      cancel, progress, preloaded);
}

}  // namespace nz
