#pragma once
// Nearest-neighbour resampling of one voxel grid onto another through their affines (world mm
// from voxel). Shared by `nzview-cli export --with` (a label map onto the image ROI's grid) and
// the viewer's label layers (a layer onto the view plane), so both pick the same voxels.
//
// Convention: voxel centres are at integer indices; target voxel p samples the source voxel
// floor(M p + 0.5) per axis, where M = inverse(sourceAffine) * targetAffine; outside the
// source -> `fillRaw`.
#include <array>
#include <cmath>
#include <cstdint>

#include "core/geometry.h"  // Point3, invertAffine, applyAffine
#include "dataset/dataset.h"
#include "volume/volume.h"

namespace nz {

// Maps continuous voxel indices of the target grid to continuous source voxel indices
// (inverse(sourceAffine) * targetAffine; invertAffine/applyAffine: core/geometry.h). Throws
// nz::Error(InvalidData) when the source affine is singular.
Matrix4 voxelToVoxel(const Matrix4& targetAffine, const Matrix4& sourceAffine);
// Nearest index convention shared by every caller.
inline std::int64_t nearestIndex(double x) {
  return static_cast<std::int64_t>(std::floor(x + 0.5));
}

// Source voxels (spatial axes; t/c = [0, 1)) that a target grid of `targetShape` samples, clipped
// to `sourceShape`; empty (voxelCount() == 0) when the grids do not overlap.
Box nearestSourceBox(const Matrix4& targetToSource, const std::array<std::int64_t, 3>& targetShape,
                     const Index5& sourceShape);

// Resamples `source` (the voxels of `sourceBox` of a grid whose voxel indices targetToSource
// produces) onto a target grid of `targetShape` (t = c = 1), nearest neighbour, raw values
// (dtype kept); voxels outside sourceBox take `fillRaw`.
Volume resampleNearest(const Volume& source, const Box& sourceBox, const Matrix4& targetToSource,
                       const std::array<std::int64_t, 3>& targetShape, double fillRaw = 0);

}  // namespace nz
