#include "roi/resample.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace nz {

Matrix4 voxelToVoxel(const Matrix4& targetAffine, const Matrix4& sourceAffine) {
  const Matrix4 inv = invertAffine(sourceAffine);
  Matrix4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += inv[i * 4 + k] * targetAffine[k * 4 + j];
      r[i * 4 + j] = s;
    }
  return r;
}

Box nearestSourceBox(const Matrix4& targetToSource, const std::array<std::int64_t, 3>& targetShape,
                     const Index5& sourceShape) {
  Box box;
  double lo[3], hi[3];
  for (int i = 0; i < 3; ++i) {
    lo[i] = std::numeric_limits<double>::infinity();
    hi[i] = -lo[i];
  }
  // The map is affine, so the extremes are at the corners of the target grid.
  for (int corner = 0; corner < 8; ++corner) {
    Point3 p;
    for (int i = 0; i < 3; ++i)
      p[i] = (corner >> i) & 1 ? double(std::max<std::int64_t>(targetShape[i] - 1, 0)) : 0.0;
    const Point3 s = applyAffine(targetToSource, p);
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min(lo[i], s[i]);
      hi[i] = std::max(hi[i], s[i]);
    }
  }
  for (int i = 0; i < 3; ++i) {
    const double b = std::max(std::floor(lo[i] + 0.5), 0.0);
    const double e = std::min(std::floor(hi[i] + 0.5) + 1, double(sourceShape[i]));
    if (!(e > b)) return Box{{0, 0, 0, 0, 0}, {0, 0, 0, 1, 1}};
    box.begin[i] = static_cast<std::int64_t>(b);
    box.end[i] = static_cast<std::int64_t>(e);
  }
  return box;
}

Volume resampleNearest(const Volume& source, const Box& sourceBox, const Matrix4& targetToSource,
                       const std::array<std::int64_t, 3>& targetShape, double fillRaw) {
  for (std::int64_t s : targetShape)
    if (s <= 0 || s > (std::int64_t{1} << 20))
      throw Error(ErrorKind::InvalidArgument, "resampling target shape out of range");
  Volume out;
  out.dtype = source.dtype;
  out.shape = {targetShape[0], targetShape[1], targetShape[2], 1, 1};
  const std::size_t esize = dtypeSize(out.dtype);
  const std::size_t n = out.voxelCount();
  if (n > (std::size_t{1} << 36) / esize)
    throw Error(ErrorKind::InvalidArgument, "resampling target larger than 64 GiB");
  out.data.assign(n * esize, 0);
  // The fill value once, in the output's representation.
  Volume fill;
  fill.dtype = out.dtype;
  fill.shape = {1, 1, 1, 1, 1};
  fill.data.assign(esize, 0);
  writeFromDouble(fill.data.data(), fill.dtype, 0, fillRaw);
  const Index5 sshape = source.shape;
  const bool sourceOk = source.data.size() >= source.voxelCount() * esize &&
                        sshape[0] == sourceBox.end[0] - sourceBox.begin[0] &&
                        sshape[1] == sourceBox.end[1] - sourceBox.begin[1] &&
                        sshape[2] == sourceBox.end[2] - sourceBox.begin[2];
  const Matrix4& m = targetToSource;
  for (std::int64_t z = 0; z < targetShape[2]; ++z)
    for (std::int64_t y = 0; y < targetShape[1]; ++y) {
      std::uint8_t* row = out.data.data() + out.offsetOf(0, y, z) * esize;
      for (std::int64_t x = 0; x < targetShape[0]; ++x) {
        std::int64_t s[3];
        bool inside = sourceOk;
        for (int i = 0; i < 3 && inside; ++i) {
          const double v = m[i * 4] * double(x) + m[i * 4 + 1] * double(y) +
                           m[i * 4 + 2] * double(z) + m[i * 4 + 3];
          s[i] = nearestIndex(v) - sourceBox.begin[i];
          inside = s[i] >= 0 && s[i] < sshape[i];
        }
        const std::uint8_t* from =
            inside ? source.data.data() + source.offsetOf(s[0], s[1], s[2]) * esize
                   : fill.data.data();
        std::copy(from, from + esize, row + static_cast<std::size_t>(x) * esize);
      }
    }
  return out;
}

}  // namespace nz
