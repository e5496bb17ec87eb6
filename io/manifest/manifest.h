#pragma once
// Export manifests: the sidecar OUT.nzview.json every export writes next to its output, saying
// where the voxels came from (source URI with secrets removed, the validators of the metadata
// objects read), what was asked (level, box, crop/pad, pad value, output format and codec
// settings) and what was written (affine, dtype, scaling, SHA-256 of the file or of every object
// of a .nii.zarr). `nzview-cli export --replay` rebuilds the output from it byte for byte;
// `nzview-cli manifest DIR --csv` lists a folder of them.
//
// This folder knows nothing about ROI plans (io/roi builds a manifest from its plan and turns
// one back into a request), so io/roi may call it.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "store/store.h"
#include "store/store_options.h"
#include "volume/volume.h"

namespace nz {

inline constexpr const char* kManifestSuffix = ".nzview.json";
inline constexpr int kManifestVersion = 1;

// What identifies the version of one object of the source that was read (store/store.h).
using ObjectValidator = ObjectVersion;

// SHA-256 (lowercase hex) of one written object; key is empty for a single-file output.
struct ObjectDigest {
  std::string key;
  std::uint64_t size = 0;
  std::string sha256;
};

// `export IMAGE --with LABELS`: the label map written on the image ROI's grid, recorded in the
// image's manifest so a replay of it rebuilds and checks both files.
struct PairedLabels {
  std::string source;        // redacted URI of the label map
  std::string sourceFormat;  // "nifti-zarr" | "ome-zarr" | "nifti"
  std::vector<ObjectValidator> validators;
  std::string validatorsError;
  std::string output;  // redacted path or URI of the label output
  std::string dtype;
  std::vector<ObjectDigest> objects;
  std::string sha256;
};

struct ExportManifest {
  int manifestVersion = kManifestVersion;
  std::string nzviewVersion = NZVIEW_VERSION;
  // Source
  std::string source;        // redacted URI
  std::string sourceFormat;  // "nifti-zarr" | "ome-zarr" | "nifti"
  std::vector<ObjectValidator> validators;
  std::string validatorsError;  // why they could not be read (the export itself succeeded)
  // Request
  int level = 0;
  Box roi;                                               // requested box (level voxels)
  std::optional<std::array<std::int64_t, 3>> cropOrPad;  // W, H, D
  std::string padMode = "constant";
  double padValue = 0;     // scaled units, as asked
  double padValueRaw = 0;  // the stored constant
  // Result
  Box voxelBox;                                     // voxels written, level coordinates
  std::array<std::array<double, 2>, 3> worldBox{};  // min/max world (mm) of the voxel centres
  Matrix4 affine{};                                 // written (sform and qform)
  std::string dtype;
  double sclSlope = 0, sclInter = 0;
  // Output
  std::string output;  // redacted path or URI as given
  std::string format;  // "nii" | "nii.gz" | "nii.zarr"
  int gzipLevel = 6;
  int zarrVersion = 3;
  std::int64_t chunk = 64, shard = 0;
  std::string compressor;            // empty: the writer's default
  std::string byteOrder = "little";  // "little" | "big" (--byte-order)
  std::vector<ObjectDigest> objects;
  std::string sha256;  // the file's digest, or the tree digest of a .nii.zarr (treeDigest)
  // Pairs (`export --with`). The image's manifest holds `labels`; the label output's own
  // manifest has role "labels" (its source is the label map, its request and result describe
  // the image grid it was resampled onto) and names the image output in pairedImage.
  std::optional<PairedLabels> labels;
  std::string role;         // "" (single export) | "image" | "labels"
  std::string pairedImage;  // role "labels": the image output (redacted)
};

std::string manifestToJson(const ExportManifest& m);
// Throws nz::Error(InvalidData) naming `what` and the field when the text is not a manifest.
ExportManifest manifestFromJson(const std::string& text, const std::string& what);

// OUT + ".nzview.json" (trailing '/' dropped; a query string stays after the new name).
std::string manifestPathFor(const std::string& output);

// World extent of the voxel centres of `box` (spatial axes) under `affine`.
std::array<std::array<double, 2>, 3> worldBoxOf(const Matrix4& affine, const Box& box);

// The metadata objects an open dataset was built from, with their current validators (one small
// ranged read each; missing ones are skipped). Throws nz::Error when a read fails.
std::vector<ObjectValidator> collectValidators(Dataset& dataset);
// Human-readable differences ("zarr.json: ETag \"a\" → \"b\""), empty when all match.
std::vector<std::string> compareValidators(const std::vector<ObjectValidator>& recorded,
                                           const std::vector<ObjectValidator>& now);

// sha256sum-style digest of a tree: SHA-256 over "<sha256>  <key>\n" lines sorted by key.
std::string treeDigest(std::vector<ObjectDigest> objects);
// Digest of a whole object at a local path or URI (read back through a store for URIs).
ObjectDigest digestOutputFile(const std::string& output, const StoreOptions& options);

// Incremental SHA-256 (for outputs hashed while they are written).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const std::uint8_t* data, std::size_t n);
  ObjectDigest finish();  // key empty, size = bytes given

 private:
  void* ctx_;  // EVP_MD_CTX
  std::uint64_t size_ = 0;
};

// Writes OUT.nzview.json next to `output` (locally with a temporary name and a rename, or as one
// object of the cloud store). Throws nz::Error.
void writeManifestFor(const std::string& output, const ExportManifest& m,
                      const StoreOptions& options);

}  // namespace nz
