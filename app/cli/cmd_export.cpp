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
#include "cli/cli_part.h"
#include "cli/cli_stats_line.h"
#include "cli/commands.h"
#include "cli/export_parts.h"
#include "core/small_file.h"
#include "dataset/dataset.h"
#include "loader/loader_metrics.h"
#include "open/store_factory.h"
#include "roi/export_name.h"
#include "roi/export_plan.h"
#include "roi/export_replay.h"
#include "roi/export_run.h"
#include "roi/export_with.h"
#include "roi/roi_box.h"
#include "roi/roi_set.h"
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
    "       nzview-cli export URI --rois ROIS.json -o DIR [--format nii|nii.gz|nii.zarr] ...\n"
    "       nzview-cli export --replay OUT.nzview.json [-o OUT] [--allow-changed] [--source URI]\n"
    "       nzview-cli export --rois LIST.csv -o DIR [--format ...] ...\n"
    "       (with --rois: [--part I/N|auto [--part-count N]] for array jobs)\n"

    "       nzview-cli export IMAGE (--roi ... | --rois ROIS.json) --with LABELS -o DIR ...";
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
    "--byte-order big writes big-endian output: the .nii/.nii.gz header and voxels (read by\n"
    "nibabel, FSL, AFNI...), or the .nii.zarr header array and chunks (Zarr v2 '>' dtype, v3\n"
    "bytes codec \"endian\": \"big\"). Values, scaling and affine are the same as little.\n"
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
    "names get -2, -3, ... Prints each written path on stdout.\n"
    "\n"
    "Manifests: every export also writes OUT.nzview.json next to OUT (for --rois, one per ROI):\n"
    "the nzview version, the source URI (secrets removed), the ETag / Last-Modified / version\n"
    "id / generation (local files: size and mtime) of the metadata objects read, level, voxel\n"
    "and world box, affine, crop/pad target and mode, pad value, dtype and scaling, output\n"
    "format and codec settings, and the SHA-256 of the output file (of every object of a\n"
    ".nii.zarr, plus a tree digest). --no-manifest skips it.\n"
    "--replay MANIFEST rebuilds that export byte for byte (to -o OUT, default the recorded\n"
    "output) with the credential flags given now; it refuses, naming each change, when the\n"
    "source's validators differ from the recorded ones, unless --allow-changed; it fails when\n"
    "an unchanged source gives bytes whose SHA-256 differs from the recorded one.\n"
    "Pairs (--with): each of the two files gets its manifest; the image's also records the\n"
    "label map's source (secrets removed), validators and the label file's SHA-256, so\n"
    "--replay IMAGE_MANIFEST rebuilds both and checks both sources and both digests (-o is\n"
    "then a directory receiving both under their recorded names; --with URI replaces the\n"
    "recorded label map). The label file's manifest (with.role \"labels\") points at it.\n"
    "\n"

    "--rois LIST.csv (no URI) exports ROIs of many sources: a CSV whose header line names the\n"
    "columns uri, name, box (as --roi, quoted) and optionally level, crop_or_pad (quoted\n"
    "W,H,D), pad_mode, pad_value; output names are unique over the whole list.\n"
    "\n"
    "--part I/N (or auto: SLURM_ARRAY_TASK_ID/COUNT, JOB_COMPLETION_INDEX with --part-count,\n"
    "AWS_BATCH_JOB_ARRAY_INDEX/SIZE) exports only the I-th of N contiguous shares of the list.\n"
    "With --rois, an output that already exists is skipped (exports are atomic, so an\n"
    "existing output is complete): a re-run finishes what an interrupted run left.\n"
    "\n"

    "--with LABELS also writes the label map LABELS (an integer NIfTI-Zarr or NIfTI, any grid,\n"
    "orientation or store; the same credential options apply) resampled with nearest\n"
    "neighbour from its finest level onto exactly the grid of each exported image ROI (same\n"
    "shape after --crop-or-pad, same affine; voxels outside the label map are 0). -o is then a\n"
    "directory and each ROI gives two files, NAME_image.EXT and NAME_labels.EXT (NAME is 'roi'\n"
    "for --roi, the ROI's safe name for --rois; EXT from --format), ready for TorchIO/MONAI.";

