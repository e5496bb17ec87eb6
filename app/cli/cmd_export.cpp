// nzview-cli export: reads an ROI of one pyramid level (fetching only the chunks it touches),
// optionally crops/pads it like TorchIO's CropOrPad, and writes .nii / .nii.gz (atomically,
// locally or to the cloud) or .nii.zarr (through the NIfTI-Zarr writer).
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "dataset/dataset.h"
#include "loader/loader_metrics.h"
#include "roi/export_name.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "roi/roi_box.h"
#include "roi/roi_set.h"
#include "store/store_factory.h"
#include "uri/uri.h"
#include "write/atomic_file.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

const char* kUsage =
    "nzview-cli export URI -o OUT [--level N] [--roi i0:i1,j0:j1,k0:k1[,t0:t1]]\n"
    "                  [--crop-or-pad W,H,D] [--pad-mode MODE] [--pad-value V] [--dry-run]\n"
    "                  [--stats] [credential options]\n"
    "       nzview-cli export URI --rois ROIS.json -o DIR [--format nii|nii.gz|nii.zarr] ...";
const char* kDescription =
    "Exports a region of one pyramid level to OUT (.nii, .nii.gz or .nii.zarr; a local path or\n"
    "a cloud URI), fetching only the chunks the region touches. The output keeps the source\n"
    "data type and scl_slope/scl_inter; its affine is the level's affine moved to the first\n"
    "exported voxel (sform + qform). Writes are atomic: a failed or interrupted export leaves\n"
    "no file at OUT.\n"
    "\n"
    "Outputs over 512 MiB are streamed in z-slabs aligned to the source chunks (each chunk\n"
    "fetched once; the same bytes as in memory), so memory stays near 512 MiB (or one\n"
    "chunk-deep slab, if larger) whatever the region's size. Pad modes other than constant\n"
    "need the whole region: when they pad, the export is held in memory.\n"
    "\n"
    "--roi takes half-open voxel ranges in NIfTI order at --level; ranges may reach outside the\n"
    "volume, and the outside is padded. --crop-or-pad then crops/pads around the centre exactly\n"
    "like TorchIO's CropOrPad (ceil(d/2) at the start, floor(d/2) at the end; pad, then crop).\n"
    "Pad modes: constant (--pad-value, scaled units), edge, reflect, symmetric, wrap (numpy's\n"
    "np.pad), minimum, maximum, mean, median (the statistic of the whole region, as TorchIO).\n"
    "\n"
    "--rois exports every ROI of an ROI file (the viewer's \"Save ROIs\"; JSON with per-ROI\n"
    "name, level, box, crop_or_pad, pad_mode, pad_value) into the directory DIR (local, created\n"
    "when missing, or a cloud prefix), one file per ROI named after it: a name is never a path\n"
    "(\"../x\" becomes \"x\", \"a/b\" becomes \"a_b\"; see safe names in the README), and equal\n"
    "names get -2, -3, ... Prints each written path on stdout.";

nz::ThroughputModel modelFor(const std::string& uri) {
  nz::ThroughputModel m;
  bool local = uri.find("://") == std::string::npos || uri.rfind("file://", 0) == 0;
  if (local) {
    m.roundTripSeconds = 0;
    m.bytesPerSecond = 1e9;
  }
  return m;
}

// The contract fields (requests, bytes, seconds: the source store's counters) plus the chunk
// loader's counters of the read, on one line. throughput is stored bytes per second over the
// read (the loader's lifetime); all loader fields are 0 when nothing was read (--dry-run).
void printStats(const nz::StoreStats& st, double seconds, const nz::LoaderMetrics& m) {
  const double throughput = m.seconds > 0 ? static_cast<double>(m.bytesFetched) / m.seconds : 0.0;
  nlohmann::json j = {{"requests", st.requests},
                      {"bytes", st.bytesReceived},
                      {"disk_hits", st.diskHits},
                      {"disk_bytes", st.diskBytes},
                      {"seconds", seconds},
                      {"chunks", m.cacheHits + m.cacheMisses},
                      {"cache_hits", m.cacheHits},
                      {"cache_misses", m.cacheMisses},
                      {"bytes_decoded", m.bytesDecoded},
                      {"throughput", throughput}};
  std::cerr << j.dump() << "\n";
}

std::string outputSuffix(const ParsedArgs& a) {
  const std::string f = a.value("--format").value_or("nii.gz");
  if (f == "nii" || f == "nii.gz" || f == "nii.zarr") return "." + f;
  throw Error(ErrorKind::InvalidArgument, "--format must be nii, nii.gz or nii.zarr, not " + f);
}

