#pragma once
#include "volume/volume.h"

namespace nz {

// Copies the overlap of `src` (covering srcBox) into `dst` (covering dstBox), row by row.
// Both boxes are in the same level's voxel indices. Throws nz::Error(InvalidData) when `src`
// holds fewer voxels than srcBox says (a decoder bug must not become an out-of-bounds read).
void copyOverlap(const Volume& src, const Box& srcBox, Volume& dst, const Box& dstBox);

}  // namespace nz
