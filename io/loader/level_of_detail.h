#pragma once
// Level of detail: which pyramid level a view should show, and how level-0 voxel coordinates
// map to another level's voxels. Coordinates are continuous voxel indices (voxel centres at
// integers, as in NIfTI); levels are related through their affines (world from voxel), which
// also covers pyramids whose downsampling shifts the origin by half a voxel.
#include <array>
#include <string>

#include "core/geometry.h"
#include "dataset/dataset.h"

namespace nz {

// Millimetres per unit of the dataset's space unit ("mm" 1, "um" 0.001, "m" 1000, else 1).
double spaceUnitToMm(const std::string& unit);

// Voxel size of `level` along x, y, z in mm (column norms of the level affine; when the level
// has no affine, level 0's spacing scaled by the shape ratio).
Point3 levelVoxelSizeMm(const DatasetInfo& info, int level);

// The level whose in-plane voxel size best matches one screen pixel of `screenPixelMm` for a
// view looking along `normalAxis` (0 = x, 1 = y, 2 = z): the smallest |log(voxel / pixel)|,
// using the geometric mean of the two in-plane voxel sizes; ties go to the finer level.
// `screenPixelMm` <= 0 selects level 0.
int chooseLevel(const DatasetInfo& info, int normalAxis, double screenPixelMm);

// Continuous voxel coordinate in `level` of a continuous level-0 voxel coordinate, and back.
Point3 level0ToLevel(const DatasetInfo& info, int level, const Point3& p0);
Point3 levelToLevel0(const DatasetInfo& info, int level, const Point3& p);

}  // namespace nz
