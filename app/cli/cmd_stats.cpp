// nzview-cli stats: intensity statistics of an ROI of one pyramid level, streamed chunk by
// chunk (bounded memory), exact; per label with --labels or --per-label.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "cli/cli_options.h"
#include "cli/cli_stats_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/parse_number.h"
#include "dataset/dataset.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"
#include "roi/roi_box.h"
#include "stats/roi_stats.h"
#include "stats/stats_json.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

const char* kUsage =
    "nzview-cli stats URI [--level N] [--roi i0:i1,j0:j1,k0:k1[,t0:t1[,c0:c1]]]\n"
    "                 [--labels LABELS_URI | --per-label] [--percentiles P,P,...] [--json]\n"
    "                 [--stats] [credential options]";
const char* kDescription =
    "Prints statistics of a region of one pyramid level: voxel count, volume in mm^3, min,\n"
    "max, mean, standard deviation (population, ddof=0), median, percentiles (default 1, 5,\n"
    "25, 75, 95, 99; numpy's 'linear' method) and the count of NaNs, in scaled units\n"
    "(scl_slope/scl_inter applied). NaNs are left out of every statistic, as numpy's nan*\n"
    "functions do. The numbers are exact: at level 0 they equal numpy's on the same voxels.\n"
    "\n"
    "--roi takes half-open voxel ranges at --level (default: the whole volume; a 4D scan's t\n"
    "range selects time points). The region is streamed chunk by chunk, so memory stays\n"
    "bounded however large it is. Median and percentiles are found by an exact radix\n"
    "selection: one pass for 8- and 16-bit data, at most two for 32-bit data and four for\n"
    "64-bit data; chunks still in the loader's cache are not fetched again by a later pass.\n"
    "\n"
    "--labels LABELS_URI adds, per label of that label map (integer data, any grid, any store;\n"
    "resampled nearest-neighbour from its finest level onto the ROI's grid, as export --with),\n"
    "the voxel count, volume in mm^3, bounding box (voxels of --level) and the image's min,\n"
    "max, mean and std inside it. A label map that does not meet the ROI in world space is an\n"
    "error. --per-label treats URI itself as a label map: voxels, volume and bounding box per\n"
    "label value. --stats prints request/byte counters on stderr as one JSON line.";

std::vector<double> parsePercentiles(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    out.push_back(nz::parseDoubleInRange(part, 0, 100, "--percentiles"));
  }
  if (out.empty() || out.size() > 64)
    throw Error(ErrorKind::InvalidArgument, "--percentiles takes 1 to 64 numbers");
  return out;
}

}  // namespace

int cmdStats(const Args& args) {
  OptionParser parser(
      "stats",
      {{"--level", true, "N", "pyramid level (default 0: exact, full resolution)", ""},
       {"--roi", true, "i0:i1,j0:j1,k0:k1[,t0:t1]", "voxel ranges at --level (default: all)", ""},
       {"--labels", true, "LABELS_URI", "statistics per label of this label map", ""},
       {"--per-label", false, "", "URI is a label map: voxels, volume, bbox per label", ""},
       {"--percentiles", true, "P,P,...", "percentiles to report (default 1,5,25,75,95,99)", ""},
       {"--json", false, "", "print one JSON object on stdout", ""},
       {"--stats", false, "", "print request/byte counters on stderr (one JSON line)", ""}});
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::shared_ptr<nz::Dataset> ds;
  std::unique_ptr<nz::ChunkLoader> loader;
  std::optional<double> openSeconds;
  bool wantStats = false;
  try {
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kUsage, kDescription);
      return 0;
    }
    wantStats = a.has("--stats");
    if (a.positional.size() != 1)
      throw Error(ErrorKind::InvalidArgument,
                  a.positional.empty() ? "stats needs a URI (see nzview-cli stats --help)"
                                       : "stats takes one URI (see nzview-cli stats --help)");
    if (a.has("--labels") && a.has("--per-label"))
      throw Error(ErrorKind::InvalidArgument, "--labels and --per-label exclude each other");
    nz::RoiStatsRequest req;
    req.level = static_cast<int>(a.intValue("--level", 0, 0, 1000));
    if (auto p = a.value("--percentiles")) req.percentiles = parsePercentiles(*p);
    req.perLabel = a.has("--per-label");

    ds = nz::openDataset(a.positional[0], a.store);
    openSeconds = elapsed();
    const nz::DatasetInfo& info = ds->info();
    if (req.level >= static_cast<int>(info.levels.size()))
      throw Error(ErrorKind::InvalidArgument,
                  "--level " + std::to_string(req.level) + " does not exist in " + info.uri +
                      " (levels 0.." + std::to_string(static_cast<int>(info.levels.size()) - 1) +
                      ")");
    const nz::Index5 shape = info.levels[static_cast<std::size_t>(req.level)].shape;
    req.box.end = shape;
    if (auto r = a.value("--roi")) req.box = nz::parseRoiText(*r, shape);

    nz::LoaderOptions lo;
    lo.maxInFlight = a.store.maxConcurrency > 0 ? static_cast<std::size_t>(a.store.maxConcurrency)
                                                : std::size_t{128};
    lo.cacheBytes = std::min<std::size_t>(nz::defaultCacheBudget(), std::size_t{1} << 30);
    loader = std::make_unique<nz::ChunkLoader>(lo);
    std::shared_ptr<nz::Dataset> labels;
    std::unique_ptr<nz::ChunkLoader> labelLoader;
    if (auto l = a.value("--labels")) {
      labels = nz::openDataset(*l, a.store);
      nz::LoaderOptions llo = lo;
      llo.cacheBytes = std::min<std::size_t>(nz::defaultCacheBudget(), std::size_t{512} << 20);
      labelLoader = std::make_unique<nz::ChunkLoader>(llo);
      req.labels = labels;
      req.labelLoader = labelLoader.get();
    }
    const nz::RoiStats s = nz::computeRoiStats(*loader, ds, req);
    if (a.has("--json"))
      std::cout << nz::roiStatsJson(s, info.ndim) << "\n";
    else
      std::cout << nz::roiStatsText(s, info.ndim);
    if (wantStats) {
      nz::StoreStats st = ds->store().stats();
      if (labels && labels->sharedStore() != ds->sharedStore()) {
        const nz::StoreStats ls = labels->store().stats();
        st.requests += ls.requests;
        st.bytesReceived += ls.bytesReceived;
        st.diskHits += ls.diskHits;
        st.diskBytes += ls.diskBytes;
      }
      printStatsLine(st, elapsed(), loader->metrics(), openSeconds);
    }
    return 0;
  } catch (const std::exception& e) {
    int code = reportError(e);
    if (wantStats && ds && loader)
      printStatsLine(ds->store().stats(), elapsed(), loader->metrics(), openSeconds);
    return code;
  }
}

}  // namespace nzcli
