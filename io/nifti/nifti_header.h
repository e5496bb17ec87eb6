#pragma once
// The NIfTI-1 / NIfTI-2 header as one struct (all numbers widened), with a parser that accepts
// either version in either byte order, a serializer, and nibabel's "best affine" rule.
//
//   nz::NiftiHeader h = nz::parseNiftiHeader(bytes.data(), bytes.size(), "scan.nii.zarr/nifti");
//   std::string source;
//   nz::Matrix4 a = nz::niftiBestAffine(h, &source);   // sform > qform > pixdim
//   nz::Bytes out = nz::serializeNiftiHeader(h);       // same version and byte order
//
// Layouts: https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h and nifti2.h.
// All functions are pure and safe for concurrent use. Errors: nz::Error(InvalidData).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/geometry.h"
#include "volume/dtype.h"
#include "volume/volume.h"

namespace nz {

// Largest vox_offset accepted (both .nii readers use this one bound).
inline constexpr std::uint64_t kMaxNiftiVoxOffset = 1000000000;

struct NiftiExtension {
  std::int32_t code = 0;
  Bytes data;  // payload without the 8-byte (esize, ecode) prefix; padded to esize-8 on write
};

struct NiftiHeader {
  int version = 1;         // 1 (348 bytes) or 2 (540 bytes)
  bool bigEndian = false;  // byte order found in (or to write to) the file
  std::array<std::int64_t, 8> dim{3, 1, 1, 1, 1, 1, 1, 1};
  std::array<double, 8> pixdim{1, 1, 1, 1, 1, 1, 1, 1};
  std::int32_t datatype = 2;  // NIFTI_TYPE_* code
  std::int32_t bitpix = 8;
  double intentP1 = 0, intentP2 = 0, intentP3 = 0;
  std::int32_t intentCode = 0;
  std::string intentName;  // up to 16 chars
  std::int64_t sliceStart = 0, sliceEnd = 0;
  std::int32_t sliceCode = 0;
  std::int32_t dimInfo = 0;
  double voxOffset = 0;
  double sclSlope = 0, sclInter = 0;
  double calMax = 0, calMin = 0, sliceDuration = 0, toffset = 0;
  std::int32_t xyztUnits = 0;
  // Text fields hold every stored byte (bytes after an embedded NUL included) minus trailing
  // NULs, so a round trip is byte for byte; niftiText() gives the C string for display.
  std::string descrip;  // up to 80 bytes
  std::string auxFile;  // up to 24 bytes
  std::int32_t qformCode = 0, sformCode = 0;
  double quaternB = 0, quaternC = 0, quaternD = 0;
  double qoffsetX = 0, qoffsetY = 0, qoffsetZ = 0;
  std::array<double, 4> srowX{1, 0, 0, 0}, srowY{0, 1, 0, 0}, srowZ{0, 0, 1, 0};
  // Analyze 7.5 fields NIfTI-1 keeps unused (data_type, db_name, extents, session_error,
  // regular, glmax, glmin) and NIfTI-2's trailing unused_str: kept so a copy is exact.
  std::string dataTypeName, dbName;  // 10 and 18 bytes
  std::int32_t extents = 0, glmax = 0, glmin = 0;
  std::int32_t sessionError = 0;
  std::int32_t regular = 'r';
  std::string unusedStr;  // NIfTI-2, 15 bytes
  // NIfTI-2 magic bytes 4..7 ("\r\n\032\n", nibabel's eol_check); always written as standard.
  std::array<std::uint8_t, 4> eolCheck{13, 10, 26, 10};
  std::string magic = "n+1";  // "n+1"/"ni1" (v1) or "n+2"/"ni2" (v2)
  std::vector<NiftiExtension> extensions;
  std::vector<std::string> warnings;  // what parsing repaired (not serialized)

  std::size_t headerSize() const { return version == 2 ? 540 : 348; }
  // dim[1..7] as (x, y, z, t, c) with 1 for absent axes (dim[4..5]).
  Index5 shapeXyztc() const;
};

// Parses `size` bytes (the header, optionally followed by the extender flag and extensions).
// `what` names the source in error messages (file or URI + "nifti").
NiftiHeader parseNiftiHeader(const std::uint8_t* data, std::size_t size, const std::string& what);
// Header size needed to parse: reads sizeof_hdr in either byte order; 0 when not NIfTI.
std::size_t niftiHeaderSizeOf(const std::uint8_t* data, std::size_t size);

// Serializes h (its version and byte order) followed by the 4-byte extender and extensions,
// each padded to a multiple of 16 bytes. When `padToVoxOffset` the result is zero-padded to
// h.voxOffset (for a single-file .nii; voxOffset must be >= the header+extensions length).
// Without extensions, `extender` false gives the bare 348/540 bytes (niizarr's header array).
Bytes serializeNiftiHeader(const NiftiHeader& h, bool padToVoxOffset = false, bool extender = true);
// Bytes the header + extender + extensions take (the minimum vox_offset of a .nii).
std::size_t niftiHeaderBytes(const NiftiHeader& h);

// nibabel's get_best_affine: sform if sform_code > 0, else qform if qform_code > 0 (with qfac),
// else the pixdim base affine (x flipped, centred). `source` gets "sform"|"qform"|"pixdim".
// Throws nz::Error(InvalidData) when the chosen matrix is not finite.
Matrix4 niftiBestAffine(const NiftiHeader& h, std::string* source = nullptr,
                        const std::string& what = "NIfTI header");
Matrix4 niftiQformAffine(const NiftiHeader& h);
Matrix4 niftiSformAffine(const NiftiHeader& h);
Matrix4 niftiBaseAffine(const NiftiHeader& h);
// Sets srow_* from `affine` and the quaternion/qoffset/pixdim[0,1..3] from its polar
// decomposition (as nibabel's set_qform). Codes are set as given.
void niftiSetAffine(NiftiHeader& h, const Matrix4& affine, int sformCode, int qformCode);

// A stored text field as a C string (up to the first NUL), for display.
std::string niftiText(const std::string& field);

// NIFTI_TYPE_* <-> DType. Returns false for codes we cannot represent.
bool dtypeFromNiftiCode(int code, DType& out);
int niftiCodeFromDtype(DType t);
// "mm"|"um"|"m"|"unknown" and "s"|"ms"|"us"|"unknown" from xyzt_units.
std::string niftiSpaceUnit(int xyztUnits);
std::string niftiTimeUnit(int xyztUnits);

}  // namespace nz
