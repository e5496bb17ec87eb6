#pragma once
// Reads whole z planes of one volume (t, c) of a NIfTI-Zarr level back from its zarr array,
// as the pyramid stage of a conversion split into parts needs them (the level is complete
// on the store, its metadata not yet written: the caller builds the ZarrArray from the
// writer's own metadata text).
//
//   auto arr = std::make_shared<nz::ZarrArray>(store, "0", nz::parseZarrArrayV3(text, what));
//   nz::readLevelPlanes(*arr, t, c, z0, z1, buf.data());   // nx*ny*(z1-z0) elements
#include <cstdint>

#include "zarr/zarr_array.h"

namespace nz {

// Fills `out` with planes [z0, z1) of volume (t, c): x fastest, native byte order; voxels of
// chunks that are not stored get the fill value. Fetches every intersecting chunk
// concurrently; blocking. Throws nz::Error (a failed or corrupt chunk, names its key).
void readLevelPlanes(ZarrArray& array, std::int64_t t, std::int64_t c, std::int64_t z0,
                     std::int64_t z1, std::uint8_t* out);

}  // namespace nz