nz::ExportOutputOptions outputOptions(const ParsedArgs& a, int gzipLevel,
                                      nz::LoaderMetrics* metrics) {
  nz::ExportOutputOptions oo;
  oo.gzipLevel = gzipLevel;
  oo.zarrVersion = static_cast<int>(a.intValue("--zarr-version", 3));
  oo.chunk = a.intValue("--chunk", 64);
  oo.shard = a.intValue("--shard", 0);
  if (auto c = a.value("--compressor")) oo.compressor = *c;
  oo.store = a.store;
  oo.loaderMetrics = metrics;
  return oo;
}

std::string readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::NotFound, path + ": cannot read the ROI file");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (64u << 20)) throw Error(ErrorKind::InvalidData, path + ": too large");
  return text.str();
}

// --dry-run: each planned output (its plan, and whether it streams or is held in memory) as
// text, or as JSON (one object, or a list with --rois).
void printDryRun(const std::vector<std::pair<std::string, nz::ExportPlan>>& jobs,
                 const nz::DatasetInfo& info, const nz::ExportOutputOptions& oo, bool json,
                 bool list) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& [out, plan] : jobs) {
    if (json) {
      nlohmann::json p = nlohmann::json::parse(nz::planJson(plan, info));
      p["output"] = nz::redactSecrets(out);
      p["streamed"] = nz::exportIsStreamed(plan, oo);
      all.push_back(std::move(p));
      continue;
    }
    std::cout << "output:           " << nz::redactSecrets(out) << "\n"
              << nz::describePlan(plan, info)
              << "memory:           " << nz::describeExportMemory(plan, oo) << "\n"
              << (list ? "\n" : "");
  }
  if (json) std::cout << (list ? all.dump() : all[0].dump()) << "\n";
}

// `export --rois FILE -o DIR`: one output per ROI, named after it, never outside DIR.
int exportRoiSet(const ParsedArgs& a, nz::Dataset& ds, const std::string& roisFile,
                 const std::string& dir, int gzipLevel, nz::LoaderMetrics& metrics,
                 const std::function<double()>& elapsed) {
  const nz::DatasetInfo& info = ds.info();
  const nz::RoiSet set = nz::parseRoiSet(readSmallFile(roisFile), roisFile, &info);
  if (set.rois.empty()) throw Error(ErrorKind::InvalidArgument, roisFile + ": has no ROIs");
  const std::string suffix = outputSuffix(a);
  std::set<std::string> used;
  std::vector<std::pair<std::string, nz::ExportPlan>> jobs;
  for (const nz::NamedRoi& r : set.rois) {
    const std::string out = nz::exportPathInDirectory(dir, r.name, suffix, used);
    jobs.emplace_back(out, nz::planExport(info, r.request, modelFor(info.uri)));
  }
  const nz::ExportOutputOptions oo = outputOptions(a, gzipLevel, &metrics);
  if (a.has("--dry-run")) {
    printDryRun(jobs, info, oo, a.has("--json"), true);
    if (a.has("--stats")) printStats(ds.store().stats(), elapsed(), metrics);
    return 0;
  }
  if (dir.find("://") == std::string::npos) std::filesystem::create_directories(dir);
  nz::AtomicOutput::installSignalCleanup();
  for (const auto& [out, plan] : jobs) {
    nz::runExport(ds, plan, out, oo);
    std::cout << nz::redactSecrets(out) << "\n" << std::flush;
  }
  if (a.has("--stats")) printStats(ds.store().stats(), elapsed(), metrics);
  return 0;
}

}  // namespace

