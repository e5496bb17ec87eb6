#pragma once
// A NIfTI -> NIfTI-Zarr conversion split into parts for array jobs (Slurm, Kubernetes Indexed
// Jobs, AWS Batch): `nzview-cli convert IN OUT --part I/N [--stage pyramid|finalize]`.
//
//   stage level0   part I of N writes the level-0 objects of its share of the storage slabs
//                  (z ranges one chunk, or shard, deep; per t and c), so no two parts write
//                  the same object. Reads only its byte range of IN (.nii: ranged reads).
//   stage pyramid  part I of N computes levels 1..K for its share of z blocks of D*2^K level-0
//                  planes from level 0 as stored in OUT (with the few neighbouring planes the
//                  Gaussian needs), and keeps level K's float values for finalize. K <= 3 is
//                  the deepest level with at least N blocks (the float chain of niizarr's
//                  pyramid is continued exactly, so the bytes equal a single-process convert).
//   stage finalize (one process) checks every unit's record and every object it lists,
//                  computes levels K+1.. from the kept float values, writes the array and
//                  header metadata and the group metadata last, and removes the records.
//
// Until finalize, OUT has no group metadata: no reader sees a half-written dataset. Every unit
// (a slab or block) writes its objects, then a small record `.nzview-parts/...json` naming
// them with their sizes; a re-run part skips units with a record and redoes the others, so a
// killed part re-run completes. Label volumes (per-label voting pyramids) are not supported
// in parts.
//
//   nz::PartIndex p{2, 8};
//   nz::convertPart("scan.nii", "scan.nii.zarr", nz::ConvertStage::Level0, p, options);
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convert/convert.h"

namespace nz {

enum class ConvertStage { Level0, Pyramid, Finalize };

struct PartIndex {
  std::int64_t index = 0;  // 0..count-1
  std::int64_t count = 1;
};

struct PartResult {
  std::int64_t unitsTotal = 0;    // units of the stage (all parts)
  std::int64_t unitsOwned = 0;    // units of this part
  std::int64_t unitsSkipped = 0;  // done by an earlier run (record present)
  std::uint64_t objectsWritten = 0;
  std::uint64_t bytesWritten = 0;
  int floatLevel = 0;  // K: the level the pyramid stage hands to finalize
  std::vector<Index5> levelShapes;
  bool alreadyFinalized = false;  // finalize found a finished dataset and nothing to do
  double seconds = 0;
};

// Throws nz::Error: InvalidArgument (bad part, label volume), NotFound, InvalidData (finalize:
// a missing unit or object, named), or the store's error.
PartResult convertPart(const std::string& inUri, const std::string& outUri, ConvertStage stage,
                       PartIndex part, const ConvertOptions& options = {});
// Store-level form (tests): IN is object `key` of `in` (`name` for messages), OUT the root of
// `out`.
PartResult convertPart(std::shared_ptr<Store> in, const std::string& key, const std::string& name,
                       std::shared_ptr<Store> out, ConvertStage stage, PartIndex part,
                       const ConvertOptions& options = {});

// Units [first, end) of part p among `units` (contiguous shares differing by at most one).
std::pair<std::int64_t, std::int64_t> partShare(std::int64_t units, PartIndex p);

// The prefix of the per-unit records and kept float planes inside OUT.
inline constexpr const char* kPartsPrefix = ".nzview-parts";

}  // namespace nz
