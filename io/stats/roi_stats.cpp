#include "stats/roi_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/error.h"
#include "loader/region_reader.h"
#include "roi/export_with.h"
#include "roi/resample.h"
#include "roi/roi_box.h"
#include "stats/chunk_visit.h"
#include "stats/rank_select.h"

namespace nz {

namespace {

constexpr std::size_t kMaxLabels = std::size_t{1} << 20;

// Order-preserving unsigned keys (see rank_select.h) and their inverse, per stored type.
template <typename T>
struct Keys;
template <>
struct Keys<std::uint8_t> {
  static constexpr int bits = 8;
  static std::uint64_t key(std::uint8_t v) { return v; }
  static double value(std::uint64_t k) { return static_cast<double>(k); }
};
template <>
struct Keys<std::int8_t> {
  static constexpr int bits = 8;
  static std::uint64_t key(std::int8_t v) { return static_cast<std::uint8_t>(v) ^ 0x80u; }
  static double value(std::uint64_t k) {
    return static_cast<double>(static_cast<std::int8_t>(static_cast<std::uint8_t>(k ^ 0x80u)));
  }
};
template <>
struct Keys<std::uint16_t> {
  static constexpr int bits = 16;
  static std::uint64_t key(std::uint16_t v) { return v; }
  static double value(std::uint64_t k) { return static_cast<double>(k); }
};
template <>
struct Keys<std::int16_t> {
  static constexpr int bits = 16;
  static std::uint64_t key(std::int16_t v) { return static_cast<std::uint16_t>(v) ^ 0x8000u; }
  static double value(std::uint64_t k) {
    return static_cast<double>(static_cast<std::int16_t>(static_cast<std::uint16_t>(k ^ 0x8000u)));
  }
};
template <>
struct Keys<std::uint32_t> {
  static constexpr int bits = 32;
  static std::uint64_t key(std::uint32_t v) { return v; }
  static double value(std::uint64_t k) { return static_cast<double>(k); }
};
template <>
struct Keys<std::int32_t> {
  static constexpr int bits = 32;
  static std::uint64_t key(std::int32_t v) { return static_cast<std::uint32_t>(v) ^ 0x80000000u; }
  static double value(std::uint64_t k) {
    return static_cast<double>(
        static_cast<std::int32_t>(static_cast<std::uint32_t>(k ^ 0x80000000u)));
  }
};
template <>
struct Keys<std::uint64_t> {
  static constexpr int bits = 64;
  static std::uint64_t key(std::uint64_t v) { return v; }
  static double value(std::uint64_t k) { return static_cast<double>(k); }
};
template <>
struct Keys<std::int64_t> {
  static constexpr int bits = 64;
  static constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  static std::uint64_t key(std::int64_t v) { return static_cast<std::uint64_t>(v) ^ kSign; }
  static double value(std::uint64_t k) {
    return static_cast<double>(static_cast<std::int64_t>(k ^ kSign));
  }
};
template <>
struct Keys<float> {
  static constexpr int bits = 32;
  static std::uint64_t key(float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  }
  static double value(std::uint64_t k) {
    auto kk = static_cast<std::uint32_t>(k);
    std::uint32_t b = (kk & 0x80000000u) ? (kk & 0x7fffffffu) : ~kk;
    float v;
    std::memcpy(&v, &b, 4);
    return static_cast<double>(v);
  }
};
template <>
struct Keys<double> {
  static constexpr int bits = 64;
  static constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  static std::uint64_t key(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    return (b & kSign) ? ~b : (b | kSign);
  }
  static double value(std::uint64_t k) {
    std::uint64_t b = (k & kSign) ? (k & ~kSign) : ~k;
    double v;
    std::memcpy(&v, &b, 8);
    return v;
  }
};

template <typename T>
bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

// Count, mean and sum of squared deviations, merged with Chan et al.'s formula (accurate for
// billions of values, unlike a running sum of squares).
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  void merge(double nb, double meanb, double m2b) {
    if (nb == 0) return;
    if (n == 0) {
      n = nb, mean = meanb, m2 = m2b;
      return;
    }
    const double total = n + nb;
    const double delta = meanb - mean;
    mean += delta * nb / total;
    m2 += m2b + delta * delta * n * nb / total;
    n = total;
  }
  void add(double v) {
    n += 1;
    const double d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
};

struct LabelAcc {
  std::uint64_t voxels = 0;
  Box bbox;
  Moments moments;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::uint64_t nanCount = 0;
};

struct Accumulator {
  std::uint64_t voxels = 0, nanCount = 0;
  std::uint64_t posInf = 0, negInf = 0;  // kept out of the moments (numpy: mean +-inf, std NaN)
  double minRaw = std::numeric_limits<double>::infinity();
  double maxRaw = -std::numeric_limits<double>::infinity();
  Moments moments;
  // Per chunk, merged in chunk order at the end: the mean and std do not depend on the order
  // in which chunks arrive (cached ones first, then as the network delivers), to the last bit.
  std::map<Index5, Moments> chunkMoments;
  std::unordered_map<std::int64_t, LabelAcc> labels;

