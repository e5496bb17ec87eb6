#pragma once
// Level of detail of the 3D view, as pure functions of the dataset metadata and the chunks at
// hand (no Qt, no VTK, no I/O): which level fits the voxel budget, which chunks a whole level
// needs, and the assembly of one level's voxels (scaled to float) from its chunks, starting
// from a coarser picture so the volume is never blank while the finer level streams in.
#include <cstdint>
#include <memory>
#include <vector>

#include "dataset/dataset.h"
#include "loader/chunk_key.h"

namespace nzviewer {

constexpr std::int64_t kDefault3dVoxelBudget = 256LL * 256 * 256;

// Finest level whose x*y*z voxel count is at most `budget` (the coarsest when none fits).
int levelForBudget(const nz::DatasetInfo& info, std::int64_t budget);

// Every chunk of `level` holding time point `t` and channel `c`, x fastest.
std::vector<nz::Index5> levelChunks(const nz::DatasetInfo& info, int level, std::int64_t t,
                                    std::int64_t c);

// One level's voxels as float (scaled by the header's slope/intercept), x fastest.
struct LevelVolume {
  int level = -1;
  std::int64_t nx = 0, ny = 0, nz = 0;
  std::vector<float> voxels;
  // The voxels' range, NaN left out (`range`), and their finite range (infinities also left out),
  // as VTK's GetRange / GetFiniteRange give them; set by computeRange, on the worker thread that
  // built the voxels, so the view's upload does not scan them again (70-85 ms for 256^3 voxels in
  // VTK's GetFiniteRange). Unset when no voxel is finite.
  bool hasRange = false;
  double range[2] = {0, 0}, finiteRange[2] = {0, 0};
  // The voxels as 16-bit codes over the finite range, for the view's texture: code =
  // round((v - lo) * 65535 / (hi - lo)), NaN 0. Half the bytes of float32 for software GL
  // (llvmpipe) to zero-fill and copy into a new texture on the GUI thread; the view gives VTK its
  // transfer functions in codes. Set by encodeCodes; empty (the view uploads the floats) when
  // the range is unknown, has infinities or is one value.
  std::vector<std::uint16_t> codes;
  std::size_t voxelCount() const {
    return static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny) *
           static_cast<std::size_t>(nz);
  }
};

// Sets `v`'s range and finite range from its voxels (hasRange false when none is finite).
void computeRange(LevelVolume& v);

// Sets `v.codes` from its voxels and range (computeRange first), or clears them.
void encodeCodes(LevelVolume& v);

// A picture of `level` where every voxel takes the nearest voxel of `coarser` (another level of
// the same dataset); zeros when `coarser` is empty.
LevelVolume upsampleLevel(const nz::DatasetInfo& info, int level, const LevelVolume& coarser);

// Copies chunk `chunk` of `out.level` (time point t, channel c) into `out`; false (nothing
// written) when the chunk's shape does not match its box.
bool pasteChunk(const nz::DatasetInfo& info, LevelVolume& out, const nz::Index5& chunk,
                const nz::Volume& volume, std::int64_t t, std::int64_t c);

// Integer label volume for the label surfaces (raw values, no scaling), x fastest.
struct LabelVolume {
  int level = -1;
  std::int64_t nx = 0, ny = 0, nz = 0;
  std::vector<std::int32_t> labels;
};
bool pasteLabelChunk(const nz::DatasetInfo& info, LabelVolume& out, const nz::Index5& chunk,
                     const nz::Volume& volume);

}  // namespace nzviewer