nz::ThroughputModel modelFor(const std::string& uri) {
  nz::ThroughputModel m;
  bool local = uri.find("://") == std::string::npos || uri.rfind("file://", 0) == 0;
  if (local) {
    m.roundTripSeconds = 0;
    m.bytesPerSecond = 1e9;
  }
  return m;
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
  oo.zarrVersion = static_cast<int>(a.intValue("--zarr-version", 3, 2, 3));
  oo.chunk = a.intValue("--chunk", 64, 1, 4096);
  oo.shard = a.intValue("--shard", 0, 0, 1 << 20);
  if (auto c = a.value("--compressor")) oo.compressor = *c;
  if (auto b = a.value("--byte-order")) {
    if (*b != "little" && *b != "big")
      throw Error(ErrorKind::InvalidArgument, "--byte-order must be little or big, not " + *b);
    oo.bigEndian = *b == "big";
  }
  oo.store = a.store;
  oo.loaderMetrics = metrics;
  oo.writeManifest = !a.has("--no-manifest");
  return oo;
}

std::string readSmallFile(const std::string& path) {
  return nz::readSmallLocalFile(path, "the file");
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
      p["streamed"] = nz::exportIsStreamed(plan, oo, out);
      all.push_back(std::move(p));
      continue;
    }
    std::cout << "output:           " << nz::redactSecrets(out) << "\n"
              << nz::describePlan(plan, info)
              << "memory:           " << nz::describeExportMemory(plan, oo, out) << "\n"
              << (list ? "\n" : "");
  }
  if (json) std::cout << (list ? all.dump() : all[0].dump()) << "\n";
}

std::optional<nz::PartIndex> partOf(const ParsedArgs& a) {
  if (!a.has("--part")) {
    if (a.has("--part-count"))
      throw Error(ErrorKind::InvalidArgument, "--part-count goes with --part auto");
    return std::nullopt;
  }
  std::optional<long long> count;
  if (a.has("--part-count")) count = a.intValue("--part-count", 0);
  return parsePart(*a.value("--part"), count);
}

// The jobs of this part ([first, end) of `total`), and whether job i is to be skipped because
// its output exists (only when resuming: --rois). Prints what it skips on stderr.
std::pair<std::size_t, std::size_t> shareOf(const ParsedArgs& a, std::size_t total) {
  const auto p = partOf(a);
  if (!p) return {0, total};
  const auto [first, end] = nz::partShare(static_cast<std::int64_t>(total), *p);
  std::cerr << "part " << p->index << "/" << p->count << ": ROIs " << first << ".." << end << " of "
            << total << "\n";
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(end)};
}

bool skipExisting(const ParsedArgs& a, const std::string& out) {
  if (!exportOutputExists(out, a.store)) return false;
  std::cerr << "skipped " << nz::redactSecrets(out) << ": exists\n";
  return true;
}

