#pragma once
// Streaming conversion of a NIfTI file (.nii / .nii.gz, local or remote) to NIfTI-Zarr, as
// `nzview-cli convert` does it. The input is read once front to back (ranged reads, inflated
// on the fly for .nii.gz; twice for label volumes), the output written slab by slab, so
// memory is bounded by a few chunk slabs, not by the volume.
// Atomic: a local OUT is written under a hidden temporary sibling and renamed at the end; on
// a cloud store the group metadata is written last and, on failure, every object written is
// removed again (best effort), so an interrupted conversion leaves nothing readable at OUT.
//
//   nz::ConvertOptions o;  o.write.zarrVersion = 2;
//   o.progress = [](const nz::ConvertProgress& p) { std::cerr << p.fraction << "\n"; };
//   nz::ConvertResult r = nz::convertNiftiToNiftiZarr("brain.nii.gz", "brain.nii.zarr", o);
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_options.h"
#include "write/nifti_zarr_writer.h"

namespace nz {

struct ConvertProgress {
  double fraction = 0;           // level-0 planes written / all planes
  std::uint64_t downloaded = 0;  // stored input bytes received so far
  std::uint64_t inputSize = 0;   // stored input size
};

struct ConvertOptions {
  NiftiZarrWriteOptions write;  // its progress/cancel are set by the converter
  StoreOptions storeOptions;    // credentials for the input and the output
  std::function<void(const ConvertProgress&)> progress;  // any thread
  CancelToken cancel;
};

struct ConvertResult {
  NiftiZarrWriteResult write;
  std::uint64_t inputBytesRead = 0;
  double seconds = 0;
  int niftiVersion = 1;
  bool gzipInput = false;
};

// Throws nz::Error (NotFound, InvalidData, Unsupported, Io, Cancelled, ...).
ConvertResult convertNiftiToNiftiZarr(const std::string& inUri, const std::string& outUri,
                                      const ConvertOptions& options = {});
// Store-level form (tests, and callers that already hold stores): reads object `key` of `in`
// (`name` for messages) and writes the NIfTI-Zarr at the root of `out`, without the atomic
// rename (the caller owns the destination).
ConvertResult convertNiftiToNiftiZarr(std::shared_ptr<Store> in, const std::string& key,
                                      const std::string& name, Store& out,
                                      const ConvertOptions& options = {});

// The atomic commit used by convert, for any NIfTI-Zarr writer (e.g. export to .nii.zarr):
// a local OUT is written by `write` into a hidden sibling folder renamed to OUT on success
// (replacing an existing OUT folder) and removed on failure; for any other scheme `write`
// gets the store at OUT and, if it throws, every object it wrote is removed again
// (writeNiftiZarr writes the group metadata last, so nothing is readable before the end).
//
//   nz::writeNiftiZarrAtomically(out, storeOptions, [&](nz::Store& s) {
//     nz::writeNiftiZarr(s, headerBytes, volume, writeOptions);
//   });
void writeNiftiZarrAtomically(const std::string& outUri, const StoreOptions& storeOptions,
                              const std::function<void(Store&)>& write);

}  // namespace nz
