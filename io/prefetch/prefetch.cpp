#include "prefetch/prefetch.h"

#include <condition_variable>
#include <mutex>

#include "cache/caching_store.h"
#include "volume/dtype.h"

namespace nz {

PrefetchPlan planPrefetch(const Dataset& ds, std::vector<int> levels, const RoiBox& roi) {
  const DatasetInfo& info = ds.info();
  if (levels.empty())
    for (std::size_t l = 0; l < info.levels.size(); ++l) levels.push_back(static_cast<int>(l));
  for (int l : levels)
    if (l < 0 || l >= static_cast<int>(info.levels.size()))
      throw Error(ErrorKind::InvalidArgument, "level " + std::to_string(l) +
                                                  " does not exist (levels 0.." +
                                                  std::to_string(info.levels.size() - 1) + ")");
  const RoiBox region = roi.clipped(info);
  if (region.empty()) throw Error(ErrorKind::InvalidArgument, "the region lies outside the volume");
  PrefetchPlan plan;
  plan.levels = levels;
  for (int l : levels) {
    const std::size_t voxelBytes = dtypeSize(info.levels[static_cast<std::size_t>(l)].dtype);
    for (const Index5& c : ds.chunksIntersecting(l, region.toLevel(info, l))) {
      plan.chunks.push_back({l, c});
      plan.decodedBytes += static_cast<std::uint64_t>(ds.chunkBox(l, c).voxelCount()) * voxelBytes;
    }
  }
  return plan;
}

PrefetchProgress runPrefetch(Dataset& ds, const PrefetchPlan& plan, std::size_t maxInFlight,
                             CancelToken cancel,
                             std::function<void(const PrefetchProgress&)> progress) {
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    std::size_t inFlight = 0;
    PrefetchProgress p;
  } s;
  s.p.total = plan.chunks.size();
  if (maxInFlight == 0) maxInFlight = 1;
  for (const auto& c : plan.chunks) {
    {
      std::unique_lock lock(s.m);
      s.cv.wait(lock, [&] { return s.inFlight < maxInFlight; });
      if (cancel.cancelled()) break;
      s.inFlight++;
    }
    ds.readChunkAsync(c.level, c.index, cancel, [&s, &progress](ChunkResult r) {
      std::lock_guard lock(s.m);
      s.p.done++;
      if (!r.ok && s.p.failed++ == 0) s.p.firstError = r.error;
      if (progress) progress(s.p);
      s.inFlight--;
      s.cv.notify_all();
    });
  }
  {
    std::unique_lock lock(s.m);
    s.cv.wait(lock, [&] { return s.inFlight == 0; });
  }
  waitForDiskCacheWrites();
  return s.p;
}

}  // namespace nz
