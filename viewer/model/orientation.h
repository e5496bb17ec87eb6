#pragma once
// Anatomical orientation of the three slice views, as ITK-SNAP does it: each voxel axis is
// assigned to the world (RAS+) axis it is nearest to, and the views show the voxel grid (no
// resampling of oblique data) with the nearest anatomical directions on screen.
//
// Display convention: radiological (ITK-SNAP's default): the patient's right is on the screen's
// left in the axial and coronal views; anterior is on the left of the sagittal view; superior
// and anterior point up.
#include <array>
#include <string>

#include "dataset/dataset.h"

namespace nzviewer {

enum class ViewKind { Axial = 0, Coronal = 1, Sagittal = 2 };
const char* viewKindName(ViewKind kind);

// For voxel axis i (0..2): the world axis it follows (0 = x/R, 1 = y/A, 2 = z/S) and +1 when
// increasing i moves towards R/A/S, -1 towards L/P/I. A permutation, even for oblique affines.
struct AxisMapping {
  std::array<int, 3> worldOfVoxel{0, 1, 2};
  std::array<int, 3> signOfVoxel{1, 1, 1};
  std::array<int, 3> voxelOfWorld{0, 1, 2};
};
AxisMapping nearestAxes(const nz::Matrix4& affine);

// How one view maps voxel axes to the screen.
struct ViewAxes {
  int normal = 2;                     // voxel axis looked along
  int screenX = 0;                    // voxel axis running left -> right
  int screenY = 1;                    // voxel axis running bottom -> top
  int dirX = 1;                       // +1: increasing voxel index goes right; -1: left
  int dirY = 1;                       // +1: increasing voxel index goes up; -1: down
  std::array<std::string, 4> labels;  // left, right, top, bottom ("R", "L", "A", ...)
};
ViewAxes viewAxes(ViewKind kind, const AxisMapping& mapping);

}  // namespace nzviewer
