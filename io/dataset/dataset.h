#pragma once
// A scan opened for reading: NIfTI-Zarr, plain OME-Zarr, or a plain NIfTI file. Opening reads
// metadata only; voxels are read chunk by chunk (the loader) or as regions (export).
// All shapes, indices and boxes are in NIfTI order (x, y, z, t, c).
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel.h"
#include "core/error.h"
#include "core/geometry.h"
#include "store/store.h"
#include "store/store_options.h"
#include "volume/volume.h"

namespace nz {

struct NiftiHeader;  // nifti/nifti_header.h

struct LevelInfo {
  std::string path;                  // zarr array path ("0", "1", ...)
  Index5 shape{1, 1, 1, 1, 1};       // voxels; 1 for absent axes
  Index5 chunkShape{1, 1, 1, 1, 1};  // read unit (inner chunk when sharded)
  Index5 gridShape{1, 1, 1, 1, 1};   // number of chunks per axis
  Index5 shardShape{0, 0, 0, 0, 0};  // storage object shape when sharded, else zeros
  DType dtype = DType::UInt8;
  std::vector<std::string> codecs;  // names, outermost last ("bytes", "blosc", ...)
  std::string compressorDetail;     // e.g. "blosc lz4 clevel 5 shuffle"
  Matrix4 affine{};                 // world from this level's voxel
  double fillValue = 0;             // raw units (NaN allowed)
  bool isShardedOrNifti = false;    // true when a chunk is a sub-range of a storage object
  bool storedFloat16 = false;       // stored as float16; dtype (and exports) are float32
};

struct DatasetInfo {
  std::string uri;       // redacted
  std::string format;    // "nifti-zarr" | "ome-zarr" | "nifti"
  int zarrFormat = 0;    // 2 | 3 | 0 (none)
  int niftiVersion = 0;  // 1 | 2 | 0 (synthesised header)
  bool headerBigEndian = false;
  int ndim = 3;                   // spatial + t + c axes present
  std::vector<std::string> axes;  // "x","y","z"(,"t")(,"c")
  Index5 shape{1, 1, 1, 1, 1};    // level 0
  DType dtype = DType::UInt8;
  Matrix4 affine{};          // level 0
  std::string affineSource;  // "sform" | "qform" | "pixdim"
  int sformCode = 0, qformCode = 0, intentCode = 0;
  std::array<double, 8> pixdim{};
  std::array<double, 3> spacing{};                          // column norms of affine[:3,:3]
  std::string spaceUnit = "unknown", timeUnit = "unknown";  // "mm"|"um"|"m"; "s"|"ms"|"us"
  double sclSlope = 0, sclInter = 0;
  std::string description;  // NIfTI descrip as text (up to its first NUL)
  std::vector<LevelInfo> levels;
  std::string extraJson;  // JSON object: header keys not otherwise shown (may be "{}")
  // The binary NIfTI header as stored (every field and extension), when the scan has one;
  // exports start from it so nothing the source said is lost.
  std::shared_ptr<const NiftiHeader> niftiHeader;
  std::string niftiHeaderJson;  // niftiHeaderFieldsJson(*niftiHeader), or empty
  // Things a user should know that did not stop the open (header fields read with a repair,
  // e.g. a qform normalised; metadata that disagrees; a level read by its shape rather than its
  // declared scale), one sentence each.
  std::vector<std::string> warnings;

