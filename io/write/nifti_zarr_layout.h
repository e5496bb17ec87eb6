#pragma once
// The pieces of writeNiftiZarr that a conversion split into parts (convert --part) shares with
// it, so that every part lays out exactly the objects a single-process conversion writes:
// the plan (level shapes, data type, label or not), each level's array spec, and the
// metadata documents (the `nifti` header array, and the group written last).
#include <vector>

#include "core/bytes.h"
#include "nifti/nifti_header.h"
#include "store/store.h"
#include "volume/volume.h"
#include "write/nifti_zarr_writer.h"
#include "write/zarr_array_writer.h"

namespace nz {

struct NiftiZarrPlan {
  NiftiHeader header;
  DType dtype = DType::UInt8;
  int ndim = 3;
  std::vector<Index5> shapes;  // per level, NIfTI order
  bool label = false;          // per-label voting pyramid
};

// Validates the options against the header. Throws nz::Error(InvalidArgument|Unsupported).
NiftiZarrPlan makeNiftiZarrPlan(const Bytes& niftiHeader, const NiftiZarrWriteOptions& options);
ZarrArraySpec niftiZarrLevelSpec(const NiftiZarrPlan& plan, const NiftiZarrWriteOptions& options,
                                 const Index5& shape);
void writeNiftiZarrHeaderArray(Store& store, const Bytes& niftiHeader, const NiftiZarrPlan& plan,
                               int zarrVersion);
// The group metadata: the commit point, written after everything else.
void writeNiftiZarrGroup(Store& store, const NiftiZarrPlan& plan, int zarrVersion);

}  // namespace nz