// `export --rois LIST.csv -o DIR`: ROIs of many sources, each source opened once per run of
// consecutive rows naming it.
int exportList(const ParsedArgs& a, const std::string& listFile, const std::string& dir,
               int gzipLevel, nz::LoaderMetrics& metrics) {
  const std::vector<ExportListRow> rows = parseExportList(readSmallFile(listFile), listFile);
  if (rows.empty()) throw Error(ErrorKind::InvalidArgument, listFile + ": has no ROIs");
  const std::string suffix = outputSuffix(a);
  std::set<std::string> used;
  std::vector<std::string> outs;  // names over the whole list, so every part agrees
  for (const auto& r : rows) outs.push_back(nz::exportPathInDirectory(dir, r.name, suffix, used));
  const auto [first, end] = shareOf(a, rows.size());
  const nz::ExportOutputOptions oo = outputOptions(a, gzipLevel, &metrics);
  if (!a.has("--dry-run") && dir.find("://") == std::string::npos) {
    std::filesystem::create_directories(dir);
  }
  nz::AtomicOutput::installSignalCleanup();
  std::shared_ptr<nz::Dataset> ds;
  std::string dsUri;
  for (std::size_t i = first; i < end; ++i) {
    const ExportListRow& r = rows[i];
    if (!a.has("--dry-run") && skipExisting(a, outs[i])) continue;
    const std::string where = listFile + ": line " + std::to_string(r.line) + ": ";
    if (!ds || dsUri != r.uri) {
      ds = nz::openDataset(r.uri, a.store);
      dsUri = r.uri;
    }
    const nz::DatasetInfo& info = ds->info();
    nz::ExportRequest req;
    req.level = r.level;
    if (req.level >= static_cast<int>(info.levels.size()))
      throw Error(ErrorKind::InvalidArgument,
                  where + "level " + std::to_string(r.level) + " does not exist in " + info.uri);
    try {
      req.roi = nz::parseRoiText(r.box, info.levels[static_cast<std::size_t>(req.level)].shape);
      if (!r.padMode.empty()) req.padMode = nz::padModeFromName(r.padMode);
      if (!r.padValue.empty()) {
        std::size_t used_ = 0;
        req.padValue = std::stod(r.padValue, &used_);
        if (used_ != r.padValue.size() || !std::isfinite(req.padValue))
          throw std::invalid_argument("");
      }
      if (!r.cropOrPad.empty()) {
        auto v = parseIntList(r.cropOrPad, 3, "crop_or_pad");
        for (auto x : v)
          if (x <= 0) throw Error(ErrorKind::InvalidArgument, "crop_or_pad sizes must be positive");
        req.cropOrPad = std::array<std::int64_t, 3>{v[0], v[1], v[2]};
      }
    } catch (const Error& e) {
      throw Error(e.kind(), where + e.what());
    } catch (const std::exception&) {
      throw Error(ErrorKind::InvalidArgument, where + "pad_value must be a finite number");
    }
    const nz::ExportPlan plan = nz::planExport(info, req, modelFor(r.uri));
    if (a.has("--dry-run")) {
      printDryRun({{outs[i], plan}}, info, oo, a.has("--json"), true);
      continue;
    }
    nz::runExport(*ds, plan, outs[i], oo);
    std::cout << nz::redactSecrets(outs[i]) << "\n" << std::flush;
  }
  return 0;
}

// With --with: every planned image output gets its label twin NAME_labels.EXT next to it.
struct PairedJob {
  std::string imageOut, labelsOut;
  nz::ExportPlan plan;
};

// `--with`: DIR/NAME_image.EXT and DIR/NAME_labels.EXT (unique NAME across the run).
PairedJob pairedJob(const std::string& dir, const std::string& name, const std::string& suffix,
                    std::set<std::string>& used, nz::ExportPlan plan) {
  PairedJob j;
  j.imageOut = nz::exportPathInDirectory(dir, name, "_image" + suffix, used);
  const std::string tail = "_image" + suffix;
  const auto cut = j.imageOut.rfind(tail);
  j.labelsOut =
      j.imageOut.substr(0, cut) + "_labels" + suffix + j.imageOut.substr(cut + tail.size());
  j.plan = std::move(plan);
  return j;
}

