#pragma once
// TorchIO CropOrPad arithmetic and numpy/TorchIO padding of voxel blocks (Qt-free).
//
//   auto cp = nz::cropOrPadAxis(size, target);     // pad/crop amounts on one axis
//   nz::Box out = nz::cropOrPadBox(roi, {W, H, D}); // first voxel = roi.begin - padIni + cropIni
//   nz::Volume v = nz::padCrop(src, srcBox, region, out, mode, constantRaw);
//
// For a difference d = target - size on an axis, TorchIO puts ceil(d/2) at the start and
// floor(d/2) at the end; it pads first, then crops. Pad modes follow numpy's np.pad, except
// minimum/maximum/mean/median, which (as in TorchIO's Pad) use the statistic of the whole
// region being padded rather than numpy's per-axis statistic.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "volume/volume.h"

namespace nz {

enum class PadMode { Constant, Edge, Minimum, Maximum, Mean, Median, Reflect, Symmetric, Wrap };

const char* padModeName(PadMode m);
// Throws nz::Error(InvalidArgument) naming the valid modes.
PadMode padModeFromName(const std::string& name);
// True for the modes whose value is one statistic of the region (min/max/mean/median).
bool padModeIsStatistic(PadMode m);

struct AxisCropOrPad {
  std::int64_t padIni = 0, padFin = 0, cropIni = 0, cropFin = 0;
};

// TorchIO's CropOrPad amounts for one axis (size, target >= 0).
AxisCropOrPad cropOrPadAxis(std::int64_t size, std::int64_t target);

// The box CropOrPad produces from `box` with spatial target (W, H, D); t and c are untouched.
Box cropOrPadBox(const Box& box, const std::array<std::int64_t, 3>& target);

// Maps a coordinate relative to a region of length n (may be outside [0, n)) to the source
// index numpy's np.pad would copy from, or -1 when the mode fills with a constant.
std::int64_t padSourceIndex(std::int64_t i, std::int64_t n, PadMode mode);

// Statistic of all voxels of `v` (raw units), as TorchIO computes it: min, max, mean, or the
// 0.5 quantile with linear interpolation (torch.quantile). NaNs are ignored for min/max.
// Throws nz::Error(Unsupported) for complex/RGB data or an empty volume.
double volumeStatistic(const Volume& v, PadMode mode);

// Converts a value to the element type of `t` the way it will be stored: rounded to nearest
// and clamped for integer types.
void storeValue(void* dst, DType t, double value);

// Builds the voxels of `out` (level coordinates) from `src`, which holds the voxels of `srcBox`.
// `region` is the data being padded (srcBox must cover region on every axis where `out`
// reaches outside region, and cover region ∩ out elsewhere). Voxels of `out` outside `region`
// are filled following `mode`: constantRaw for Constant, the statistic of `src` over region
// for statistic modes (`statisticRaw` when given, e.g. precomputed), else np.pad's rule.
Volume padCrop(const Volume& src, const Box& srcBox, const Box& region, const Box& out,
               PadMode mode, double constantRaw = 0,
               std::optional<double> statisticRaw = std::nullopt);

}  // namespace nz
