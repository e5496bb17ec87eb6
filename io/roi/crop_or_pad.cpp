#include "roi/crop_or_pad.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"

namespace nz {

namespace {

struct ModeName {
  PadMode mode;
  const char* name;
};
constexpr ModeName kModes[] = {{PadMode::Constant, "constant"}, {PadMode::Edge, "edge"},
                               {PadMode::Minimum, "minimum"},   {PadMode::Maximum, "maximum"},
                               {PadMode::Mean, "mean"},         {PadMode::Median, "median"},
                               {PadMode::Reflect, "reflect"},   {PadMode::Symmetric, "symmetric"},
                               {PadMode::Wrap, "wrap"}};

std::int64_t floorMod(std::int64_t a, std::int64_t m) {
  std::int64_t r = a % m;
  return r < 0 ? r + m : r;
}

template <typename T>
void storeInt(void* dst, double v) {
  // Round to nearest, clamp: a statistic or a pad value must never wrap around.
  T out;
  if (std::isnan(v)) {
    out = 0;
  } else {
    double r = std::round(v);
    double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    double hi = static_cast<double>(std::numeric_limits<T>::max());
    if (r <= lo)
      out = std::numeric_limits<T>::lowest();
    else if (r >= hi)
      out = std::numeric_limits<T>::max();
    else
      out = static_cast<T>(r);
  }
  std::memcpy(dst, &out, sizeof(T));
}

template <typename T>
void storeFloat(void* dst, double v) {
  T out = static_cast<T>(v);
  std::memcpy(dst, &out, sizeof(T));
}

}  // namespace

const char* padModeName(PadMode m) {
  for (const auto& e : kModes)
    if (e.mode == m) return e.name;
  return "constant";
}

PadMode padModeFromName(const std::string& name) {
  for (const auto& e : kModes)
    if (name == e.name) return e.mode;
  throw Error(ErrorKind::InvalidArgument,
              "unknown pad mode '" + name +
                  "' (valid: constant, edge, minimum, maximum, mean, median, reflect, "
                  "symmetric, wrap)");
}

bool padModeIsStatistic(PadMode m) {
  return m == PadMode::Minimum || m == PadMode::Maximum || m == PadMode::Mean ||
         m == PadMode::Median;
}

AxisCropOrPad cropOrPadAxis(std::int64_t size, std::int64_t target) {
  AxisCropOrPad r;
  std::int64_t d = target - size;
  if (d > 0) {
    r.padIni = (d + 1) / 2;  // ceil(d/2)
    r.padFin = d / 2;        // floor(d/2)
  } else if (d < 0) {
    r.cropIni = (-d + 1) / 2;
    r.cropFin = -d / 2;
  }
  return r;
}

Box cropOrPadBox(const Box& box, const std::array<std::int64_t, 3>& target) {
  Box out = box;
  for (int a = 0; a < 3; ++a) {
    if (target[a] <= 0)
      throw Error(ErrorKind::InvalidArgument, "crop-or-pad target sizes must be positive");
    AxisCropOrPad cp = cropOrPadAxis(box.end[a] - box.begin[a], target[a]);
    out.begin[a] = box.begin[a] - cp.padIni + cp.cropIni;
    out.end[a] = out.begin[a] + target[a];
  }
  return out;
}

std::int64_t padSourceIndex(std::int64_t i, std::int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  if (n <= 0) return -1;
  switch (mode) {
    case PadMode::Edge:
      return i < 0 ? 0 : n - 1;
    case PadMode::Reflect: {
      if (n == 1) return 0;  // numpy repeats the single value
      std::int64_t p = 2 * (n - 1);
      std::int64_t m = floorMod(i, p);
      return m < n ? m : p - m;
    }
    case PadMode::Symmetric: {
      std::int64_t m = floorMod(i, 2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    case PadMode::Wrap:
      return floorMod(i, n);
    default:
      return -1;
  }
}

void storeValue(void* dst, DType t, double value) {
  switch (t) {
    case DType::UInt8:
      storeInt<std::uint8_t>(dst, value);
      break;
    case DType::Int8:
      storeInt<std::int8_t>(dst, value);
      break;
    case DType::UInt16:
      storeInt<std::uint16_t>(dst, value);
      break;
    case DType::Int16:
      storeInt<std::int16_t>(dst, value);
      break;
    case DType::UInt32:
      storeInt<std::uint32_t>(dst, value);
      break;
    case DType::Int32:
      storeInt<std::int32_t>(dst, value);
      break;
    case DType::UInt64:
      storeInt<std::uint64_t>(dst, value);
      break;
    case DType::Int64:
      storeInt<std::int64_t>(dst, value);
      break;
    case DType::Float32:
      storeFloat<float>(dst, value);
      break;
    case DType::Float64:
      storeFloat<double>(dst, value);
      break;
    case DType::Complex64: {
      float c[2] = {static_cast<float>(value), 0.f};
      std::memcpy(dst, c, sizeof c);
      break;
    }
    case DType::Complex128: {
      double c[2] = {value, 0.0};
      std::memcpy(dst, c, sizeof c);
      break;
    }
    case DType::RGB24:
    case DType::RGBA32: {
      std::uint8_t b;
      storeInt<std::uint8_t>(&b, value);
      std::memset(dst, b, dtypeSize(t));
      break;
    }
  }
}

double volumeStatistic(const Volume& v, PadMode mode) {
  if (v.dtype == DType::Complex64 || v.dtype == DType::Complex128 || v.dtype == DType::RGB24 ||
      v.dtype == DType::RGBA32)
    throw Error(ErrorKind::Unsupported, std::string("pad mode '") + padModeName(mode) +
                                            "' is not supported for " + dtypeName(v.dtype) +
                                            " data");
  std::size_t n = v.voxelCount();
  if (n == 0)
    throw Error(ErrorKind::InvalidArgument,
                std::string("pad mode '") + padModeName(mode) +
                    "' needs data to compute its statistic, but the region holds no voxel "
                    "inside the volume");
  const void* d = v.data.data();
  switch (mode) {
    case PadMode::Minimum:
    case PadMode::Maximum: {
      bool isMin = mode == PadMode::Minimum;
      double best = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t i = 0; i < n; ++i) {
        double x = readAsDouble(d, v.dtype, i);
        if (std::isnan(x)) continue;
        if (std::isnan(best) || (isMin ? x < best : x > best)) best = x;
      }
      return best;
    }
    case PadMode::Mean: {
      // Kahan-compensated sum: exact enough for huge regions, unlike a float running sum.
      double sum = 0, comp = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double y = readAsDouble(d, v.dtype, i) - comp;
        double t = sum + y;
        comp = (t - sum) - y;
        sum = t;
      }
      return sum / static_cast<double>(n);
    }
    case PadMode::Median: {
      // torch.quantile(x, 0.5): linear interpolation between the two middle values.
      std::vector<double> values(n);
      for (std::size_t i = 0; i < n; ++i) values[i] = readAsDouble(d, v.dtype, i);
      for (double x : values)
        if (std::isnan(x)) return x;  // torch.quantile propagates NaN
      std::size_t lo = (n - 1) / 2, hi = n / 2;
      std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo),
                       values.end());
      double a = values[lo];
      if (hi == lo) return a;
      double b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(hi), values.end());
      return a + (b - a) * 0.5;
    }
    default:
      break;
  }
  throw Error(ErrorKind::InvalidArgument, "not a statistic pad mode");
}

