#pragma once
// Typed crosshair positions: "10 20 30", "10, 20, 30" or "(10,20,30)" as level-0 voxel indices
// or as world (RAS) mm through the level-0 affine. Pure functions, so the panel and its tests
// share them.
#include <QString>
#include <optional>

#include "dataset/dataset.h"
#include "loader/level_of_detail.h"

namespace nzviewer {

enum class CoordinateKind { Voxel, WorldMm };

// Three numbers from `text`, or nullopt with `*error` saying what is wrong.
std::optional<nz::Point3> parseThreeNumbers(const QString& text, QString* error);
// World mm -> continuous level-0 voxel indices (inverse of the affine); nullopt when the
// affine is singular.
std::optional<nz::Point3> worldToVoxel(const nz::DatasetInfo& info, const nz::Point3& world);
nz::Point3 voxelToWorld(const nz::DatasetInfo& info, const nz::Point3& voxel);

}  // namespace nzviewer
