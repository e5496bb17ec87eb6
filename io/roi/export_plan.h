#pragma once
// Plans an export before any voxel is fetched: which box of which level to read, the chunks
// and bytes that costs, the output box after CropOrPad, and the output size and time estimate.
// The GUI shows it before a large export; `nzview-cli export --dry-run` prints it.
//
//   nz::ExportRequest req; req.level = 0; req.roi = box; req.cropOrPad = {{64, 64, 64}};
//   nz::ExportPlan plan = nz::planExport(dataset->info(), req);
//   nz::Volume v = dataset->readRegion(plan.level, plan.readBox);   // then nz::executePlan
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "dataset/dataset.h"
#include "roi/crop_or_pad.h"

namespace nz {

struct ExportRequest {
  int level = 0;
  std::optional<Box> roi;  // level voxels; may reach outside; unset = whole level
  std::optional<std::array<std::int64_t, 3>> cropOrPad;  // W, H, D
  PadMode padMode = PadMode::Constant;
  double padValue = 0;  // scaled units (raw*slope+inter)
};

struct ExportPlan {
  int level = 0;
  Box roi;      // requested box (level voxels)
  Box outBox;   // voxels written, level coordinates: first voxel = roi.begin - padIni + cropIni
  Box region;   // the data being padded: roi ∩ level volume
  Box readBox;  // what must be read (inside the volume; empty when nothing)
  std::array<AxisCropOrPad, 3> cropOrPad{};  // per spatial axis (zero without --crop-or-pad)
  PadMode padMode = PadMode::Constant;
  std::optional<std::array<std::int64_t, 3>> cropOrPadTarget;  // as requested (for manifests)
  double padValue = 0;     // as requested, scaled units (for manifests and replays)
  double padValueRaw = 0;  // the constant in stored (raw) units
  Matrix4 affine{};        // level affine shifted to outBox.begin
  DType dtype = DType::UInt8;
  std::uint64_t chunks = 0;                // chunks (inner chunks when sharded) to fetch
  std::uint64_t chunkBytesDecoded = 0;     // their decoded size
  std::uint64_t bytesToFetchEstimate = 0;  // decoded size (compressed size is not in metadata)
  std::uint64_t outputVoxels = 0;
  std::uint64_t outputBytes = 0;  // uncompressed .nii size (header + data)
  double estimatedSeconds = 0;
};

struct ThroughputModel {
  double roundTripSeconds = 0.05;  // per wave of requests (remote); ~0 for local files
  double bytesPerSecond = 100e6;   // download bandwidth
  int requestsInFlight = 32;
};

// Throws nz::Error(InvalidArgument) for a bad level, an empty ROI or target.
ExportPlan planExport(const DatasetInfo& info, const ExportRequest& req,
                      const ThroughputModel& model = {});

// Chunks of `level` that intersect `box` (clipped to the level), counted without listing them.
std::uint64_t countChunks(const LevelInfo& level, const Box& box);

// Applies the plan to the voxels of plan.readBox: pads and crops into plan.outBox.
Volume executePlan(const ExportPlan& plan, Volume&& readVoxels);

// Multi-line human-readable description (for --dry-run), and the same as one JSON object.
std::string describePlan(const ExportPlan& plan, const DatasetInfo& info);
std::string planJson(const ExportPlan& plan, const DatasetInfo& info);

}  // namespace nz