Volume padCrop(const Volume& src, const Box& srcBox, const Box& region, const Box& out,
               PadMode mode, double constantRaw, std::optional<double> statisticRaw) {
  const std::size_t es = dtypeSize(src.dtype);
  Volume dst;
  dst.dtype = src.dtype;
  dst.shape = out.shape();
  for (auto s : dst.shape)
    if (s < 0) throw Error(ErrorKind::InvalidArgument, "negative output box");
  dst.data.resize(dst.voxelCount() * es);
  if (dst.data.empty()) return dst;

  bool regionEmpty = region.empty();
  bool constantFill = mode == PadMode::Constant || padModeIsStatistic(mode) || regionEmpty;
  std::vector<std::uint8_t> fill(es, 0);
  bool needsFill = false;
  for (int a = 0; a < 5; ++a)
    needsFill = needsFill || out.begin[a] < region.begin[a] || out.end[a] > region.end[a];
  if (constantFill && needsFill) {
    double value = constantRaw;
    if (padModeIsStatistic(mode)) {
      if (statisticRaw) {
        value = *statisticRaw;
      } else {
        // The statistic covers exactly the region; src may hold more (never less) of it.
        Volume sub = padCrop(src, srcBox, region, region, PadMode::Constant, 0);
        value = volumeStatistic(sub, mode);
      }
    } else if (regionEmpty && mode != PadMode::Constant) {
      throw Error(ErrorKind::InvalidArgument,
                  std::string("pad mode '") + padModeName(mode) +
                      "' needs data, but the ROI lies entirely outside the volume");
    }
    storeValue(fill.data(), src.dtype, value);
  }
  if (src.shape != srcBox.shape() || src.data.size() < src.voxelCount() * es)
    throw Error(ErrorKind::InvalidArgument, "source volume does not match its box");

  // Per-axis map from output coordinate to source index (-1 = fill value).
  std::array<std::vector<std::int64_t>, 5> maps;
  for (int a = 0; a < 5; ++a) {
    std::int64_t n = region.end[a] - region.begin[a];
    maps[a].resize(static_cast<std::size_t>(dst.shape[a]));
    for (std::int64_t o = 0; o < dst.shape[a]; ++o) {
      std::int64_t rel = out.begin[a] + o - region.begin[a];
      std::int64_t r =
          regionEmpty ? -1 : padSourceIndex(rel, n, constantFill ? PadMode::Constant : mode);
      std::int64_t s = -1;
      if (r >= 0) {
        s = region.begin[a] + r - srcBox.begin[a];
        if (s < 0 || s >= src.shape[a])
          throw Error(ErrorKind::InvalidArgument, "source box does not cover the padded region");
      }
      maps[a][static_cast<std::size_t>(o)] = s;
    }
  }

  const std::uint8_t* sp = src.data.data();
  std::uint8_t* dp = dst.data.data();
  const auto& mx = maps[0];
  std::size_t nx = static_cast<std::size_t>(dst.shape[0]);
  for (std::int64_t c = 0; c < dst.shape[4]; ++c)
    for (std::int64_t t = 0; t < dst.shape[3]; ++t)
      for (std::int64_t z = 0; z < dst.shape[2]; ++z)
        for (std::int64_t y = 0; y < dst.shape[1]; ++y) {
          std::uint8_t* line = dp + dst.offsetOf(0, y, z, t, c) * es;
          std::int64_t sy = maps[1][static_cast<std::size_t>(y)];
          std::int64_t sz = maps[2][static_cast<std::size_t>(z)];
          std::int64_t st = maps[3][static_cast<std::size_t>(t)];
          std::int64_t sc = maps[4][static_cast<std::size_t>(c)];
          if (sy < 0 || sz < 0 || st < 0 || sc < 0) {
            for (std::size_t x = 0; x < nx; ++x) std::memcpy(line + x * es, fill.data(), es);
            continue;
          }
          const std::uint8_t* sline = sp + src.offsetOf(0, sy, sz, st, sc) * es;
          std::size_t x = 0;
          while (x < nx) {
            std::int64_t sx = mx[x];
            if (sx < 0) {
              std::memcpy(line + x * es, fill.data(), es);
              ++x;
              continue;
            }
            // Copy the longest run of consecutive source voxels in one memcpy.
            std::size_t run = 1;
            while (x + run < nx && mx[x + run] == sx + static_cast<std::int64_t>(run)) ++run;
            std::memcpy(line + x * es, sline + static_cast<std::size_t>(sx) * es, run * es);
            x += run;
          }
        }
  return dst;
}

}  // namespace nz
