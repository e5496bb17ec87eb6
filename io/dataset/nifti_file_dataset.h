#pragma once
// Plain NIfTI files (.nii, .nii.gz) as a Dataset. Implemented by the export/convert area
// (io/dataset/nifti_file_dataset.cpp); openDataset() dispatches here for .nii/.nii.gz names.
//
//   auto ds = nz::openNiftiFileDataset(store, "brain.nii.gz", "https://host/brain.nii.gz");
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dataset/dataset.h"

namespace nz {

// Opens object `key` of `store` as a NIfTI-1/2 file (gzip-compressed when it ends in .gz).
// `name` is the redacted URI for messages and DatasetInfo::uri. Throws nz::Error.
std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store> store, const std::string& key,
                                              const std::string& name);

// Options of the plain-NIfTI dataset (added by the convert area).
struct NiftiFileOptions {
  // .nii.gz: decoded bytes kept in memory; the rest spills to an unlinked temporary file.
  // 0 = min(2 GiB, 1/8 of the machine's memory): a file of a few hundred MiB never touches the
  // disk, where writing it out and reading it back costs as much CPU as half its inflate.
  std::uint64_t memoryLimitBytes = 0;
  // Download progress (stored bytes received, stored size); called on a background thread.
  std::function<void(std::uint64_t received, std::uint64_t total)> progress;
};
std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store> store, const std::string& key,
                                              const std::string& name,
                                              const NiftiFileOptions& options);

}  // namespace nz
