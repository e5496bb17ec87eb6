#include "roi/export_with.h"

#include <algorithm>
#include <future>

#include "core/error.h"
#include "loader/chunk_loader.h"
#include "loader/region_reader.h"
#include "loader/slice_request.h"
#include "roi/resample.h"

namespace nz {

void requireLabelDataset(const DatasetInfo& labels) {
  switch (labels.dtype) {
    case DType::Float32:
    case DType::Float64:
    case DType::Complex64:
    case DType::Complex128:
    case DType::RGB24:
    case DType::RGBA32:
      throw Error(ErrorKind::InvalidArgument,
                  labels.uri + " holds " + dtypeName(labels.dtype) +
                      " data, not integer labels: open it as an image layer, or convert it to an "
                      "integer label map");
    default:
      return;
  }
}

Volume resampleLabelsOnto(Dataset& labels, const ExportPlan& imagePlan,
                          const ExportOutputOptions& options, CancelToken cancel,
                          LabelExportResult* result) {
  const DatasetInfo& info = labels.info();
  requireLabelDataset(info);
  if (info.levels.empty()) throw Error(ErrorKind::InvalidData, info.uri + ": no levels");
  const Index5 outShape = imagePlan.outBox.shape();
  const std::array<std::int64_t, 3> target{outShape[0], outShape[1], outShape[2]};
  const Matrix4 toSource = voxelToVoxel(imagePlan.affine, info.levels[0].affine);
  const Box box = nearestSourceBox(toSource, target, info.levels[0].shape);
  Volume source;
  source.dtype = info.dtype;
  source.shape = {0, 0, 0, 1, 1};
  LabelExportResult r;
  if (!box.empty()) {
    r.overlaps = true;
    r.sourceChunks = static_cast<std::uint64_t>(chunksInBox(info.levels[0], box).size());
    LoaderOptions lo;
    lo.maxInFlight = options.store.maxConcurrency > 0
                         ? static_cast<std::size_t>(options.store.maxConcurrency)
                         : std::size_t{128};
    lo.cacheBytes = std::min<std::size_t>(defaultCacheBudget(), std::size_t{512} << 20);
    ChunkLoader loader(lo);
    // The loader and its cache are gone before this returns: a non-owning pointer suffices.
    std::shared_ptr<Dataset> borrowed(&labels, [](Dataset*) {});
    source = readRegionThroughLoader(loader, borrowed, 0, box, 0, cancel);
  }
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
  Volume out = resampleNearest(source, box, toSource, target, 0);
  // CropOrPad pads the labels with 0 like the image (TorchIO pads a subject's label maps with
  // 0): output voxels outside the image volume hold no label, even where the label map
  // extends further in world space.
  const Box& data = imagePlan.region;
  const std::size_t esize = dtypeSize(out.dtype);
  for (std::int64_t z = 0; z < target[2]; ++z)
    for (std::int64_t y = 0; y < target[1]; ++y)
      for (std::int64_t x = 0; x < target[0]; ++x) {
        const std::int64_t p[3] = {imagePlan.outBox.begin[0] + x, imagePlan.outBox.begin[1] + y,
                                   imagePlan.outBox.begin[2] + z};
        bool inside = true;
        for (int i = 0; i < 3; ++i) inside = inside && p[i] >= data.begin[i] && p[i] < data.end[i];
        if (!inside)
          std::fill_n(out.data.data() + out.offsetOf(x, y, z) * esize, esize, std::uint8_t{0});
      }
  r.voxels = out.voxelCount();
  if (result) *result = r;
  return out;
}

LabelExportResult runLabelExport(Dataset& labels, const ExportPlan& imagePlan,
                                 const std::string& destination, const ExportOutputOptions& options,
                                 CancelToken cancel) {
  exportFormatFor(destination);  // validates the suffix before any read
  // The label map's validators, for its manifest, fetched while it is read (as runExport).
  std::future<std::vector<ObjectValidator>> validators;
  const bool wantManifest = options.writeManifest || options.manifest;
  if (wantManifest)
    validators = std::async(std::launch::async, [&labels] { return collectValidators(labels); });
  struct Join {
    std::future<std::vector<ObjectValidator>>& f;
    ~Join() {
      if (f.valid()) f.wait();
    }
  } join{validators};
  LabelExportResult r;
  Volume out = resampleLabelsOnto(labels, imagePlan, options, cancel, &r);
  ExportPlan plan = imagePlan;
  plan.dtype = out.dtype;
  plan.outBox.end[3] = plan.outBox.begin[3] + 1;  // one time point, one channel
  plan.outBox.end[4] = plan.outBox.begin[4] + 1;
  std::vector<ObjectDigest> digests;
  writeExportVolume(labels.info(), plan, out, destination, options, cancel, {}, &digests);
  if (wantManifest) {
    ExportManifest m =
        describeExport(labels.info(), plan, destination, options, validators, std::move(digests));
    m.role = "labels";
    if (options.writeManifest) writeManifestFor(destination, m, options.store);
    if (options.manifest) *options.manifest = std::move(m);
  }
  return r;
}

PairedLabels pairedLabelsOf(const ExportManifest& labels) {
  PairedLabels l;
  l.source = labels.source;
  l.sourceFormat = labels.sourceFormat;
  l.validators = labels.validators;
  l.validatorsError = labels.validatorsError;
  l.output = labels.output;
  l.dtype = labels.dtype;
  l.objects = labels.objects;
  l.sha256 = labels.sha256;
  return l;
}

PairExportResult runPairExport(Dataset& image, Dataset& labels, const ExportPlan& plan,
                               const std::string& imageOut, const std::string& labelsOut,
                               const ExportOutputOptions& options, CancelToken cancel) {
  exportFormatFor(imageOut);
  exportFormatFor(labelsOut);
  PairExportResult result;
  ExportOutputOptions o = options;
  o.writeManifest = false;  // both manifests are written once both outputs exist
  o.manifest = &result.image;
  runExport(image, plan, imageOut, o, cancel);
  o.manifest = &result.labels;
  result.label = runLabelExport(labels, plan, labelsOut, o, cancel);
  result.labels.role = "labels";
  result.labels.pairedImage = result.image.output;
  result.image.role = "image";
  result.image.labels = pairedLabelsOf(result.labels);
  if (options.writeManifest) {
    // The label map's manifest first: the image's (which vouches for both) is the last word.
    writeManifestFor(labelsOut, result.labels, options.store);
    writeManifestFor(imageOut, result.image, options.store);
  }
  if (options.manifest) *options.manifest = result.image;
  return result;
}

}  // namespace nz
