// libFuzzer target: NIfTI-1/NIfTI-2 header parsing, either byte order, with extensions
// (io/nifti/nifti_header.h), then the affine rules and a serialize/parse round trip.
// Property: a header that parses serializes to bytes that parse back to the same version,
// byte order, dims and datatype.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "nifti/nifti_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)nz::niftiHeaderSizeOf(data, size);
  nz::NiftiHeader h;
  try {
    h = nz::parseNiftiHeader(data, size, "fuzz.nii");
  } catch (const nz::Error&) {
    return 0;
  }
  (void)h.shapeXyztc();
  (void)nz::niftiSpaceUnit(h.xyztUnits);
  (void)nz::niftiTimeUnit(h.xyztUnits);
  nz::DType t;
  (void)nz::dtypeFromNiftiCode(h.datatype, t);
  try {
    std::string source;
    (void)nz::niftiBestAffine(h, &source, "fuzz.nii");
  } catch (const nz::Error&) {
  }
  (void)nz::niftiQformAffine(h);
  (void)nz::niftiSformAffine(h);
  (void)nz::niftiBaseAffine(h);
  nz::Bytes out;
  try {
    out = nz::serializeNiftiHeader(h);
  } catch (const nz::Error&) {
    return 0;
  }
  nz::NiftiHeader back;
  try {
    back = nz::parseNiftiHeader(out.data(), out.size(), "round trip");
  } catch (const nz::Error&) {
    std::abort();  // our own serialization of a parsed header must parse
  }
  if (back.version != h.version || back.bigEndian != h.bigEndian || back.dim != h.dim ||
      back.datatype != h.datatype) {
    std::abort();
  }
  return 0;
}