// Writes every pair: the image ROI as usual, then the label map resampled onto its grid.
int exportPairs(const ParsedArgs& a, nz::Dataset& image, const std::string& labelsUri,
                const std::string& dir, const std::vector<PairedJob>& jobs,
                const nz::ExportOutputOptions& oo, nz::LoaderMetrics& metrics,
                const std::function<double()>& elapsed) {
  std::shared_ptr<nz::Dataset> labels = nz::openDataset(labelsUri, a.store);
  nz::requireLabelDataset(labels->info());
  if (a.has("--dry-run")) {
    std::vector<std::pair<std::string, nz::ExportPlan>> plans;
    for (const PairedJob& j : jobs) plans.emplace_back(j.imageOut, j.plan);
    printDryRun(plans, image.info(), oo, a.has("--json"), jobs.size() > 1);
    if (!a.has("--json"))
      for (const PairedJob& j : jobs)
        std::cout << "labels output:    " << nz::redactSecrets(j.labelsOut) << " (from "
                  << nz::redactSecrets(labels->info().uri) << ", nearest neighbour)\n";
    if (a.has("--stats")) printStatsLine(image.store().stats(), elapsed(), metrics);
    return 0;
  }
  if (dir.find("://") == std::string::npos) std::filesystem::create_directories(dir);
  nz::AtomicOutput::installSignalCleanup();
  for (const PairedJob& j : jobs) {
    const nz::LabelExportResult r =
        nz::runPairExport(image, *labels, j.plan, j.imageOut, j.labelsOut, oo).label;
    std::cout << nz::redactSecrets(j.imageOut) << "\n" << std::flush;
    if (!r.overlaps)
      std::cerr << "nzview-cli: warning: " << nz::redactSecrets(labels->info().uri)
                << " does not overlap the ROI of " << nz::redactSecrets(j.imageOut)
                << " in world space; its labels are all 0\n";
    std::cout << nz::redactSecrets(j.labelsOut) << "\n" << std::flush;
  }
  if (a.has("--stats")) printStatsLine(image.store().stats(), elapsed(), metrics);
  return 0;
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
  if (auto with = a.value("--with")) {
    std::vector<PairedJob> pairs;
    for (const nz::NamedRoi& r : set.rois)
      pairs.push_back(pairedJob(dir, r.name, suffix, used,
                                nz::planExport(info, r.request, modelFor(info.uri))));
    return exportPairs(a, ds, *with, dir, pairs, outputOptions(a, gzipLevel, &metrics), metrics,
                       elapsed);
  }
  std::vector<std::pair<std::string, nz::ExportPlan>> jobs;
  for (const nz::NamedRoi& r : set.rois) {
    const std::string out = nz::exportPathInDirectory(dir, r.name, suffix, used);
    jobs.emplace_back(out, nz::planExport(info, r.request, modelFor(info.uri)));
  }
  const auto [first, end] = shareOf(a, jobs.size());
  jobs = std::vector<std::pair<std::string, nz::ExportPlan>>(
      jobs.begin() + static_cast<std::ptrdiff_t>(first),
      jobs.begin() + static_cast<std::ptrdiff_t>(end));
  const nz::ExportOutputOptions oo = outputOptions(a, gzipLevel, &metrics);
  if (a.has("--dry-run")) {
    printDryRun(jobs, info, oo, a.has("--json"), true);
    if (a.has("--stats")) printStatsLine(ds.store().stats(), elapsed(), metrics);
    return 0;
  }
  if (dir.find("://") == std::string::npos) std::filesystem::create_directories(dir);
  nz::AtomicOutput::installSignalCleanup();
  for (const auto& [out, plan] : jobs) {
    if (skipExisting(a, out)) continue;
    nz::runExport(ds, plan, out, oo);
    std::cout << nz::redactSecrets(out) << "\n" << std::flush;
  }
  if (a.has("--stats")) printStatsLine(ds.store().stats(), elapsed(), metrics);
  return 0;
}

