#pragma once
// Plain NIfTI files (.nii, .nii.gz) as a Dataset. Implemented by the export/convert area
// (io/dataset/nifti_file_dataset.cpp); openDataset() dispatches here for .nii/.nii.gz names.
//
//   auto ds = nz::openNiftiFileDataset(store, "brain.nii.gz", "https://host/brain.nii.gz");
#include <memory>
#include <string>

#include "dataset/dataset.h"

namespace nz {

// Opens object `key` of `store` as a NIfTI-1/2 file (gzip-compressed when it ends in .gz).
// `name` is the redacted URI for messages and DatasetInfo::uri. Throws nz::Error.
std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store> store, const std::string& key,
                                              const std::string& name);

}  // namespace nz
