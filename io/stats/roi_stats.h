#pragma once
// Statistics of a region of one pyramid level, streamed chunk by chunk through the chunk loader
// (cached chunks are not fetched again; memory stays at the loader's window plus the
// rank-selection tables, whatever the ROI's size). Exact: at level 0 the numbers equal numpy's
// on the same voxels (np.nanmin/max/mean/std(ddof=0)/median/percentile(method='linear') of
// nibabel's get_fdata()). Values are scaled (scl_slope/scl_inter) when the scan has scaling.
// Qt-free.
//
//   nz::ChunkLoader loader;
//   nz::RoiStatsRequest req{.level = 0, .box = nz::parseRoiText("0:64,0:64,0:32", shape)};
//   nz::RoiStats s = nz::computeRoiStats(loader, ds, req, cancel, progress);
//
// Median and percentiles need a second pass over the ROI for 32-bit data and up to four for
// 64-bit data (see rank_select.h); the passes share the loader, so a ROI that fits the loader's
// cache is fetched once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "loader/chunk_loader.h"
#include "stats/chunk_visit.h"

namespace nz {

struct RoiStatsRequest {
  int level = 0;
  Box box;  // voxels of `level`, t and c ranges included; clipped to the volume
  std::vector<double> percentiles{1, 5, 25, 75, 95, 99};
  // The dataset is a label map: also count voxels per label value (with bounding boxes).
  bool perLabel = false;
  // The image statistics inside each label of this separate label map, resampled nearest-
  // neighbour from its finest level onto the image's grid at `level` (as `export --with`).
  std::shared_ptr<Dataset> labels;
  ChunkLoader* labelLoader = nullptr;  // loader for `labels` (required with it)
  // Chunks of the dataset already decoded (the viewer's cache): used instead of fetching.
  PreloadedChunks preloaded;
};

struct LabelStats {
  std::int64_t label = 0;
  std::uint64_t voxels = 0;
  double volume = 0;  // mm^3
  Box bbox;           // voxels of the request's level (spatial axes; t, c of the ROI)
  // The image's values inside the label (scaled; with RoiStatsRequest::labels, else the label).
  double min = 0, max = 0, mean = 0, std = 0;
  std::uint64_t nanCount = 0;
};

struct RoiStats {
  std::string uri;
  int level = 0;
  Box box;                   // the ROI clipped to the level's volume
  std::uint64_t voxels = 0;  // voxels in the box (NaNs included)
  std::uint64_t nanCount = 0;
  std::uint64_t valid = 0;  // voxels - nanCount
  double voxelVolume = 0;   // mm^3 of one voxel of the level (|det| of its affine, unit-converted)
  double volume = 0;        // voxels of one time point and channel x voxelVolume
  bool scaled = false;      // scl_slope/scl_inter applied
  double min = 0, max = 0, mean = 0, std = 0, median = 0;  // NaN when valid == 0
  std::vector<std::pair<double, double>> percentiles;      // (p, value)
  int passes = 0;                                          // passes over the ROI's chunks
  std::vector<LabelStats> labels;  // sorted by label value (perLabel or labels set)
};

// Throws nz::Error: InvalidArgument for an empty ROI, an ROI outside the volume, a level that
// does not exist, complex or RGB data, a label map that is not an integer map or does not meet
// the ROI in world space, or more than 1,048,576 distinct labels; Cancelled; fetch errors.
RoiStats computeRoiStats(ChunkLoader& loader, std::shared_ptr<Dataset> ds,
                         const RoiStatsRequest& request, CancelToken cancel = {},
                         ProgressCallback progress = {});

// mm^3 of one voxel of `level` (|det| of the affine's 3x3, the file's space unit converted).
double voxelVolumeMm3(const DatasetInfo& info, int level);

// numpy's 'linear' percentile of a sorted sequence given its two neighbours a = s[floor(i)],
// b = s[ceil(i)] and the fraction t = i - floor(i) (numpy's _lerp, bit for bit).
double numpyLerp(double a, double b, double t);

}  // namespace nz
