#include "roi/export_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "roi/roi_box.h"

namespace nz {

namespace {

std::string boxText(const Box& b, int ndim) { return "[" + roiText(b, ndim) + ")"; }

std::string humanBytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string jsonBox(const Box& b) {
  std::string s = "{\"begin\":[";
  for (int a = 0; a < 5; ++a) s += (a ? "," : "") + std::to_string(b.begin[a]);
  s += "],\"end\":[";
  for (int a = 0; a < 5; ++a) s += (a ? "," : "") + std::to_string(b.end[a]);
  return s + "]}";
}

std::string jsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::uint64_t countChunks(const LevelInfo& level, const Box& box) {
  std::uint64_t n = 1;
  for (int a = 0; a < 5; ++a) {
    std::int64_t b = std::max<std::int64_t>(box.begin[a], 0);
    std::int64_t e = std::min<std::int64_t>(box.end[a], level.shape[a]);
    if (e <= b) return 0;
    std::int64_t c = std::max<std::int64_t>(level.chunkShape[a], 1);
    n *= static_cast<std::uint64_t>((e - 1) / c - b / c + 1);
  }
  return n;
}

namespace {

// The ROI and --crop-or-pad numbers come from the user: an absurd output is one message
// naming them and the limit, never a bad_alloc or a wrapped (negative) box.
void checkOutputSize(const Box& out, std::size_t itemSize, bool cropOrPad) {
  const std::string source = cropOrPad ? "--crop-or-pad" : "--roi";
  constexpr std::int64_t kMaxExtent = std::int64_t{1} << 31;
  constexpr std::uint64_t kMaxOutputBytes = std::uint64_t{1} << 40;  // 1 TiB
  constexpr std::uint64_t kMaxSliceBytes = std::uint64_t{1} << 34;   // 16 GiB per z slice
  std::uint64_t bytes = itemSize;
  bool overflow = false;
  for (int a = 0; a < 5; ++a) {
    const std::int64_t e = out.end[a] - out.begin[a];
    if (e < 0 || e > kMaxExtent)
      throw Error(ErrorKind::InvalidArgument, source + " gives an output of " + std::to_string(e) +
                                                  " voxels along axis " + std::to_string(a) +
                                                  " (the limit is 2^31)");
    overflow = overflow || __builtin_mul_overflow(bytes, static_cast<std::uint64_t>(e), &bytes);
    if (a == 1 && !overflow && bytes > kMaxSliceBytes)
      throw Error(ErrorKind::InvalidArgument, source + " gives output slices of " +
                                                  std::to_string(bytes) +
                                                  " bytes, more than the 16 GiB limit");
  }
  if (overflow || bytes > kMaxOutputBytes)
    throw Error(ErrorKind::InvalidArgument,
                source + " gives an output of " +
                    (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                    " bytes, more than the 1 TiB export limit");
}

}  // namespace

ExportPlan planExport(const DatasetInfo& info, const ExportRequest& req,
                      const ThroughputModel& model) {
  if (req.level < 0 || req.level >= static_cast<int>(info.levels.size()))
    throw Error(ErrorKind::InvalidArgument,
                "--level " + std::to_string(req.level) + " does not exist (levels 0.." +
                    std::to_string(static_cast<int>(info.levels.size()) - 1) + ")");
  const LevelInfo& lv = info.levels[static_cast<std::size_t>(req.level)];
  ExportPlan p;
  p.level = req.level;
  p.dtype = lv.dtype;
  p.padMode = req.padMode;
  p.roi.begin = {0, 0, 0, 0, 0};
  p.roi.end = lv.shape;
  if (req.roi) p.roi = *req.roi;
  if (p.roi.empty()) throw Error(ErrorKind::InvalidArgument, "the ROI is empty");

  p.outBox = p.roi;
  if (req.cropOrPad) {
    p.outBox = cropOrPadBox(p.roi, *req.cropOrPad);
    for (int a = 0; a < 3; ++a)
      p.cropOrPad[static_cast<std::size_t>(a)] = cropOrPadAxis(
          p.roi.end[a] - p.roi.begin[a], (*req.cropOrPad)[static_cast<std::size_t>(a)]);
  }

  checkOutputSize(p.outBox, dtypeSize(lv.dtype), req.cropOrPad.has_value());

  bool regionEmpty = false;
  for (int a = 0; a < 5; ++a) {
    p.region.begin[a] = std::clamp<std::int64_t>(p.roi.begin[a], 0, lv.shape[a]);
    p.region.end[a] = std::clamp<std::int64_t>(p.roi.end[a], p.region.begin[a], lv.shape[a]);
    if (p.region.end[a] <= p.region.begin[a]) regionEmpty = true;
  }

  bool anyPad = false;
  std::array<bool, 5> padsAxis{};
  for (int a = 0; a < 5; ++a) {
    padsAxis[static_cast<std::size_t>(a)] =
        p.outBox.begin[a] < p.region.begin[a] || p.outBox.end[a] > p.region.end[a];
    anyPad = anyPad || padsAxis[static_cast<std::size_t>(a)];
  }
  bool statistic = padModeIsStatistic(req.padMode);
  bool indexMode = !statistic && req.padMode != PadMode::Constant;
  if (regionEmpty) {
    if (req.padMode != PadMode::Constant)
      throw Error(ErrorKind::InvalidArgument,
                  std::string("the ROI lies entirely outside the volume: pad mode '") +
                      padModeName(req.padMode) + "' has no data to pad from (use constant)");
    p.readBox = Box{{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  } else {
    for (int a = 0; a < 5; ++a) {
      bool whole = (statistic && anyPad) || (indexMode && padsAxis[static_cast<std::size_t>(a)]);
      if (whole) {
        p.readBox.begin[a] = p.region.begin[a];
        p.readBox.end[a] = p.region.end[a];
      } else {
        p.readBox.begin[a] = std::max(p.region.begin[a], p.outBox.begin[a]);
        p.readBox.end[a] = std::max(p.readBox.begin[a], std::min(p.region.end[a], p.outBox.end[a]));
      }
    }
  }

  bool scaling = info.sclSlope != 0 && std::isfinite(info.sclSlope) && std::isfinite(info.sclInter);
  p.padValueRaw = scaling ? (req.padValue - info.sclInter) / info.sclSlope : req.padValue;
  p.padValue = req.padValue;
  p.cropOrPadTarget = req.cropOrPad;

  p.affine = shiftAffine(
      lv.affine, {static_cast<double>(p.outBox.begin[0]), static_cast<double>(p.outBox.begin[1]),
                  static_cast<double>(p.outBox.begin[2])});

  std::uint64_t chunkVoxels = 1;
  for (auto c : lv.chunkShape)
    chunkVoxels *= static_cast<std::uint64_t>(std::max<std::int64_t>(c, 1));
  p.chunks = p.readBox.empty() ? 0 : countChunks(lv, p.readBox);
  p.chunkBytesDecoded = p.chunks * chunkVoxels * dtypeSize(lv.dtype);
  p.bytesToFetchEstimate = p.chunkBytesDecoded;
  p.outputVoxels = static_cast<std::uint64_t>(p.outBox.voxelCount());
  p.outputBytes = 352 + p.outputVoxels * dtypeSize(lv.dtype);
  int inflight = std::max(model.requestsInFlight, 1);
  double waves = p.chunks == 0 ? 0 : std::ceil(static_cast<double>(p.chunks) / inflight);
  p.estimatedSeconds =
      model.roundTripSeconds * (1 + waves) +
      static_cast<double>(p.bytesToFetchEstimate) / std::max(model.bytesPerSecond, 1.0);
  return p;
}

Volume executePlan(const ExportPlan& plan, Volume&& readVoxels) {
  // Fast path: nothing to pad or crop away.
  if (plan.readBox.begin == plan.outBox.begin && plan.readBox.end == plan.outBox.end &&
      readVoxels.shape == plan.outBox.shape())
    return std::move(readVoxels);
  return padCrop(readVoxels, plan.readBox, plan.region, plan.outBox, plan.padMode,
                 plan.padValueRaw);
}

std::string describePlan(const ExportPlan& p, const DatasetInfo& info) {
  int nd = std::max(3, info.ndim);
  std::ostringstream s;
  s << "level:            " << p.level << "\n";
  s << "roi:              " << boxText(p.roi, nd) << "\n";
  if (p.outBox.begin != p.roi.begin || p.outBox.end != p.roi.end)
    s << "after crop/pad:   " << boxText(p.outBox, nd) << " (pad mode " << padModeName(p.padMode)
      << ")\n";
  s << "output shape:     ";
  for (int a = 0; a < nd; ++a) s << (a ? "x" : "") << p.outBox.end[a] - p.outBox.begin[a];
  s << " " << dtypeName(p.dtype) << "\n";
  s << "read box:         "
    << (p.readBox.empty() ? std::string("(nothing)") : boxText(p.readBox, nd)) << "\n";
  s << "chunks to fetch:  " << p.chunks << "\n";
  s << "bytes to fetch:   <= " << humanBytes(p.bytesToFetchEstimate) << " (decoded size)\n";
  s << "output size:      " << humanBytes(p.outputBytes) << " uncompressed\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f s", p.estimatedSeconds);
  s << "estimated time:   " << buf << "\n";
  s << "affine (shifted): ";
  for (int r = 0; r < 3; ++r) {
    s << (r ? "; " : "[");
    for (int c = 0; c < 4; ++c) {
      std::snprintf(buf, sizeof buf, "%s%.6g", c ? " " : "",
                    p.affine[static_cast<std::size_t>(r * 4 + c)]);
      s << buf;
    }
  }
  s << "]\n";
  return s.str();
}

std::string planJson(const ExportPlan& p, const DatasetInfo& info) {
  (void)info;
  std::string s = "{\"level\":" + std::to_string(p.level);
  s += ",\"roi\":" + jsonBox(p.roi) + ",\"out_box\":" + jsonBox(p.outBox) +
       ",\"read_box\":" + jsonBox(p.readBox);
  s += ",\"pad_mode\":\"" + std::string(padModeName(p.padMode)) + "\"";
  s += ",\"pad_value_raw\":" + jsonNumber(p.padValueRaw);
  s += ",\"dtype\":\"" + std::string(dtypeName(p.dtype)) + "\"";
  s += ",\"chunks\":" + std::to_string(p.chunks);
  s += ",\"bytes_to_fetch\":" + std::to_string(p.bytesToFetchEstimate);
  s += ",\"output_bytes\":" + std::to_string(p.outputBytes);
  s += ",\"estimated_seconds\":" + jsonNumber(p.estimatedSeconds);
  s += ",\"affine\":[";
  for (int r = 0; r < 4; ++r) {
    s += r ? ",[" : "[";
    for (int c = 0; c < 4; ++c)
      s += (c ? "," : "") + jsonNumber(p.affine[static_cast<std::size_t>(r * 4 + c)]);
    s += "]";
  }
  return s + "]}";
}

}  // namespace nz