// `export --replay MANIFEST [-o OUT]`: the export the manifest describes, byte for byte.
int replay(const ParsedArgs& a, const std::string& manifestFile) {
  if (!a.positional.empty())
    throw Error(ErrorKind::InvalidArgument,
                "--replay takes no URI (the manifest names the source; use --source to change it)");
  for (const char* o : {"--roi", "--level", "--crop-or-pad", "--pad-mode", "--pad-value", "--rois",
                        "--format", "--gzip-level", "--zarr-version", "--chunk", "--compressor",
                        "--shard", "--dry-run", "--byte-order"})
    if (a.has(o))
      throw Error(ErrorKind::InvalidArgument,
                  std::string(o) + " cannot be combined with --replay (the manifest fixes it)");
  const nz::ExportManifest m = nz::manifestFromJson(readSmallFile(manifestFile), manifestFile);
  nz::ReplayOptions ro;
  ro.output = a.value("-o").value_or("");
  ro.source = a.value("--source").value_or("");
  ro.labelsSource = a.value("--with").value_or("");
  ro.allowChanged = a.has("--allow-changed");
  ro.base.store = a.store;
  ro.base.writeManifest = !a.has("--no-manifest");
  nz::AtomicOutput::installSignalCleanup();
  const nz::ReplayResult r = nz::replayExport(m, ro);
  for (const auto& c : r.changes) std::cerr << "nzview-cli: source changed: " << c << "\n";
  if (!r.identical)
    std::cerr << "nzview-cli: the output differs from the recorded one (SHA-256 "
              << r.manifest.sha256 << ", recorded " << m.sha256 << ")\n";
  std::cout << r.output << "\n";
  if (!r.labelsOutput.empty()) std::cout << r.labelsOutput << "\n";
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
        "print {requests, bytes, seconds, open_seconds, read_seconds, chunks, cache_hits, ...} "
        "as one JSON line on stderr",
        ""},
       {"--gzip-level", true, "0-9",
        ".nii.gz compression level: 1-3 ISA-L (fast), 4-9 zlib, 0 stored (default 1, as nibabel)",
        ""},
       {"--zarr-version", true, "2|3", ".nii.zarr: Zarr format (default 3)", ""},
       {"--chunk", true, "N", ".nii.zarr: chunk size (default 64)", ""},
       {"--compressor", true, "NAME", ".nii.zarr: {compressors}", ""},
       {"--shard", true, "N", ".nii.zarr: shard size (Zarr v3)", ""},
       {"--byte-order", true, "little|big",
        "byte order of the output (default little): .nii/.nii.gz header and voxels; .nii.zarr "
        "header array and chunks (v2 '>' dtype, v3 bytes codec endian big)",
        ""},
       {"--rois", true, "FILE", "export every ROI of this ROI file into the directory -o", ""},
       {"--format", true, "EXT", "with --rois or --with: nii, nii.gz (default) or nii.zarr", ""},
       {"--no-manifest", false, "", "do not write the OUT.nzview.json manifest", ""},
       {"--replay", true, "MANIFEST", "rebuild the export a manifest describes", ""},
       {"--allow-changed", false, "", "with --replay: replay even if the source changed", ""},
       {"--source", true, "URI", "with --replay: read from URI instead of the recorded one", ""},
       {"--part", true, "I/N|auto", "with --rois: export only share I of N (array jobs)", ""},
       {"--part-count", true, "N", "with --part auto in a Kubernetes Indexed Job: N parts", ""},
       {"--with", true, "LABELS",
        "also write the label map LABELS resampled onto each ROI's grid (-o is a directory); "
        "with --replay: the label map to read instead of the recorded one",
        ""}});
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::shared_ptr<nz::Dataset> ds;
  nz::LoaderMetrics loaderMetrics;
  std::optional<double> openSeconds;
  bool wantStats = false;
  try {
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kUsage, kDescription);
      return 0;
    }
    wantStats = a.has("--stats");
    if (auto manifest = a.value("--replay")) return replay(a, *manifest);
    const auto listFile = a.value("--rois");
    const bool csvList =
        listFile && listFile->size() > 4 && listFile->compare(listFile->size() - 4, 4, ".csv") == 0;
    if (a.has("--part") && !listFile)
      throw Error(ErrorKind::InvalidArgument, "--part goes with --rois (a list to share)");
    if (csvList) {
      if (!a.positional.empty())
        throw Error(ErrorKind::InvalidArgument,
                    "export --rois LIST.csv takes no URI: each row names its source");
      auto out = a.value("-o");
      if (!out || out->empty())
        throw Error(ErrorKind::InvalidArgument,
                    "export needs -o DIR (see nzview-cli export --help)");
      for (const char* o : {"--roi", "--level", "--crop-or-pad", "--pad-mode", "--pad-value"})
        if (a.has(o))
          throw Error(ErrorKind::InvalidArgument,
                      std::string(o) + " cannot be combined with --rois (set it per row of " +
                          *listFile + ")");
      int gzipLevel = static_cast<int>(a.intValue("--gzip-level", 1, 0, 9));
      if (gzipLevel < 0 || gzipLevel > 9)
        throw Error(ErrorKind::InvalidArgument, "--gzip-level must be 0..9");
      return exportList(a, *listFile, *out, gzipLevel, loaderMetrics);
    }
    if (a.positional.size() != 1)
      throw Error(ErrorKind::InvalidArgument,
                  a.positional.empty() ? "export needs a URI (see nzview-cli export --help)"
                                       : "export takes one URI (see nzview-cli export --help)");
    auto out = a.value("-o");
    if (!out || out->empty())
      throw Error(ErrorKind::InvalidArgument, "export needs -o OUT (see nzview-cli export --help)");
    if (!a.has("--rois") && !a.has("--with"))
      nz::exportFormatFor(*out);  // validates the suffix before any open
    else
      outputSuffix(a);  // validates --format
    bool dryRun = a.has("--dry-run");

    nz::ExportRequest req;
    req.level = static_cast<int>(a.intValue("--level", 0, 0, 1000));
    if (auto m = a.value("--pad-mode")) req.padMode = nz::padModeFromName(*m);
    req.padValue = a.doubleValue("--pad-value", 0);
    if (!std::isfinite(req.padValue))
      throw Error(ErrorKind::InvalidArgument, "--pad-value must be finite");
    if (auto c = a.value("--crop-or-pad")) {
      auto v = parseIntList(*c, 3, "--crop-or-pad");
      for (auto x : v)
        if (x <= 0 || x > (1LL << 31))
          throw Error(ErrorKind::InvalidArgument,
                      "--crop-or-pad sizes must be from 1 to 2^31, got '" + *c + "'");
      req.cropOrPad = std::array<std::int64_t, 3>{v[0], v[1], v[2]};
    }
    int gzipLevel = static_cast<int>(a.intValue("--gzip-level", 1, 0, 9));
    if (gzipLevel < 0 || gzipLevel > 9)
      throw Error(ErrorKind::InvalidArgument, "--gzip-level must be 0..9");

    ds = nz::openDataset(a.positional[0], a.store);
    openSeconds = elapsed();
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
    if (auto with = a.value("--with")) {
      std::set<std::string> used;
      return exportPairs(
          a, *ds, *with, *out, {pairedJob(*out, "roi", outputSuffix(a), used, std::move(plan))},
          outputOptions(a, gzipLevel, &loaderMetrics), loaderMetrics, [&] { return elapsed(); });
    }

    // The same code path as the viewer's export dialog (identical files).
    const nz::ExportOutputOptions oo = outputOptions(a, gzipLevel, &loaderMetrics);
    if (dryRun) {
      if (!a.has("--json")) std::cout << "source:           " << info.uri << "\n";
      printDryRun({{*out, plan}}, info, oo, a.has("--json"), false);
      if (wantStats) printStatsLine(ds->store().stats(), elapsed(), loaderMetrics, openSeconds);
      return 0;
    }

    if (info.levels[static_cast<std::size_t>(plan.level)].storedFloat16)
      std::cerr << "note: " << info.uri
                << " is stored as float16; written as float32 (NIfTI has no float16 type)\n";
    nz::AtomicOutput::installSignalCleanup();
    nz::runExport(*ds, plan, *out, oo);
    if (wantStats) printStatsLine(ds->store().stats(), elapsed(), loaderMetrics, openSeconds);
    return 0;
  } catch (const std::exception& e) {
    int code = reportError(e);
    if (wantStats && ds) printStatsLine(ds->store().stats(), elapsed(), loaderMetrics, openSeconds);
    return code;
  }
}

}  // namespace nzcli
