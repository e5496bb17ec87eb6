#pragma once
// A named list of ROIs with their export settings, saved by the viewer ("Save ROIs…") and read
// by `nzview-cli export --rois FILE.json -o DIR` (one output per ROI, named after it). JSON:
//
//   {"nzview_rois": 1, "source": "https://host/scan.nii.zarr",
//    "rois": [{"name": "left hippocampus", "level": 0,
//              "box": [[i0, i1], [j0, j1], [k0, k1]],          // + [t0, t1] when 4D
//              "crop_or_pad": [64, 64, 64],                     // optional
//              "pad_mode": "constant", "pad_value": 0}]}        // optional
//
// Boxes are half-open voxel ranges in NIfTI order at `level`, as `nzview-cli export --roi`.
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "roi/export_plan.h"

namespace nz {

struct NamedRoi {
  std::string name;
  ExportRequest request;  // level, roi (always set), crop/pad settings
};

struct RoiSet {
  std::string source;  // the dataset's URI as saved (redacted), informational
  // Ranges written per box: the dataset's ndim (DatasetInfo::ndim) so a 4D box keeps its t
  // range even when it is [0, 1). 0 = 3, plus t/c when they are not [0, 1).
  int ndim = 0;
  std::vector<NamedRoi> rois;
};

// Validates everything (types, ranges, pad modes, at most 10000 ROIs, names ≤ 1000 bytes);
// `what` names the file in errors. When `info` is given, levels must exist and missing
// t/c ranges take the whole extent. Throws nz::Error(InvalidData) naming the field.
RoiSet parseRoiSet(const std::string& jsonText, const std::string& what,
                   const DatasetInfo* info = nullptr);

// Pretty-printed JSON (2-space indent) that parseRoiSet reads back.
std::string roiSetJson(const RoiSet& set);

}  // namespace nz
