#pragma once
// An ROI drawn on one dataset (the reference image) carried over to another dataset on any grid
// (a layer: other voxel size, origin, orientation), without resampling: the smallest level-0
// box of the other grid that covers the ROI's world box (its 8 corners mapped through the other
// dataset's affine, the same outward rounding as RoiBox::toLevel), clipped to that volume. For
// an oblique layer the box is larger than the ROI (it covers the rotated box). Qt-free.
//
//   nz::RoiBox inLayer = nz::roiOnGrid(roi, image->info(), layer->info());
//   if (!inLayer.empty()) ... planExport(layer->info(), {0, inLayer.toLevel(layer->info(), 0)})
#include "dataset/dataset.h"
#include "roi/roi_box.h"

namespace nz {

// t and c ranges: the ROI's, clipped to `to` (the whole range of `to` when that leaves nothing).
// Empty (box.empty()) when the ROI's world box does not overlap `to`.
RoiBox roiOnGrid(const RoiBox& roi, const DatasetInfo& from, const DatasetInfo& to);

}  // namespace nz
