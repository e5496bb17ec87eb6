#include "write/pyramid.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace nz {

namespace {
constexpr int kRadius = 3;  // int(truncate 4.0 * sigma 2/3 + 0.5)
}

const std::vector<double>& pyramidKernel() {
  static const std::vector<double> k = [] {
    const double sigma = 2.0 * 2.0 / 6.0;  // skimage pyramid_reduce: 2 * downscale / 6
    std::vector<double> w(2 * kRadius + 1);
    double sum = 0;
    for (int i = -kRadius; i <= kRadius; ++i) {
      w[i + kRadius] = std::exp(-0.5 / (sigma * sigma) * static_cast<double>(i * i));
      sum += w[i + kRadius];
    }
    for (double& v : w) v /= sum;
    return w;
  }();
  return k;
}

std::int64_t reflectIndex(std::int64_t i, std::int64_t n) {
  if (n <= 1) return 0;
  const std::int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

PyramidStep::PyramidStep(std::int64_t nx, std::int64_t ny, std::int64_t nz)
    : nx_(nx), ny_(ny), nz_(nz), ox_(halve(nx)), oy_(halve(ny)), oz_(halve(nz)) {
  zBlurEnd_ = nz_;
  outEnd_ = oz_;
}

namespace {

// 1-D correlation along one axis, reflect boundary, summed in scipy's order
// (ni_filters.c NI_Correlate1D, symmetric kernel): c*w0 + sum_{j=-3..-1} (x[i+j]+x[i-j])*w[j].
void blurLine(const double* in, double* out, std::int64_t n, std::int64_t stride) {
  const auto& w = pyramidKernel();
  const double* fw = w.data() + kRadius;
  for (std::int64_t i = 0; i < n; ++i) {
    double acc = in[i * stride] * fw[0];
    if (i >= kRadius && i + kRadius < n) {
      for (int j = -kRadius; j < 0; ++j) {
        acc += (in[(i + j) * stride] + in[(i - j) * stride]) * fw[j];
      }
    } else {
      for (int j = -kRadius; j < 0; ++j) {
        acc += (in[reflectIndex(i + j, n) * stride] + in[reflectIndex(i - j, n) * stride]) * fw[j];
      }
    }
    out[i * stride] = acc;
  }
}

// Linear-interpolation source for output index o of an axis n -> m (scipy zoom, grid_mode).
struct Tap {
  std::int64_t i0, i1;
  double w0, w1;
};

std::vector<Tap> resizeTaps(std::int64_t n, std::int64_t m) {
  std::vector<Tap> taps(static_cast<std::size_t>(m));
  const double zoom = static_cast<double>(n) / static_cast<double>(m);
  for (std::int64_t o = 0; o < m; ++o) {
    double c = (static_cast<double>(o) + 0.5) * zoom - 0.5;
    if (c < 0) c = 0;
    auto i0 = static_cast<std::int64_t>(std::floor(c));
    double f = c - static_cast<double>(i0);
    // 'mirror' boundary for the (zero-weight) neighbour past the end.
    std::int64_t i1 = i0 + 1 < n ? i0 + 1 : (n > 1 ? n - 2 : 0);
    if (i0 >= n) i0 = n - 1;
    taps[static_cast<std::size_t>(o)] = {i0, i1, 1.0 - f, f};
  }
  return taps;
}

// The z-blurred planes [first, last] that output planes [outFirst, outEnd) interpolate.
std::pair<std::int64_t, std::int64_t> tapRange(std::int64_t n, std::int64_t outFirst,
                                               std::int64_t outEnd) {
  const std::vector<Tap> taps = resizeTaps(n, PyramidStep::halve(n));
  std::int64_t lo = n, hi = -1;
  for (std::int64_t o = outFirst; o < outEnd; ++o) {
    const Tap& t = taps[static_cast<std::size_t>(o)];
    lo = std::min({lo, t.i0, t.i1});
    hi = std::max({hi, t.i0, t.i1});
  }
  return {lo, hi};
}

}  // namespace

std::pair<std::int64_t, std::int64_t> PyramidStep::inputsFor(std::int64_t n, std::int64_t outFirst,
                                                             std::int64_t outEnd) {
  if (outFirst < 0 || outEnd > halve(n) || outFirst >= outEnd) {
    throw Error(ErrorKind::InvalidArgument, "pyramid: bad output window");
  }
  const auto [lo, hi] = tapRange(n, outFirst, outEnd);
  std::int64_t first = n, last = -1;
  for (std::int64_t j = lo; j <= hi; ++j) {
    for (int k = -kRadius; k <= kRadius; ++k) {
      const std::int64_t r = reflectIndex(j + k, n);
      first = std::min(first, r);
      last = std::max(last, r);
    }
  }
  return {first, last + 1};
}

PyramidStep::PyramidStep(std::int64_t nx, std::int64_t ny, std::int64_t nz, std::int64_t inFirst,
                         std::int64_t outFirst, std::int64_t outEnd)
    : PyramidStep(nx, ny, nz) {
  const auto need = inputsFor(nz, outFirst, outEnd);
  if (inFirst < 0 || inFirst > need.first) {
    throw Error(ErrorKind::InvalidArgument, "pyramid: window starts after its first input");
  }
  const auto [lo, hi] = tapRange(nz, outFirst, outEnd);
  inFirst_ = inFirst;
  pushed_ = inFirst;
  nextZBlur_ = lo;
  zBlurEnd_ = hi + 1;
  nextOut_ = outFirst;
  outEnd_ = outEnd;
}

void PyramidStep::blurPlaneXY(Plane& p) const {
  std::vector<double> line(static_cast<std::size_t>(std::max(nx_, ny_)));
  // Along y (columns, stride nx), then along x (contiguous rows).
  std::vector<double> col(static_cast<std::size_t>(ny_));
  for (std::int64_t x = 0; x < nx_; ++x) {
    for (std::int64_t y = 0; y < ny_; ++y) col[static_cast<std::size_t>(y)] = p[y * nx_ + x];
    blurLine(col.data(), line.data(), ny_, 1);
    for (std::int64_t y = 0; y < ny_; ++y) p[y * nx_ + x] = line[static_cast<std::size_t>(y)];
  }
  for (std::int64_t y = 0; y < ny_; ++y) {
    double* row = p.data() + y * nx_;
    blurLine(row, line.data(), nx_, 1);
    std::memcpy(row, line.data(), static_cast<std::size_t>(nx_) * sizeof(double));
  }
}

bool PyramidStep::zBlurReady(std::int64_t j) const {
  for (int k = -kRadius; k <= kRadius; ++k) {
    const std::int64_t r = reflectIndex(j + k, nz_);
    if (r >= pushed_ || r < inFirst_) return false;
  }
  return true;
}

void PyramidStep::computeZBlur(std::int64_t j) {
  // scipy's gaussian_filter runs the axes of the [z, y, x] array in order: z, then y, then x.
  const double* fw = pyramidKernel().data() + kRadius;
  Plane out(static_cast<std::size_t>(nx_ * ny_));
  const Plane& mid = xyBlurred_.at(j);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = mid[i] * fw[0];
  for (int k = -kRadius; k < 0; ++k) {
    const Plane& a = xyBlurred_.at(reflectIndex(j + k, nz_));
    const Plane& b = xyBlurred_.at(reflectIndex(j - k, nz_));
    const double wk = fw[k];
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += (a[i] + b[i]) * wk;
  }
  blurPlaneXY(out);
  zBlurred_.emplace(j, std::move(out));
}

void PyramidStep::emitReady(const Emit& emit) {
  const std::vector<Tap> tz = resizeTaps(nz_, oz_);
  const std::vector<Tap> tx = resizeTaps(nx_, ox_);
  const std::vector<Tap> ty = resizeTaps(ny_, oy_);
  while (nextOut_ < outEnd_) {
    const Tap& t = tz[static_cast<std::size_t>(nextOut_)];
    if (!zBlurred_.count(t.i0) || !zBlurred_.count(t.i1)) return;
    const Plane& a = zBlurred_.at(t.i0);
    const Plane& b = zBlurred_.at(t.i1);
    // scipy NI_ZoomShift: sum over the 8 corners (x fastest) of v * wz * wy * wx.
    Plane out(static_cast<std::size_t>(ox_ * oy_));
    const double wz[2] = {t.w0, t.w1};
    const Plane* pz[2] = {&a, &b};
    for (std::int64_t y = 0; y < oy_; ++y) {
      const Tap& u = ty[static_cast<std::size_t>(y)];
      const double wy[2] = {u.w0, u.w1};
      const std::int64_t ry[2] = {u.i0 * nx_, u.i1 * nx_};
      double* o = out.data() + y * ox_;
      for (std::int64_t x = 0; x < ox_; ++x) {
        const Tap& v = tx[static_cast<std::size_t>(x)];
        const double wx[2] = {v.w0, v.w1};
        const std::int64_t cx[2] = {v.i0, v.i1};
        double acc = 0;
        for (int i = 0; i < 2; ++i) {
          for (int jj = 0; jj < 2; ++jj) {
            for (int k = 0; k < 2; ++k) {
              double coeff = (*pz[i])[static_cast<std::size_t>(ry[jj] + cx[k])];
              coeff *= wz[i];
              coeff *= wy[jj];
              coeff *= wx[k];
              acc += coeff;
            }
          }
        }
        o[x] = acc;
      }
    }
    emit(nextOut_, out);
    ++nextOut_;
  }
}

void PyramidStep::evict() {
  // xy-blurred plane i is needed by z-blurred planes j >= nextZBlur_ only through
  // j+k (|k| <= 3) or, near the end, through the reflection; keep those.
  for (auto it = xyBlurred_.begin(); it != xyBlurred_.end();) {
    if (it->first < nextZBlur_ - kRadius && it->first + kRadius + 1 < nz_) {
      it = xyBlurred_.erase(it);
    } else {
      ++it;
    }
  }
  if (nextOut_ < outEnd_) {
    const double zoom = static_cast<double>(nz_) / static_cast<double>(oz_);
    double c = (static_cast<double>(nextOut_) + 0.5) * zoom - 0.5;
    auto first = static_cast<std::int64_t>(std::floor(std::max(c, 0.0)));
    for (auto it = zBlurred_.begin(); it != zBlurred_.end();) {
      it = it->first < first ? zBlurred_.erase(it) : std::next(it);
    }
  } else {
    zBlurred_.clear();
    xyBlurred_.clear();
  }
}

void PyramidStep::push(Plane plane, const Emit& emit) {
  if (pushed_ >= nz_ || static_cast<std::int64_t>(plane.size()) != nx_ * ny_) {
    throw Error(ErrorKind::InvalidArgument, "pyramid: unexpected input plane");
  }
  xyBlurred_.emplace(pushed_, std::move(plane));  // raw; blurred along z first
  ++pushed_;
  while (nextZBlur_ < zBlurEnd_ && zBlurReady(nextZBlur_)) computeZBlur(nextZBlur_++);
  emitReady(emit);
  evict();
}

namespace {

template <typename T>
void castInt(const double* in, std::size_t n, std::uint8_t* out) {
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  for (std::size_t i = 0; i < n; ++i) {
    double v = in[i];
    T r;
    if (std::isnan(v)) {
      r = 0;
    } else if (v <= lo) {
      r = std::numeric_limits<T>::lowest();
    } else if (v >= hi) {
      r = std::numeric_limits<T>::max();
    } else {
      r = static_cast<T>(v);  // truncation toward zero, as numpy astype
    }
    std::memcpy(out + i * sizeof(T), &r, sizeof(T));
  }
}

template <typename T>
void castFloat(const double* in, std::size_t n, std::uint8_t* out) {
  for (std::size_t i = 0; i < n; ++i) {
    T r = static_cast<T>(in[i]);
    std::memcpy(out + i * sizeof(T), &r, sizeof(T));
  }
}

}  // namespace

void castPlane(const double* in, std::size_t n, DType t, std::uint8_t* out) {
  switch (t) {
    case DType::UInt8:
      return castInt<std::uint8_t>(in, n, out);
    case DType::Int8:
      return castInt<std::int8_t>(in, n, out);
    case DType::UInt16:
      return castInt<std::uint16_t>(in, n, out);
    case DType::Int16:
      return castInt<std::int16_t>(in, n, out);
    case DType::UInt32:
      return castInt<std::uint32_t>(in, n, out);
    case DType::Int32:
      return castInt<std::int32_t>(in, n, out);
    case DType::UInt64:
      return castInt<std::uint64_t>(in, n, out);
    case DType::Int64:
      return castInt<std::int64_t>(in, n, out);
    case DType::Float32:
      return castFloat<float>(in, n, out);
    case DType::Float64:
      return castFloat<double>(in, n, out);
    case DType::Complex64: {
      // Real part only; the imaginary part is zero (as skimage's float cast leaves it).
      for (std::size_t i = 0; i < n; ++i) {
        float re[2] = {static_cast<float>(in[i]), 0.0f};
        std::memcpy(out + i * 8, re, 8);
      }
      return;
    }
    case DType::Complex128: {
      for (std::size_t i = 0; i < n; ++i) {
        double re[2] = {in[i], 0.0};
        std::memcpy(out + i * 16, re, 16);
      }
      return;
    }
    case DType::RGB24:
    case DType::RGBA32:
      break;
  }
  throw Error(ErrorKind::Unsupported,
              std::string("pyramid levels for data type ") + dtypeName(t) + " are not supported");
}

void voteLabels(const std::vector<const Plane*>& probs, const std::vector<double>& labels,
                Plane& out) {
  // niizarr _make_pyramid3d/pyramid_labels: values start at 0 (not labels[0]) and maxprob at
  // labels[0]'s probability; each further label wins where its probability is strictly larger.
  if (probs.empty()) return;
  const std::size_t n = probs[0]->size();
  out.assign(n, 0.0);
  std::vector<double> best(probs[0]->begin(), probs[0]->end());
  for (std::size_t k = 1; k < probs.size(); ++k) {
    const Plane& p = *probs[k];
    for (std::size_t i = 0; i < n; ++i) {
      if (p[i] > best[i]) {
        best[i] = p[i];
        out[i] = labels[k];
      }
    }
  }
}

}  // namespace nz
