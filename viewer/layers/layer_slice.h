#pragma once
// A layer resampled into one view's plane: which of its chunks the view needs (at the layer's
// own screen-matched level) and, once they are in the loader's cache, the layer's value under
// every pixel of the reference slice (nearest neighbour through the layer's affine, the same
// rule as nz::resampleNearest; image layers may choose trilinear within a level), then painted over
// the image (label colours or a colour map). Pure functions of metadata and cached chunks; no Qt
// widgets, no I/O.
#include <cstdint>
#include <functional>
#include <vector>

#include "data/slice_composer.h"
#include "layers/layer.h"
#include "loader/chunk_key.h"
#include "loader/slice_request.h"
#include "model/orientation.h"

class vtkLookupTable;

namespace nzviewer {

// Pixel centres of a composed reference slice in reference level-0 voxels:
// voxel(k, r) = origin + k * stepK + r * stepR (k: column from the left, r: row from the bottom).
struct PlaneGrid {
  int width = 0, height = 0;
  nz::Point3 origin{0, 0, 0}, stepK{0, 0, 0}, stepR{0, 0, 0};
};
PlaneGrid planeGridOf(const ComposedSlice& slice, const ViewAxes& axes,
                      const std::array<double, 3>& spacing, double normalPosition);

// Level of `layer` matching one screen pixel of the view (its voxel axis nearest the view's
// normal decides the in-plane size). The view chooses it and sends it down with its requests.
int layerLevelFor(const Layer& layer, const nz::Matrix4& refAffine0, const nz::ViewSlice& view);

// The chunks that cover the view's visible window in the layer at `level` (-1: layerLevelFor),
// Visible at that level and at the coarsest level, so something shows after one round trip.
// `refAffine0`: the reference's level-0 affine.
struct LayerViewRequests {
  int level = 0;
  std::vector<nz::ChunkRequest> requests;
};
LayerViewRequests layerRequests(const Layer& layer, const nz::Matrix4& refAffine0,
                                const nz::ViewSlice& view, int level = -1);

struct LayerSlice {
  int width = 0, height = 0;
  std::vector<double> values;  // raw labels / scaled intensities; NaN: outside or not loaded
  int level = 0;
  std::size_t targetChunks = 0, targetChunksReady = 0;  // at `level` (failed count as ready)
  bool complete() const { return targetChunksReady == targetChunks; }
  double valueAt(int k, int r) const {
    if (k < 0 || r < 0 || k >= width || r >= height) return std::nan("");
    return values[static_cast<std::size_t>(r) * width + k];
  }
};

// The layer's values on `grid` from its cached chunks at `level`, coarser levels filling the
// pixels whose chunk has not arrived yet.
LayerSlice composeLayerSlice(const Layer& layer, const nz::Matrix4& refAffine0,
                             const PlaneGrid& grid, int level, std::int64_t t,
                             const ChunkLookup& lookup, const ChunkSet& failed);

// Paints `slice` over `rgba` (grid-sized, 4 bytes per pixel, straight alpha; start from all
// zero, the overlay VTK blends over the image): labels with their table's colour × opacity
// (outline: boundary pixels only), images through `imageLut` (filled by the caller for the layer's
// window and colour map) × opacity.
void paintLayer(const Layer& layer, const LayerSlice& slice, vtkLookupTable* imageLut,
                std::vector<std::uint8_t>& rgba);

}  // namespace nzviewer