  LabelAcc& label(std::int64_t value) {
    auto it = labels.find(value);
    if (it != labels.end()) return it->second;
    if (labels.size() >= kMaxLabels)
      throw Error(ErrorKind::InvalidArgument,
                  "more than " + std::to_string(kMaxLabels) +
                      " distinct labels: this is not a label map (use the statistics without "
                      "per-label counts)");
    LabelAcc& a = labels[value];
    return a;
  }
};

void growBox(Box& b, bool first, std::int64_t x0, std::int64_t x1, std::int64_t y, std::int64_t z,
             std::int64_t t, std::int64_t c) {
  const std::int64_t lo[5] = {x0, y, z, t, c};
  const std::int64_t hi[5] = {x1, y + 1, z + 1, t + 1, c + 1};
  for (int i = 0; i < 5; ++i) {
    b.begin[i] = first ? lo[i] : std::min(b.begin[i], lo[i]);
    b.end[i] = first ? hi[i] : std::max(b.end[i], hi[i]);
  }
}

// One pass over the voxels of `overlap` in `chunk`: moments, min/max, keys (when `sel`), and
// per-label counts of the values themselves (when `perLabel`).
template <typename T>
void scanChunk(const Volume& chunk, const Box& chunkBox, const Box& overlap, bool firstPass,
               RankSelector* sel, bool perLabel, Accumulator& acc) {
  const T* data = reinterpret_cast<const T*>(chunk.data.data());
  const std::int64_t nx = overlap.end[0] - overlap.begin[0];
  Moments local;
  for (std::int64_t c = overlap.begin[4]; c < overlap.end[4]; ++c)
    for (std::int64_t t = overlap.begin[3]; t < overlap.end[3]; ++t)
      for (std::int64_t z = overlap.begin[2]; z < overlap.end[2]; ++z)
        for (std::int64_t y = overlap.begin[1]; y < overlap.end[1]; ++y) {
          const T* row = data + chunk.offsetOf(overlap.begin[0] - chunkBox.begin[0],
                                               y - chunkBox.begin[1], z - chunkBox.begin[2],
                                               t - chunkBox.begin[3], c - chunkBox.begin[4]);
          if (sel)
            for (std::int64_t i = 0; i < nx; ++i)
              if (!isNan(row[i])) sel->add(Keys<T>::key(row[i]));
          if (!firstPass) continue;
          acc.voxels += static_cast<std::uint64_t>(nx);
          double sum = 0, lo = acc.minRaw, hi = acc.maxRaw;
          std::uint64_t n = 0, inf = 0;
          for (std::int64_t i = 0; i < nx; ++i) {
            if (isNan(row[i])) continue;
            const double v = static_cast<double>(row[i]);
            if constexpr (std::is_floating_point_v<T>) {
              if (std::isinf(v)) {
                ++(v > 0 ? acc.posInf : acc.negInf);
                ++inf;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                continue;
              }
            }
            sum += v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            ++n;
          }
          acc.nanCount += static_cast<std::uint64_t>(nx) - n - inf;
          acc.minRaw = lo, acc.maxRaw = hi;
          if (n) {
            const double mean = sum / static_cast<double>(n);
            double m2 = 0;
            for (std::int64_t i = 0; i < nx; ++i) {
              if (isNan(row[i]) || std::isinf(static_cast<double>(row[i]))) continue;
              const double d = static_cast<double>(row[i]) - mean;
              m2 += d * d;
            }
            local.merge(static_cast<double>(n), mean, m2);
          }
          if (perLabel) {
            if constexpr (std::is_integral_v<T>) {
              std::int64_t i = 0;
              while (i < nx) {
                std::int64_t j = i + 1;
                while (j < nx && row[j] == row[i]) ++j;
                LabelAcc& la = acc.label(static_cast<std::int64_t>(row[i]));
                const double v = static_cast<double>(row[i]);
                growBox(la.bbox, la.voxels == 0, overlap.begin[0] + i, overlap.begin[0] + j, y, z,
                        t, c);
                la.voxels += static_cast<std::uint64_t>(j - i);
                la.moments.merge(static_cast<double>(j - i), v, 0);
                la.min = std::min(la.min, v);
                la.max = std::max(la.max, v);
                i = j;
              }
            }
          }
        }
  if (firstPass) acc.chunkMoments[chunkBox.begin].merge(local.n, local.mean, local.m2);
}

template <typename F>
void dispatch(DType t, F&& f) {
  switch (t) {
    case DType::UInt8:
      return f(std::uint8_t{});
    case DType::Int8:
      return f(std::int8_t{});
    case DType::UInt16:
      return f(std::uint16_t{});
    case DType::Int16:
      return f(std::int16_t{});
    case DType::UInt32:
      return f(std::uint32_t{});
    case DType::Int32:
      return f(std::int32_t{});
    case DType::UInt64:
      return f(std::uint64_t{});
    case DType::Int64:
      return f(std::int64_t{});
    case DType::Float32:
      return f(float{});
    case DType::Float64:
      return f(double{});
    default:
      throw Error(ErrorKind::InvalidArgument,
                  std::string("statistics of ") + dtypeName(t) +
                      " data are not supported (only integer and floating-point scans)");
  }
}

// Image values per label of a separate label map: the labels of `overlap` resampled from the
// label map's finest level onto the image grid, then each image voxel joins its label.
void scanWithLabels(const RoiStatsRequest& req, const DatasetInfo& image, const Volume& chunk,
                    const Box& chunkBox, const Box& overlap, CancelToken cancel, Accumulator& acc) {
  const DatasetInfo& li = req.labels->info();
  const Matrix4 target =
      shiftAffine(image.levels[static_cast<std::size_t>(req.level)].affine,
                  {static_cast<double>(overlap.begin[0]), static_cast<double>(overlap.begin[1]),
                   static_cast<double>(overlap.begin[2])});
  const Index5 os = overlap.shape();
  const std::array<std::int64_t, 3> shape3{os[0], os[1], os[2]};
  const Matrix4 toSource = voxelToVoxel(target, li.levels[0].affine);
  const Box srcBox = nearestSourceBox(toSource, shape3, li.levels[0].shape);
  Volume labels;
  if (srcBox.empty()) {
    labels.dtype = li.dtype;
    labels.shape = {os[0], os[1], os[2], 1, 1};
    labels.data.assign(labels.voxelCount() * dtypeSize(li.dtype), std::uint8_t{0});
  } else {
    Volume src = readRegionThroughLoader(*req.labelLoader, req.labels, 0, srcBox, 0, cancel);
    labels = resampleNearest(src, srcBox, toSource, shape3, 0);
  }
  const bool scaled = image.hasScaling();
  for (std::int64_t c = overlap.begin[4]; c < overlap.end[4]; ++c)
    for (std::int64_t t = overlap.begin[3]; t < overlap.end[3]; ++t)
      for (std::int64_t z = overlap.begin[2]; z < overlap.end[2]; ++z)
        for (std::int64_t y = overlap.begin[1]; y < overlap.end[1]; ++y)
          for (std::int64_t x = overlap.begin[0]; x < overlap.end[0]; ++x) {
            const auto label = static_cast<std::int64_t>(
                labels.valueAt(x - overlap.begin[0], y - overlap.begin[1], z - overlap.begin[2]));
            double v =
                chunk.valueAt(x - chunkBox.begin[0], y - chunkBox.begin[1], z - chunkBox.begin[2],
                              t - chunkBox.begin[3], c - chunkBox.begin[4]);
            LabelAcc& la = acc.label(label);
            growBox(la.bbox, la.voxels == 0, x, x + 1, y, z, t, c);
            ++la.voxels;
            if (std::isnan(v)) {
              ++la.nanCount;
              continue;
            }
            if (scaled) v = image.scaled(v);
            la.moments.add(v);
            la.min = std::min(la.min, v);
            la.max = std::max(la.max, v);
          }
}

std::string boxText(const Box& b) { return roiText(b, 5); }

}  // namespace

double numpyLerp(double a, double b, double t) {
  const double diff = b - a;
  if (t >= 0.5) return b - diff * (1 - t);
  return a + diff * t;
}

double voxelVolumeMm3(const DatasetInfo& info, int level) {
  const Matrix4& m = info.levels.at(static_cast<std::size_t>(level)).affine;
  const double det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) +
                     m[2] * (m[4] * m[9] - m[5] * m[8]);
  double unit = 1;
  if (info.spaceUnit == "um") unit = 1e-9;
  if (info.spaceUnit == "m") unit = 1e9;
  return std::fabs(det) * unit;
}

