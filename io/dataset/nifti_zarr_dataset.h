#pragma once
// NIfTI-Zarr (.nii.zarr) and plain OME-Zarr groups, Zarr v2 or v3, as a Dataset.
// Opening reads metadata only, in two concurrent waves (group + header, then every level's
// array metadata), following the NIfTI-Zarr specification (neuroscales/nifti-zarr) and
// OME-Zarr 0.4/0.5 multiscales.
//
//   auto ds = nz::openNiftiZarrDataset(store, "az://c/brain.nii.zarr");
//   nz::Volume v = ds->readRegion(0, box);      // raw values; info().scaled(raw) for intensity
//   const nz::NiftiHeader& h = static_cast<nz::NiftiZarrDataset&>(*ds).header();
//
// Thread safety: const methods and readChunkAsync/readRegion are safe for concurrent use.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "nifti/nifti_header.h"
#include "zarr/zarr_array.h"

namespace nz {

class NiftiZarrDataset : public Dataset {
 public:
  // Per level: the array and, for each NIfTI axis (x,y,z,t,c), its zarr dimension or -1.
  struct Level {
    std::shared_ptr<ZarrArray> array;
    std::array<int, 5> zarrDimOf{-1, -1, -1, -1, -1};
  };

  NiftiZarrDataset(std::shared_ptr<Store> store, DatasetInfo info, NiftiHeader header,
                   std::vector<Level> levels);

  // The binary NIfTI header of level 0 (synthesised from OME metadata for plain OME-Zarr).
  const NiftiHeader& header() const { return header_; }
  const ZarrArray& array(int level) const { return *levels_.at(level).array; }

  void readChunkAsync(int level, const Index5& chunk, CancelToken cancel,
                      ChunkCallback done) override;

 private:
  NiftiHeader header_;
  std::vector<Level> levels_;
};

// The group `up` levels above the one opened (1: its parent): its redacted URI, the opened
// group's path relative to it ("brainA", "images/brainA") and the read of its zarr.json.
struct AncestorGroup {
  std::string uri;
  std::string relativePath;
  ReadResult zarrJson;
};
// nullopt when there is no group that far up (the top of the store or bucket).
using AncestorGroups = std::function<std::optional<AncestorGroup>(int up)>;

// Opens the NIfTI-Zarr or OME-Zarr group at the root of `store`. `name` is the redacted URI
// used in messages and DatasetInfo::uri. `ancestors` (optional) lets an OME-Zarr 0.6 image
// opened by its own URI find the scene above it and be placed in the scene's system, as when
// the scene is opened. Throws nz::Error (NotFound when no group is there, InvalidData naming
// the file and field, Unsupported naming the feature).
std::shared_ptr<NiftiZarrDataset> openNiftiZarrDataset(std::shared_ptr<Store> store,
                                                       const std::string& name,
                                                       const AncestorGroups& ancestors = {});

}  // namespace nz
