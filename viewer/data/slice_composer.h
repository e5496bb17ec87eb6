#pragma once
// Builds the 2D image a slice view shows from the chunks already delivered (on the view's
// compose worker, views/view_composer.h; thread-safe: it reads only metadata and the lookup).
// The image is in the target level's voxel grid, covering only the visible window; pixels are
// filled coarsest level first and overwritten by every finer level that has the chunk, so the
// view is never blank once coarse data exists. Only chunks of the visible plane are touched.
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loader/chunk_key.h"
#include "loader/slice_request.h"
#include "model/orientation.h"

namespace nzviewer {

// Chunks delivered to the GUI thread (decoded voxels; fill-valued for missing chunks).
using ChunkMap = std::unordered_map<nz::ChunkKey, nz::SharedVolume, nz::ChunkKeyHash>;
using ChunkSet = std::unordered_set<nz::ChunkKey, nz::ChunkKeyHash>;
// Finds a delivered chunk (nullptr when absent): the viewer looks chunks up in the loader's
// cache, where the chunks on screen are kept (the current generation's Visible tier).
using ChunkLookup = std::function<nz::SharedVolume(const nz::ChunkKey&)>;

// Level-0 voxel size (mm) along x, y, z, used as display units.
std::array<double, 3> displaySpacing(const nz::DatasetInfo& info);

struct ComposedSlice {
  int width = 0, height = 0;          // pixels; x right, y up (row 0 is the bottom row)
  std::vector<float> pixels;          // scaled intensities; NaN where nothing is loaded
  double originX = 0, originY = 0;    // display mm of pixel (0, 0)'s centre
  double spacingX = 1, spacingY = 1;  // display mm per pixel
  int targetLevel = 0;
  int finestLevelShown = -1;  // finest level that contributed a chunk (-1: none yet)
  std::size_t targetChunks = 0, targetChunksReady = 0;  // at the target level
  double milliseconds = 0;                              // time spent composing
  bool complete() const { return targetChunksReady == targetChunks; }
};

// `plane`: the visible window (level-0 voxels) at the crosshair; `channel`: which channel.
// `failed` chunks count as ready (they will never arrive).
ComposedSlice composeSlice(const nz::Dataset& dataset, const ViewAxes& axes,
                           const nz::SlicePlane& plane, int targetLevel, std::int64_t channel,
                           const ChunkLookup& chunks, const ChunkSet& failed);
// The same from a map of chunks (tests, tools).
ComposedSlice composeSlice(const nz::Dataset& dataset, const ViewAxes& axes,
                           const nz::SlicePlane& plane, int targetLevel, std::int64_t channel,
                           const ChunkMap& chunks, const ChunkSet& failed);

}  // namespace nzviewer