  bool hasScaling() const;          // slope non-zero and finite
  double scaled(double raw) const;  // raw*slope+inter when hasScaling(), else raw
};

// The fields a NIfTI header gives (affine by sform > qform > pixdim, codes, pixdim, spacing,
// units, scaling, description, the header's warnings); `what` names it in messages.
void fillInfoFromNiftiHeader(DatasetInfo& info, const NiftiHeader& h, const std::string& what);

struct ChunkResult {
  bool ok = false;
  bool missing = false;           // not stored: voxels are the fill value
  Box box;                        // voxels covered (cropped to the level's shape)
  SharedVolume volume;            // box.shape() voxels, raw values; set when ok (also when missing)
  std::uint64_t storedBytes = 0;  // bytes fetched for it
  ErrorKind errorKind = ErrorKind::Network;
  std::string error;  // when !ok
};
using ChunkCallback = std::function<void(ChunkResult)>;

// What the open's read of one object said about its version: an export manifest records these
// validators as they were when the data was read, without asking the store again.
struct SeenObject {
  ObjectVersion object;  // key relative to Dataset::store()
  bool missing = false;
};
// The open's read `r` of `key` (`wholeObject`: not a byte range) as a SeenObject.
inline SeenObject seenObjectOf(const std::string& key, const ReadResult& r, bool wholeObject) {
  return {objectVersionOf(key, r, wholeObject), r.missing()};
}

using ProgressCallback = std::function<void(double fraction)>;

class Dataset {
 public:
  virtual ~Dataset() = default;

  const DatasetInfo& info() const { return info_; }
  Store& store() const { return *store_; }
  std::shared_ptr<Store> sharedStore() const { return store_; }
  // The objects the open read, with their validators (empty for datasets made in memory).
  const std::vector<SeenObject>& objectsSeenAtOpen() const { return seenAtOpen_; }
  void setObjectsSeenAtOpen(std::vector<SeenObject> seen) { seenAtOpen_ = std::move(seen); }

  // Box of one chunk at `level` (cropped to the level shape).
  Box chunkBox(int level, const Index5& chunk) const;
  // Chunks of `level` that intersect `box` (box may reach outside), in x-fastest order.
  std::vector<Index5> chunksIntersecting(int level, const Box& box) const;

  // Fetches and decodes one chunk; `done` runs on a worker thread (never inline on the
  // caller's thread for remote stores). Missing chunks succeed with the fill value.
  virtual void readChunkAsync(int level, const Index5& chunk, CancelToken cancel,
                              ChunkCallback done) = 0;

  // Dense read of any box (outside voxels = padRaw), fetching each intersecting chunk once,
  // concurrently. Blocking: never call on the GUI thread. Throws nz::Error.
  Volume readRegion(int level, const Box& box, double padRaw = 0, CancelToken cancel = {},
                    ProgressCallback progress = {});

  // Level 0's voxels in file order (x fastest, then y, z, t, c), native byte order, handed to
  // `sink` piece by piece (whole voxels) as they become available: a whole-volume copy without
  // chunks, a cache or a copy per chunk. Returns false at once, calling nothing, when the
  // dataset has no such order (chunked formats); a .nii.gz streams its inflated bytes.
  // Blocking; throws nz::Error (Cancelled when `cancel` fires).
  using VoxelSink = std::function<void(const std::uint8_t* data, std::size_t bytes)>;
  virtual bool streamLevel0(const VoxelSink& sink, CancelToken cancel) {
    (void)sink;
    (void)cancel;
    return false;
  }

 protected:
  Dataset(std::shared_ptr<Store> store, DatasetInfo info)
      : store_(std::move(store)), info_(std::move(info)) {}
  std::shared_ptr<Store> store_;
  DatasetInfo info_;

 private:
  std::vector<SeenObject> seenAtOpen_;
};

// Opens any supported URI (see uri/uri.h): .nii.zarr / OME-Zarr groups, .nii, .nii.gz.
// Reads metadata only. Throws nz::Error with a message naming the URI and field.
std::shared_ptr<Dataset> openDataset(const std::string& uri, const StoreOptions& options = {});
std::shared_ptr<Dataset> openDataset(std::shared_ptr<Store> store, const std::string& name);

// The output of a region read of `level`: `box` voxels of the level's dtype, every one set to
// `padRaw` (what stays where no chunk covers it). Throws nz::Error(InvalidArgument) for a level
// that does not exist or a region over 1 TiB. Shared by Dataset::readRegion and the loader's
// readRegionThroughLoader.
Volume paddedRegion(const DatasetInfo& info, int level, const Box& box, double padRaw);
// The same into `out`, reusing its memory.
void paddedRegionInto(const DatasetInfo& info, int level, const Box& box, double padRaw,
                      Volume& out);

}  // namespace nz
