#pragma once
// The JSON (JNIfTI-style) copy of a NIfTI header that niizarr stores in the attributes of the
// `nifti` array, and the OME "multiscales" entry niizarr writes. Both return JSON text.
#include <cstdint>
#include <string>
#include <vector>

#include "nifti/nifti_header.h"

namespace nz {

// JNIfTI keys as niizarr's nii2json writes them ("Dim", "VoxelSize", "DataType", "Affine", ...).
std::string niftiHeaderJsonText(const NiftiHeader& h);

// OME multiscales[0] for levels of shapes `levelShapes` (NIfTI order) with `ndim` zarr axes.
// Per axis, scale = |pixdim|*f and translation = |pixdim|*(f-1)/2, where f doubles at each
// level the axis shrinks (niizarr's "centre of a 2^L block"). omeVersion "0.4" adds "version".
std::string omeMultiscalesJsonText(const NiftiHeader& h, int ndim,
                                   const std::vector<Index5>& levelShapes, bool withVersion);

}  // namespace nz
