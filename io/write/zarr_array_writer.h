#pragma once
// Writes one zarr array (v2 or v3, optionally v3-sharded) to a Store, slab by slab along z.
// The array's axes are [t][c] z y x (only the axes present); voxels arrive in NIfTI order
// (x fastest), which is the same memory layout as a C-order chunk of that array.
//
//   ZarrArrayWriter w(store, "0", spec);
//   for (z0 = 0; z0 < nz; z0 += w.objectDepth()) w.writeSlab(t, c, z0, slab, nzSlab);
//   w.writeMetadata();   // last, so a reader never sees metadata without its chunks
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"
#include "volume/volume.h"
#include "write/zarr_encode.h"

namespace nz {

struct ZarrArraySpec {
  int zarrFormat = 3;
  int ndim = 3;                     // zarr dimensions: 3 (z,y,x), 4 (t,z,y,x), 5 (t,c,z,y,x)
  Index5 shape{1, 1, 1, 1, 1};      // NIfTI order (x, y, z, t, c)
  Index5 chunks{64, 64, 64, 1, 1};  // NIfTI order; the inner chunk when sharded
  Index5 shards{0, 0, 0, 0, 0};     // NIfTI order; zeros = no sharding (v3 only)
  DType dtype = DType::UInt8;
  bool bigEndian = false;  // big-endian elements: v2 '>' dtype, v3 bytes codec "endian": "big"
  CompressorSpec compressor;
  // zarr-python 3 skips chunks equal to the fill value (0); niizarr's v2 output (fill_value
  // null) has every chunk, because a missing chunk is undefined for zarr-python 2.
  bool writeEmptyChunks = false;
  std::vector<std::string> arrayDimensions;  // "_ARRAY_DIMENSIONS" attribute, zarr order
  std::vector<std::string> dimensionNames;   // v3 "dimension_names", zarr order
  int concurrency = 4;                       // objects encoded/uploaded in parallel
};

struct ZarrWriteCounters {
  std::atomic<std::uint64_t> objectsWritten{0}, chunksSkipped{0}, bytesWritten{0};
};

class ZarrArrayWriter {
 public:
  ZarrArrayWriter(Store& store, std::string path, ZarrArraySpec spec,
                  ZarrWriteCounters* counters = nullptr);

  // Metadata documents (key relative to the store root -> JSON text).
  std::vector<std::pair<std::string, std::string>> metadataFiles() const;
  void writeMetadata();

  // z extent of one storage object (the shard, else the chunk).
  std::int64_t objectDepth() const;
  // Writes every storage object whose z range starts at z0 (a multiple of objectDepth()) for
  // volume (t, c). `slab` holds nx*ny*nzSlab voxels, x fastest, native byte order, with
  // nzSlab = min(objectDepth(), nz - z0). Blocking; throws nz::Error on a failed write.
  void writeSlab(std::int64_t t, std::int64_t c, std::int64_t z0, const std::uint8_t* slab,
                 std::int64_t nzSlab);

  const ZarrArraySpec& spec() const { return spec_; }
  // Storage key of the chunk (or shard) at grid index g (NIfTI order).
  std::string objectKey(const Index5& g) const;

 private:
  // Copies one chunk-shaped box from the slab (zero outside the array); false if all zero.
  bool extractChunk(const std::uint8_t* slab, std::int64_t z0, std::int64_t nzSlab,
                    const Index5& origin, Bytes& out) const;
  Bytes encodeChunk(Bytes& raw) const;
  void writeObject(const std::uint8_t* slab, std::int64_t z0, std::int64_t nzSlab,
                   const Index5& grid);

  Store& store_;
  std::string path_;
  ZarrArraySpec spec_;
  ZarrWriteCounters ownCounters_;
  ZarrWriteCounters* counters_;
};

// zarr v2 dtype string ("<u2", "|u1", ">f4") and v3 data_type name ("uint16").
std::string zarrV2Dtype(DType t, bool bigEndian);
std::string zarrV3DataType(DType t);

// Runs fn(i) for i in [0, n) on up to `threads` threads; rethrows the first exception.
void parallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace nz
