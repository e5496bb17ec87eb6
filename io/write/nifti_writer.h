#pragma once
// Writes a volume as a single-file NIfTI (.nii, or .nii.gz as one streamed gzip member),
// keeping the source data type and scl_slope/scl_inter so scaled values are identical.
// The affine is written as the sform (code kept from the source, or 2) and as the qform
// (quaternion + qfac + pixdim from its polar decomposition). Little-endian, NIfTI-1 unless a
// dimension needs NIfTI-2. Output goes through AtomicOutput: local or cloud, all or nothing.
//
//   nz::NiftiHeader h = nz::makeExportHeader(info, volume.shape, volume.dtype, plan.affine);
//   nz::writeNifti("roi.nii.gz", h, volume);
#include <functional>
#include <string>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "nifti/nifti_header.h"
#include "store/store_options.h"
#include "volume/volume.h"

namespace nz {

struct NiftiWriteOptions {
  int gzipLevel = 6;                 // 1 (fast) .. 9; used for .nii.gz
  std::size_t blockBytes = 4 << 20;  // streaming granularity (and cancel check interval)
  StoreOptions store;                // for cloud destinations
  CancelToken cancel;
  std::function<void(double)> progress;  // fraction of voxel bytes written
};

// True when `path` ends in .nii.gz (case-insensitive); .nii otherwise.
bool niftiPathIsGzip(const std::string& path);

// Header for exporting `shape`/`dtype` voxels of `info` placed at `affine`.
NiftiHeader makeExportHeader(const DatasetInfo& info, const Index5& shape, DType dtype,
                             const Matrix4& affine);

// Serialises header + voxels (gzip when `gzip`) into `sink` in blocks. Throws nz::Error.
void streamNifti(const NiftiHeader& header, const Volume& volume, bool gzip,
                 const std::function<void(const std::uint8_t*, std::size_t)>& sink,
                 const NiftiWriteOptions& options = {});

// Atomically writes `destination` (.nii or .nii.gz; local path or any store URI).
// Returns the bytes written.
std::uint64_t writeNifti(const std::string& destination, const NiftiHeader& header,
                         const Volume& volume, const NiftiWriteOptions& options = {});

}  // namespace nz
