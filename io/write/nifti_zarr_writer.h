#pragma once
// Writes a NIfTI-Zarr (.nii.zarr) the way the reference implementation niizarr 1.0.0rc7 does:
// the binary header as a uint8 array `nifti` (plus a JNIfTI-style JSON copy in its attributes),
// pyramid levels "0".."n-1" (Gaussian 2x, or per-label voting for label volumes), OME
// multiscales 0.4 (Zarr v2) or 0.5 (Zarr v3) with niizarr's per-level scale/translation.
// Streaming: level 0 is pulled from a SlabSource one storage slab (chunk or shard depth) at a
// time; lower levels are computed plane by plane, so memory stays at a few slabs.
// Write order: chunks, then array metadata, then the group metadata last, so a reader never
// sees a group whose arrays are incomplete (the commit point for cloud stores).
//
//   nz::NiftiZarrWriteOptions o;  o.zarrVersion = 2;  o.chunk = 32;
//   nz::writeNiftiZarr(*store, headerBytes, volume, o);                 // in-memory volume
//   nz::writeNiftiZarr(*store, headerBytes, [&](t, c, z0, z1, out) {...}, o);  // streaming
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/cancel.h"
#include "store/store.h"
#include "volume/volume.h"

namespace nz {

struct NiftiZarrWriteOptions {
  int zarrVersion = 3;               // 2 (OME 0.4) or 3 (OME 0.5)
  std::int64_t chunk = 64;           // spatial chunk edge (t and c chunks are 1)
  int levels = -1;                   // -1: niizarr's rule ceil(log2(max(n/chunk)))+1, min 1
  std::string compressor = "blosc";  // blosc | zstd | gzip | none (niizarr defaults per version)
  std::int64_t shard = 0;            // v3 only: spatial shard edge, a multiple of chunk; 0 = none
  // v3: a big-endian header also gives the `bytes` codec "endian": "big" (else "little").
  bool v3BigEndian = false;
  std::optional<bool> label;             // unset: label pyramid when intent is 1002/1003
  std::optional<bool> writeEmptyChunks;  // unset: v2 writes all chunks, v3 skips all-zero ones
  // Storage objects encoded/written in parallel; 0 = the number of cores (local output is
  // CPU-bound; each blosc-zstd encoder holds a few MB). Raise it for high-latency stores.
  int concurrency = 0;
  std::function<void(double)> progress;  // fraction of level-0 planes done, any thread
  CancelToken cancel;
};

struct NiftiZarrWriteResult {
  std::vector<Index5> levelShapes;  // NIfTI order
  std::uint64_t objectsWritten = 0;
  std::uint64_t chunksSkipped = 0;  // all-fill chunks not stored (v3)
  std::uint64_t bytesWritten = 0;
  std::size_t labelCount = 0;  // labels voted (0 for an intensity pyramid)
};

// Fills `out` (nx*ny*(z1-z0) voxels of the header's data type, x fastest, native byte order,
// raw unscaled values) with planes [z0, z1) of volume (t, c). May be called from the writer's
// thread only; z ranges arrive in increasing order per volume. Throws nz::Error to abort.
using SlabSource = std::function<void(std::int64_t t, std::int64_t c, std::int64_t z0,
                                      std::int64_t z1, std::uint8_t* out)>;

// `niftiHeader`: the NIfTI-1/2 header as it should be stored (either byte order; optionally
// followed by the extender flag and extensions). It defines shape, data type, voxel size,
// units and intent. Throws nz::Error (InvalidArgument for bad options, Unsupported for RGB or
// more than 5 dimensions, Cancelled, or the store's error). Blocking; not on the GUI thread.
NiftiZarrWriteResult writeNiftiZarr(Store& out, const Bytes& niftiHeader, const SlabSource& source,
                                    const NiftiZarrWriteOptions& options = {});
// The same for a volume already in memory (e.g. an exported ROI); data.shape must match the
// header's dim and data.dtype its datatype.
NiftiZarrWriteResult writeNiftiZarr(Store& out, const Bytes& niftiHeader, const Volume& data,
                                    const NiftiZarrWriteOptions& options = {});

// niizarr's automatic level count for a spatial shape and chunk edge.
int niftiZarrAutoLevels(const Index5& shape, std::int64_t chunk);

}  // namespace nz
