#pragma once
// Reading the head of a single-file NIfTI (.nii / .nii.gz) from a NiftiByteStream: the header,
// its extensions, and the exact header bytes a NIfTI-Zarr stores in its `nifti` array.
#include <cstdint>
#include <string>

#include "nifti/nifti_header.h"
#include "nifti/nifti_stream.h"
#include "volume/volume.h"

namespace nz {

struct NiftiFileHead {
  NiftiHeader header;
  Bytes storedHeader;  // header (+ extender and extensions when present), as niizarr keeps
  DType dtype = DType::UInt8;
  Index5 shape{1, 1, 1, 1, 1};
  std::uint64_t voxOffset = 0;  // where the voxel data starts
  std::uint64_t dataBytes = 0;  // voxels * element size
};

// Reads and validates the head; leaves the stream at vox_offset. Throws nz::Error naming
// `name` (not NIfTI, .hdr/.img pairs, unsupported data type, absurd sizes).
// skipToData false leaves the stream after the extensions (a caller holding only the head).
NiftiFileHead readNiftiHead(NiftiByteStream& stream, const std::string& name,
                            bool skipToData = true);

// Converts `count` elements from the file's byte order to native order in place.
void niftiToNative(std::uint8_t* data, std::size_t count, DType dtype, bool fileBigEndian);

}  // namespace nz
