#pragma once
// The NIfTI header of an exported region: the source's stored header with what the region
// changes updated (dims, datatype, sform/qform moved or rescaled, slice timing), or a fresh one
// from DatasetInfo when the source has none (plain OME-Zarr). Written by write/nifti_writer.h.
#include "dataset/dataset.h"
#include "nifti/nifti_header.h"
#include "volume/volume.h"

namespace nz {

// Header for exporting `shape`/`dtype` voxels of `info` placed at `affine`.
NiftiHeader makeExportHeader(const DatasetInfo& info, const Index5& shape, DType dtype,
                             const Matrix4& affine);

}  // namespace nz