RoiStats computeRoiStats(ChunkLoader& loader, std::shared_ptr<Dataset> ds,
                         const RoiStatsRequest& req, CancelToken cancel,
                         ProgressCallback progress) {
  if (!ds) throw Error(ErrorKind::InvalidArgument, "statistics: no dataset");
  const DatasetInfo& info = ds->info();
  if (req.level < 0 || req.level >= static_cast<int>(info.levels.size()))
    throw Error(ErrorKind::InvalidArgument,
                "level " + std::to_string(req.level) + " does not exist in " + info.uri +
                    " (levels 0.." + std::to_string(static_cast<int>(info.levels.size()) - 1) +
                    ")");
  const LevelInfo& lv = info.levels[static_cast<std::size_t>(req.level)];
  if (req.box.empty())
    throw Error(ErrorKind::InvalidArgument,
                "the ROI " + boxText(req.box) + " is empty: every range needs at least one voxel");
  Box whole;
  whole.end = lv.shape;
  const Box box = intersectBoxes(req.box, whole);
  if (box.empty())
    throw Error(ErrorKind::InvalidArgument, "the ROI " + roiText(req.box, info.ndim) +
                                                " lies outside the volume of " + info.uri +
                                                " (level " + std::to_string(req.level) + " is " +
                                                roiText(whole, info.ndim) + ")");
  for (double p : req.percentiles)
    if (!(p >= 0 && p <= 100))
      throw Error(ErrorKind::InvalidArgument, "percentiles must be from 0 to 100");
  const bool perLabel = req.perLabel || req.labels;
  if (req.perLabel) requireLabelDataset(info);
  if (req.labels) {
    if (!req.labelLoader)
      throw Error(ErrorKind::InvalidArgument, "statistics per label: no loader for the labels");
    const DatasetInfo& li = req.labels->info();
    requireLabelDataset(li);
    if (li.levels.empty()) throw Error(ErrorKind::InvalidData, li.uri + ": no levels");
    const Matrix4 target = shiftAffine(
        lv.affine, {static_cast<double>(box.begin[0]), static_cast<double>(box.begin[1]),
                    static_cast<double>(box.begin[2])});
    const Index5 s = box.shape();
    const Box meet = nearestSourceBox(voxelToVoxel(target, li.levels[0].affine), {s[0], s[1], s[2]},
                                      li.levels[0].shape);
    if (meet.empty())
      throw Error(ErrorKind::InvalidArgument,
                  "the label map " + li.uri + " does not overlap the ROI " +
                      roiText(box, info.ndim) + " of " + info.uri +
                      " in world space (check that both scans share a coordinate system)");
  }

  RoiStats out;
  out.uri = info.uri;
  out.level = req.level;
  out.box = box;
  out.scaled = info.hasScaling();
  out.voxelVolume = voxelVolumeMm3(info, req.level);
  {
    const Index5 s = box.shape();
    out.volume = static_cast<double>(s[0] * s[1] * s[2]) * out.voxelVolume;
  }

  Accumulator acc;
  std::unique_ptr<RankSelector> sel;
  dispatch(lv.dtype, [&](auto tag) {
    using T = decltype(tag);
    sel = std::make_unique<RankSelector>(Keys<T>::bits);
  });

  // Progress: the first pass is most of the work; later passes (when needed) share the rest.
  double passBase = 0, passSpan = 1;
  auto passProgress = [&](double f) {
    if (progress) progress(std::min(1.0, passBase + passSpan * f));
  };
  bool firstPass = true;
  auto runPass = [&] {
    visitRegionThroughLoader(
        loader, ds, req.level, box,
        [&](const Volume& chunk, const Box& chunkBox, const Box& overlap) {
          dispatch(chunk.dtype, [&](auto tag) {
            using T = decltype(tag);
            scanChunk<T>(chunk, chunkBox, overlap, firstPass, sel.get(),
                         firstPass && req.perLabel && !req.labels, acc);
          });
          if (firstPass && req.labels)
            scanWithLabels(req, info, chunk, chunkBox, overlap, cancel, acc);
          if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled: " + info.uri);
        },
        cancel, passProgress, req.preloaded);
    sel->endPass();
    firstPass = false;
    ++out.passes;
  };
  passSpan = dtypeSize(lv.dtype) <= 2 ? 1.0 : 0.6;  // 8/16-bit data need no second pass
  runPass();

  for (const auto& [begin, m] : acc.chunkMoments) acc.moments.merge(m.n, m.mean, m.m2);
  out.voxels = acc.voxels;
  out.nanCount = acc.nanCount;
  out.valid = acc.voxels - acc.nanCount;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.min = out.max = out.mean = out.std = out.median = nan;
  const double slope = out.scaled ? info.sclSlope : 1;
  const double inter = out.scaled ? info.sclInter : 0;
  auto scale = [&](double raw) { return out.scaled ? raw * slope + inter : raw; };
  if (out.valid > 0) {
    const std::uint64_t n = out.valid;
    out.min = scale(slope < 0 ? acc.maxRaw : acc.minRaw);
    out.max = scale(slope < 0 ? acc.minRaw : acc.maxRaw);
    out.mean = scale(acc.moments.mean);
    out.std = std::sqrt(acc.moments.m2 / acc.moments.n) * std::fabs(slope);
    if (acc.posInf || acc.negInf) {
      const double inf = std::numeric_limits<double>::infinity();
      out.mean = acc.posInf && acc.negInf ? nan : scale(acc.posInf ? inf : -inf);
      out.std = nan;
    }
    // Positions in the scaled order; a negative slope reverses the raw order.
    auto rawRank = [&](std::uint64_t k) { return slope < 0 ? n - 1 - k : k; };
    std::vector<std::uint64_t> ranks;
    struct Want {
      double p;
      std::uint64_t lo, hi;
      double t;
    };
    std::vector<Want> wants;
    for (double p : req.percentiles) {
      const double vi = static_cast<double>(n - 1) * (p / 100.0);
      auto lo = static_cast<std::uint64_t>(std::floor(vi));
      lo = std::min(lo, n - 1);
      const std::uint64_t hi = std::min(lo + 1, n - 1);
      wants.push_back({p, lo, hi, vi - static_cast<double>(lo)});
      ranks.push_back(rawRank(lo));
      ranks.push_back(rawRank(hi));
    }
    const std::uint64_t m0 = (n - 1) / 2, m1 = n / 2;
    ranks.push_back(rawRank(m0));
    ranks.push_back(rawRank(m1));
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    sel->want(ranks);
    const int maxPasses = 1 + Keys<std::uint64_t>::bits / 16;
    passBase = 0.6;
    while (!sel->done()) {
      passSpan = 0.4 / 3;
      runPass();
      passBase += passSpan;
      if (out.passes > maxPasses)
        throw Error(ErrorKind::Io, info.uri + ": percentiles did not converge");
    }
    dispatch(lv.dtype, [&](auto tag) {
      using T = decltype(tag);
      auto at = [&](std::uint64_t k) { return scale(Keys<T>::value(sel->keyOfRank(rawRank(k)))); };
      for (const Want& w : wants)
        out.percentiles.push_back({w.p, numpyLerp(at(w.lo), at(w.hi), w.t)});
      out.median = (at(m0) + at(m1)) / 2;
      if (m0 == m1) out.median = at(m0);
    });
  } else {
    for (double p : req.percentiles) out.percentiles.push_back({p, nan});
  }

  if (perLabel) {
    std::map<std::int64_t, LabelAcc> sorted(acc.labels.begin(), acc.labels.end());
    for (auto& [label, la] : sorted) {
      LabelStats s;
      s.label = label;
      s.voxels = la.voxels;
      s.bbox = la.bbox;
      const Index5 bs = box.shape();
      // Volume of one time point and channel: the label's voxels over the ROI's t/c extent.
      const double perVolume = static_cast<double>(la.voxels) / static_cast<double>(bs[3] * bs[4]);
      s.volume = perVolume * out.voxelVolume;
      s.nanCount = la.nanCount;
      if (la.moments.n > 0) {
        s.min = la.min, s.max = la.max, s.mean = la.moments.mean;
        s.std = std::sqrt(la.moments.m2 / la.moments.n);
      } else {
        s.min = s.max = s.mean = s.std = nan;
      }
      out.labels.push_back(s);
    }
  }
  if (progress) progress(1.0);
  return out;
}

}  // namespace nz
