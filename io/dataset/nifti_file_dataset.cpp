// STUB: replaced by the export helper's implementation.
#include "dataset/nifti_file_dataset.h"

namespace nz {

std::shared_ptr<Dataset> openNiftiFileDataset(std::shared_ptr<Store>, const std::string&,
                                              const std::string& name) {
  throw Error(ErrorKind::Unsupported, name + ": reading plain NIfTI files is not implemented yet");
}

}  // namespace nz