int cmdExport(const Args& args) {
  OptionParser parser(
      "export",
      {{"-o", true, "OUT", "output .nii, .nii.gz or .nii.zarr (path or URI)", "--output"},
       {"--level", true, "N", "pyramid level to export (default 0)", ""},
       {"--roi", true, "i0:i1,j0:j1,k0:k1[,t0:t1]", "voxel ranges at --level (default: all)", ""},
       {"--crop-or-pad", true, "W,H,D", "crop/pad to this shape around the centre (TorchIO)", ""},
       {"--pad-mode", true, "MODE",
        "constant|edge|minimum|maximum|mean|median|reflect|"
        "symmetric|wrap",
        ""},
       {"--pad-value", true, "V", "constant pad value in scaled units (default 0)", ""},
       {"--dry-run", false, "",
        "print the plan (box, chunks, bytes, size, estimate); write nothing", ""},
       {"--json", false, "", "with --dry-run: print the plan as one JSON object", ""},
       {"--stats", false, "",
        "print {requests, bytes, seconds, chunks, cache_hits, ...} as one JSON line on stderr", ""},
       {"--gzip-level", true, "1-9", ".nii.gz compression level (default 6)", ""},
       {"--zarr-version", true, "2|3", ".nii.zarr: Zarr format (default 3)", ""},
       {"--chunk", true, "N", ".nii.zarr: chunk size (default 64)", ""},
       {"--compressor", true, "NAME", ".nii.zarr: blosc|zstd|gzip|none", ""},
       {"--shard", true, "N", ".nii.zarr: shard size (Zarr v3)", ""},
       {"--rois", true, "FILE", "export every ROI of this ROI file into the directory -o", ""},
       {"--format", true, "EXT", "with --rois: nii, nii.gz (default) or nii.zarr", ""}});
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::shared_ptr<nz::Dataset> ds;
  nz::LoaderMetrics loaderMetrics;
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
                  a.positional.empty() ? "export needs a URI (see nzview-cli export --help)"
                                       : "export takes one URI (see nzview-cli export --help)");
    auto out = a.value("-o");
    if (!out || out->empty())
      throw Error(ErrorKind::InvalidArgument, "export needs -o OUT (see nzview-cli export --help)");
    if (!a.has("--rois"))
      nz::exportFormatFor(*out);  // validates the suffix before any open
    else
      outputSuffix(a);  // validates --format
    bool dryRun = a.has("--dry-run");

    nz::ExportRequest req;
    req.level = static_cast<int>(a.intValue("--level", 0));
    if (auto m = a.value("--pad-mode")) req.padMode = nz::padModeFromName(*m);
    req.padValue = a.doubleValue("--pad-value", 0);
    if (!std::isfinite(req.padValue))
      throw Error(ErrorKind::InvalidArgument, "--pad-value must be finite");
    if (auto c = a.value("--crop-or-pad")) {
      auto v = parseIntList(*c, 3, "--crop-or-pad");
      for (auto x : v)
        if (x <= 0) throw Error(ErrorKind::InvalidArgument, "--crop-or-pad sizes must be positive");
      req.cropOrPad = std::array<std::int64_t, 3>{v[0], v[1], v[2]};
    }
    int gzipLevel = static_cast<int>(a.intValue("--gzip-level", 6));
    if (gzipLevel < 0 || gzipLevel > 9)
      throw Error(ErrorKind::InvalidArgument, "--gzip-level must be 0..9");

    ds = nz::openDataset(a.positional[0], a.store);
    const nz::DatasetInfo& info = ds->info();
    if (req.level < 0 || req.level >= static_cast<int>(info.levels.size()))
      throw Error(ErrorKind::InvalidArgument,
                  "--level " + std::to_string(req.level) + " does not exist in " + info.uri +
                      " (levels 0.." + std::to_string(static_cast<int>(info.levels.size()) - 1) +
                      ")");
    if (auto roisFile = a.value("--rois")) {
      for (const char* o : {"--roi", "--level", "--crop-or-pad", "--pad-mode", "--pad-value"})
        if (a.has(o))
          throw Error(ErrorKind::InvalidArgument,
                      std::string(o) + " cannot be combined with --rois (set it per ROI in " +
                          *roisFile + ")");
      return exportRoiSet(a, *ds, *roisFile, *out, gzipLevel, loaderMetrics,
                          [&] { return elapsed(); });
    }
    if (auto r = a.value("--roi"))
      req.roi = nz::parseRoiText(*r, info.levels[static_cast<std::size_t>(req.level)].shape);
    nz::ExportPlan plan = nz::planExport(info, req, modelFor(a.positional[0]));

    // The same code path as the viewer's export dialog (identical files).
    const nz::ExportOutputOptions oo = outputOptions(a, gzipLevel, &loaderMetrics);
    if (dryRun) {
      if (!a.has("--json")) std::cout << "source:           " << info.uri << "\n";
      printDryRun({{*out, plan}}, info, oo, a.has("--json"), false);
      if (wantStats) printStats(ds->store().stats(), elapsed(), loaderMetrics);
      return 0;
    }

    nz::AtomicOutput::installSignalCleanup();
    nz::runExport(*ds, plan, *out, oo);
    if (wantStats) printStats(ds->store().stats(), elapsed(), loaderMetrics);
    return 0;
  } catch (const std::exception& e) {
    int code = reportError(e);
    if (wantStats && ds) printStats(ds->store().stats(), elapsed(), loaderMetrics);
    return code;
  }
}

}  // namespace nzcli
