#pragma once
// A region of interest kept in level-0 voxel space (NIfTI order, half-open), convertible to
// the voxel box of any pyramid level and to world coordinates (the file's spatial unit, mm
// usually). The GUI draws it, the export planner reads it. Qt-free.
//
//   nz::RoiBox roi = nz::RoiBox::fromLevel(info, 2, levelBox);   // drawn on level 2
//   nz::Box atFull = roi.toLevel(info, 0);                        // same region at level 0
//   auto corners = roi.worldCorners(info);                        // 8 corners in mm
#include <array>
#include <vector>

#include "core/geometry.h"
#include "dataset/dataset.h"

namespace nz {

// Level-L voxel coordinate (continuous, voxel centres at integers) from a level-0 coordinate.
// Uses A_L^-1 · A_0, so it holds for any pyramid convention the affines describe.
Vec3 levelFromLevel0(const DatasetInfo& info, int level, const Vec3& p0);
Vec3 level0FromLevel(const DatasetInfo& info, int level, const Vec3& pL);
// World coordinate of a (continuous) voxel coordinate of `level`.
Vec3 worldFromVoxel(const DatasetInfo& info, int level, const Vec3& voxel);
Vec3 voxelFromWorld(const DatasetInfo& info, int level, const Vec3& world);

struct RoiBox {
  Box box;  // level-0 voxels; t and c ranges are kept as given (no pyramid on them)

  static RoiBox whole(const DatasetInfo& info);
  // The level-0 region covered by `levelBox` of `level` (voxel edges mapped exactly).
  static RoiBox fromLevel(const DatasetInfo& info, int level, const Box& levelBox);
  // Smallest box of `level` that covers this region (outward rounding).
  Box toLevel(const DatasetInfo& info, int level) const;
  // The 8 spatial corners (voxel edges, not centres) in world coordinates.
  std::array<Vec3, 8> worldCorners(const DatasetInfo& info) const;
  // Axis-aligned world bounds of the corners: {min, max}.
  std::array<Vec3, 2> worldBounds(const DatasetInfo& info) const;
  // Size along each voxel axis in world units (edge lengths of the box).
  Vec3 sizeWorld(const DatasetInfo& info) const;
  // Intersection with the level-0 volume.
  RoiBox clipped(const DatasetInfo& info) const;
  bool empty() const { return box.empty(); }
};

// Parses "i0:i1,j0:j1,k0:k1[,t0:t1[,c0:c1]]" (half-open, may be negative). Missing axes keep
// the whole extent of `shape`. Throws nz::Error(InvalidArgument).
Box parseRoiText(const std::string& text, const Index5& shape);
std::string roiText(const Box& box, int ndim);

}  // namespace nz
