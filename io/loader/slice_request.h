#pragma once
// Which chunks a slice view shows, and the full request set for a set of views (the three
// orthogonal views around the crosshair). Pure functions of the dataset metadata: no I/O.
//
// Coordinates: continuous level-0 voxel indices (voxel i spans [i - 0.5, i + 0.5]), NIfTI axis
// order. A view looks along a normal axis (0 = x sagittal, 1 = y coronal, 2 = z axial); its
// in-plane axes are u (the lower axis index) and v (the higher): x,y for axial, x,z for
// coronal, y,z for sagittal.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataset/dataset.h"
#include "loader/chunk_key.h"
#include "loader/level_of_detail.h"

namespace nz {

struct SlicePlane {
  int axis = 2;           // normal axis
  double position = 0;    // along `axis`, level-0 voxels (rounded to the nearest voxel)
  double u0 = 0, u1 = 0;  // visible window along u, level-0 voxels (edges; may reach outside)
  double v0 = 0, v1 = 0;  // visible window along v
  std::int64_t t = 0;     // time index (every channel is requested)
};

// In-plane axes (u, v) of a view along `axis`.
std::array<int, 2> inPlaneAxes(int axis);
// A plane at `position` whose window is the whole slice.
SlicePlane wholeSlice(const DatasetInfo& info, int axis, double position, std::int64_t t = 0);

// Voxel box of `level` (one voxel thick along the normal, all channels) that the plane shows;
// clipped to the level shape (empty when the window misses the volume).
Box sliceBox(const DatasetInfo& info, int level, const SlicePlane& plane);
// Chunks of `level` intersecting `box` (clipped to the level), x fastest.
std::vector<Index5> chunksInBox(const LevelInfo& level, const Box& box);
// Voxels of one chunk, cropped to the level shape (same as Dataset::chunkBox).
Box chunkBoxOf(const LevelInfo& level, const Index5& chunk);
// Chunks of `level` the plane shows.
std::vector<Index5> visibleChunks(const DatasetInfo& info, int level, const SlicePlane& plane);

struct ViewSlice {
  SlicePlane plane;
  double screenPixelMm = 0;  // size of one screen pixel in mm at the current zoom
  int level = -1;            // >= 0 forces a level; -1 chooses it with chooseLevel()
};

struct PrefetchOptions {
  bool neighbourSlices = true;  // the chunk layers before and after the slice, at its level
  bool finerLevel = true;       // the next finer level's visible chunks
};

struct ViewRequests {
  std::vector<ChunkRequest> requests;  // for ChunkLoader::setRequests (duplicates allowed)
  std::vector<int> levels;             // level chosen for each view (the one to display)
};

// For each view: Tier::Visible for its chunks at the chosen level (the level it shows) and at
// the coarsest level (something on screen after one round trip), nothing in between;
// Tier::Prefetch for the neighbouring chunk layers at the chosen level and the next finer
// level (the loader starts those only once the visible set is complete, within its prefetch
// budget). `distance` = from the chunk centre to the view centre, in level-0 voxels.
ViewRequests buildViewRequests(const std::shared_ptr<Dataset>& dataset,
                               const std::vector<ViewSlice>& views,
                               const PrefetchOptions& prefetch = {});

// The three orthogonal views (axial, coronal, sagittal) through `crosshair` (level-0 voxels):
// `views[i].plane.position` is overwritten with the crosshair coordinate along its axis.
ViewRequests buildOrthoRequests(const std::shared_ptr<Dataset>& dataset, const Point3& crosshair,
                                std::vector<ViewSlice> views, const PrefetchOptions& prefetch = {});

}  // namespace nz
