#include "model/orientation.h"

#include <cmath>

namespace nzviewer {

const char* viewKindName(ViewKind kind) {
  switch (kind) {
    case ViewKind::Axial:
      return "axial";
    case ViewKind::Coronal:
      return "coronal";
    case ViewKind::Sagittal:
      return "sagittal";
  }
  return "?";
}

AxisMapping nearestAxes(const nz::Matrix4& a) {
  // Greedy assignment by the largest normalised direction cosine, like ITK's
  // GetMajorAxisFromPatientRelativeDirectionCosine but guaranteed to be a permutation.
  double cosine[3][3];  // [voxel][world]
  for (int v = 0; v < 3; ++v) {
    double norm = 0;
    for (int w = 0; w < 3; ++w) norm += a[w * 4 + v] * a[w * 4 + v];
    norm = std::sqrt(norm);
    for (int w = 0; w < 3; ++w) cosine[v][w] = norm > 0 ? a[w * 4 + v] / norm : (v == w ? 1 : 0);
  }
  AxisMapping m;
  bool voxelUsed[3] = {false, false, false}, worldUsed[3] = {false, false, false};
  for (int round = 0; round < 3; ++round) {
    int bv = -1, bw = -1;
    double best = -1;
    for (int v = 0; v < 3; ++v)
      for (int w = 0; w < 3; ++w)
        if (!voxelUsed[v] && !worldUsed[w] && std::abs(cosine[v][w]) > best) {
          best = std::abs(cosine[v][w]);
          bv = v;
          bw = w;
        }
    voxelUsed[bv] = worldUsed[bw] = true;
    m.worldOfVoxel[bv] = bw;
    m.voxelOfWorld[bw] = bv;
    m.signOfVoxel[bv] = cosine[bv][bw] < 0 ? -1 : 1;
  }
  return m;
}

ViewAxes viewAxes(ViewKind kind, const AxisMapping& m) {
  // Per view: the world axis along the normal, the world axis and direction pointing screen-right
  // and screen-up (radiological).
  int normalW = 2, rightW = 0, rightSign = -1, upW = 1, upSign = 1;
  std::array<std::string, 4> labels;
  switch (kind) {
    case ViewKind::Axial:  // looking from the feet: R on the left, A on top
      normalW = 2, rightW = 0, rightSign = -1, upW = 1, upSign = 1;
      labels = {"R", "L", "A", "P"};
      break;
    case ViewKind::Coronal:  // looking from the front: R on the left, S on top
      normalW = 1, rightW = 0, rightSign = -1, upW = 2, upSign = 1;
      labels = {"R", "L", "S", "I"};
      break;
    case ViewKind::Sagittal:  // looking from the patient's left: A on the left, S on top
      normalW = 0, rightW = 1, rightSign = -1, upW = 2, upSign = 1;
      labels = {"A", "P", "S", "I"};
      break;
  }
  ViewAxes v;
  v.normal = m.voxelOfWorld[normalW];
  v.screenX = m.voxelOfWorld[rightW];
  v.screenY = m.voxelOfWorld[upW];
  v.dirX = m.signOfVoxel[v.screenX] * rightSign;
  v.dirY = m.signOfVoxel[v.screenY] * upSign;
  v.labels = labels;
  return v;
}

}  // namespace nzviewer
