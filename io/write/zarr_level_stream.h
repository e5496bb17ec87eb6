#pragma once
// Streams pyramid levels 1..n-1 of one 3-D volume (one t, one c) from its level-0 planes:
// each level keeps a few planes per PyramidStep plus one slab of its own output, and writes
// that slab through its ZarrArrayWriter as soon as it is complete. Used by writeNiftiZarr.
//
//   ZarrLevelStream s(writers, shape0, dtype, labels, t, c);
//   for (z = 0; z < nz; ++z) s.pushLevel0Plane(rawPlane);   // writes levels as they fill
#include <cstdint>
#include <memory>
#include <vector>

#include "write/pyramid.h"
#include "write/zarr_array_writer.h"

namespace nz {

class ZarrLevelStream {
 public:
  // writers[L-1] writes level L. labels: null for a scalar pyramid, else the sorted label
  // values for niizarr's per-label voting.
  ZarrLevelStream(std::vector<ZarrArrayWriter*> writers, const Index5& shape0, DType dtype,
                  const std::vector<double>* labels, std::int64_t t, std::int64_t c);

  // Level-0 plane z (in order), raw values of `dtype`, native byte order, nx*ny voxels.
  void pushLevel0Plane(const std::uint8_t* raw);
  // The same with the base level's plane as the float values of the chain (not labels): the
  // base level was computed elsewhere (convert --stage finalize continues a part's chain).
  void pushBasePlane(Plane plane);

 private:
  struct Level {
    ZarrArrayWriter* writer = nullptr;
    std::vector<PyramidStep> steps;  // one per channel (1, or one per label)
    std::int64_t nx = 0, ny = 0, nz = 0, depth = 0;
    std::int64_t slabStart = 0;
    Bytes slab;
  };
  void push(std::size_t level, std::vector<Plane> channels);
  void accept(std::size_t level, std::int64_t zOut, std::vector<Plane> channels);

  std::vector<Level> levels_;
  Index5 shape0_;
  DType dtype_;
  const std::vector<double>* labels_;
  std::int64_t t_, c_;
};

}  // namespace nz
