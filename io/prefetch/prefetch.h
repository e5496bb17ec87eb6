#pragma once
// Fetching a region of a scan into the disk cache ("Pin for offline", nzview-cli prefetch):
// the plan (which chunks, how big at most) first, then the reads with progress. The dataset
// must have been opened through a disk-cached store (StoreOptions::diskCache with pin = true
// to pin). Qt-free; blocking: run it on a worker thread.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "roi/roi_box.h"

namespace nz {

struct PrefetchPlan {
  struct Chunk {
    int level = 0;
    Index5 index{};
  };
  std::vector<Chunk> chunks;
  std::vector<int> levels;
  std::uint64_t decodedBytes = 0;  // upper bound of what is stored (codecs only shrink it)
};

// The chunks of `levels` (all when empty) covering the level-0 region `roi` (clipped to the
// volume). Throws nz::Error(InvalidArgument) for a level that does not exist or an empty region.
PrefetchPlan planPrefetch(const Dataset& ds, std::vector<int> levels, const RoiBox& roi);

struct PrefetchProgress {
  std::size_t done = 0, total = 0, failed = 0;
  std::string firstError;
};

// Reads every planned chunk (at most `maxInFlight` at once), calling `progress` after each
// (from worker threads, serialised). Returns when all are done or cancelled; waits until the
// cache holds what was fetched.
PrefetchProgress runPrefetch(Dataset& ds, const PrefetchPlan& plan, std::size_t maxInFlight,
                             CancelToken cancel = {},
                             std::function<void(const PrefetchProgress&)> progress = {});

}  // namespace nz
