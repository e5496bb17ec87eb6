#pragma once
// One 2x downsampling step of niizarr's Gaussian pyramid, streamed plane by plane along z so
// that memory stays at a few planes per level. It reproduces
// skimage.transform.pyramid_gaussian(downscale=2, preserve_range=True, order=1):
//   1. scipy.ndimage.gaussian_filter, sigma = 2*2/6 = 2/3 voxel, truncate 4 (radius 3),
//      mode 'reflect' (a b c | c b a), on every axis, in float64;
//   2. skimage resize to ceil(n/2) per axis, order 1 (linear), anti_aliasing=False, i.e.
//      scipy.ndimage.zoom(grid_mode=True, mode='mirror'): source coordinate (o+0.5)*n/m-0.5.
// Planes are x-fastest nx*ny doubles. Levels chain on the float values (as skimage does);
// casting to the stored type happens only when a level is written (castPlane).
//
//   PyramidStep step(nx, ny, nz);
//   for (z...) step.push(std::move(plane), [&](std::int64_t zOut, const Plane& p) { ... });
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "volume/dtype.h"

namespace nz {

using Plane = std::vector<double>;

class PyramidStep {
 public:
  using Emit = std::function<void(std::int64_t zOut, const Plane& plane)>;

  PyramidStep(std::int64_t nx, std::int64_t ny, std::int64_t nz);
  // A z window of the same step (a conversion part): input planes arrive from `inFirst`
  // (inputsFor(nz, outFirst, outEnd).first or earlier) and only output planes
  // [outFirst, outEnd) are emitted. Each emitted plane is bit-identical to the one the
  // whole-volume step emits: the same input planes enter the same operations in the same order.
  PyramidStep(std::int64_t nx, std::int64_t ny, std::int64_t nz, std::int64_t inFirst,
              std::int64_t outFirst, std::int64_t outEnd);

  std::int64_t outX() const { return ox_; }
  std::int64_t outY() const { return oy_; }
  std::int64_t outZ() const { return oz_; }

  // Feeds input plane z (strictly in order 0..nz-1). Emits every output plane that became
  // computable, in z order; after the last input plane all remaining outputs are emitted.
  void push(Plane plane, const Emit& emit);

  // Output size of one axis: ceil(n/2).
  static std::int64_t halve(std::int64_t n) { return (n + 1) / 2; }
  // The input planes [first, end) that output planes [outFirst, outEnd) of an axis of n
  // planes depend on (Gaussian radius and linear taps, reflected at the volume's ends).
  static std::pair<std::int64_t, std::int64_t> inputsFor(std::int64_t n, std::int64_t outFirst,
                                                         std::int64_t outEnd);
  // True once every output plane of the window has been emitted.
  bool finished() const { return nextOut_ >= outEnd_; }

 private:
  void blurPlaneXY(Plane& p) const;
  bool zBlurReady(std::int64_t j) const;
  void computeZBlur(std::int64_t j);
  void emitReady(const Emit& emit);
  void evict();

  std::int64_t nx_, ny_, nz_, ox_, oy_, oz_;
  std::int64_t inFirst_ = 0;                 // first input plane of the window
  std::int64_t pushed_ = 0;                  // input planes received (next one to come)
  std::int64_t nextZBlur_ = 0;               // next z-blurred plane to compute
  std::int64_t zBlurEnd_ = 0;                // z-blurred planes [.., zBlurEnd_) are needed
  std::int64_t nextOut_ = 0;                 // next output plane
  std::int64_t outEnd_ = 0;                  // output planes [.., outEnd_) are emitted
  std::map<std::int64_t, Plane> xyBlurred_;  // input planes blurred in x and y
  std::map<std::int64_t, Plane> zBlurred_;   // fully blurred planes
};

// Gaussian kernel weights of scipy.ndimage.gaussian_filter1d (sigma 2/3, radius 3).
const std::vector<double>& pyramidKernel();
// ndimage 'reflect' boundary: maps any index into [0, n).
std::int64_t reflectIndex(std::int64_t i, std::int64_t n);

// Casts doubles to `t` like numpy astype: integers truncate toward zero (values outside the
// type's range are clamped and NaN becomes 0 instead of numpy's undefined result); floats
// round to nearest. Writes n elements in native byte order to `out`.
void castPlane(const double* in, std::size_t n, DType t, std::uint8_t* out);

// Per-label vote (niizarr label pyramids): each label's one-hot volume is pyramided as a
// probability and the label with the highest probability wins (ties: the smaller label, as
// niizarr's strict '>' over ascending labels; like niizarr, a voxel where the smallest label
// wins gets 0). probs[k] is the plane of labels[k] (ascending).
void voteLabels(const std::vector<const Plane*>& probs, const std::vector<double>& labels,
                Plane& out);

}  // namespace nz
