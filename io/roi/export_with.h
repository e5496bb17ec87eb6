#pragma once
// `nzview-cli export IMAGE --roi ... --with LABELS`: the label map resampled (nearest
// neighbour, from its finest level) onto exactly the grid of the image ROI's export (same shape
// after CropOrPad, same affine), so the image/label pair is ready for TorchIO or MONAI.
// Label voxels outside the label map (and CropOrPad's padding) are 0.
//
//   nz::ExportPlan plan = nz::planExport(image->info(), req);
//   nz::runExport(*image, plan, "roi_image.nii.gz", o);
//   nz::runLabelExport(*labels, plan, "roi_labels.nii.gz", o);
#include <cstdint>
#include <string>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "manifest/manifest.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"

namespace nz {

// Throws nz::Error(InvalidArgument) naming the dataset when it cannot be a label map
// (floating-point, complex or RGB data).
void requireLabelDataset(const DatasetInfo& labels);

struct LabelExportResult {
  std::uint64_t voxels = 0;        // voxels written
  bool overlaps = false;           // the label map covers at least one output voxel
  std::uint64_t sourceChunks = 0;  // label chunks read
};

// The label map resampled onto imagePlan's output grid (plan.outBox shape, plan.affine), dtype
// and scaling of the label map kept. Throws nz::Error like runExport.
Volume resampleLabelsOnto(Dataset& labels, const ExportPlan& imagePlan,
                          const ExportOutputOptions& options, CancelToken cancel = {},
                          LabelExportResult* result = nullptr);
// resampleLabelsOnto, then written like runExport (nothing left at `destination` on failure),
// with its manifest (role "labels": source = the label map, request/result = the image grid)
// when options ask for one.
LabelExportResult runLabelExport(Dataset& labels, const ExportPlan& imagePlan,
                                 const std::string& destination, const ExportOutputOptions& options,
                                 CancelToken cancel = {});

struct PairExportResult {
  LabelExportResult label;
  ExportManifest image;   // with `labels` filled in (role "image")
  ExportManifest labels;  // role "labels", pairedImage = the image output
};

// What the image manifest records of the label output (source, validators, output, digests).
PairedLabels pairedLabelsOf(const ExportManifest& labels);

// `export IMAGE --with LABELS`: the image ROI (runExport), then the label map on its grid, then
// both manifests (when options.writeManifest): the label output's own, and the image's, which
// also records the label map's source, validators and digests, so `export --replay` of the
// image manifest rebuilds and checks both. options.manifest receives the image's manifest.
PairExportResult runPairExport(Dataset& image, Dataset& labels, const ExportPlan& plan,
                               const std::string& imageOut, const std::string& labelsOut,
                               const ExportOutputOptions& options, CancelToken cancel = {});

}  // namespace nz
