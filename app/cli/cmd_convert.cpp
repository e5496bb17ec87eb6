// nzview-cli convert IN OUT.nii.zarr: NIfTI (.nii / .nii.gz, local or remote) to NIfTI-Zarr,
// streamed (memory bounded by a few chunk slabs), written atomically.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "cli/cli_options.h"
#include "cli/cli_part.h"
#include "cli/commands.h"
#include "convert/convert.h"
#include "convert/convert_parts.h"
#include "core/error.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

const char* kUsage =
    "nzview-cli convert IN OUT.nii.zarr [--chunk 64] [--levels N] [--zarr-version 2|3]\n"
    "                   [--compressor {compressors}] [--shard N] [--label]\n"
    "                   [--quiet] [credential options]\n"
    "       nzview-cli convert IN OUT.nii.zarr --part I/N|auto [--part-count N] [options]\n"
    "       nzview-cli convert IN OUT.nii.zarr --stage pyramid --part I/N|auto [options]\n"
    "       nzview-cli convert IN OUT.nii.zarr --stage finalize [options]";
const char* kDescription =
    "Converts a NIfTI file (.nii or .nii.gz; local path or URI) to NIfTI-Zarr the way the\n"
    "reference implementation niizarr does: the binary header as the `nifti` array, OME\n"
    "multiscales (0.4 for Zarr v2, 0.5 for Zarr v3) and a Gaussian pyramid (per-label voting\n"
    "for label volumes: intent 1002/1003 or --label). Streams: memory stays at a few chunk\n"
    "slabs. OUT is written atomically (temporary sibling + rename locally; group metadata\n"
    "last on cloud stores). Progress goes to stderr.\n"
    "\n"
    "On a cluster (array jobs), the conversion runs in three stages, each given the same IN,\n"
    "OUT and options:\n"
    "  --part I/N                 part I (0..N-1) of N writes its share of level 0: z slabs\n"
    "                             one chunk (or shard) deep, so no two parts write the same\n"
    "                             object; a .nii input is read with ranged reads from its\n"
    "                             slabs on (a .nii.gz is inflated from the start).\n"
    "  --stage pyramid --part I/N levels 1..K of its share of z blocks, from level 0 in OUT.\n"
    "  --stage finalize           once, after both: checks every part's record and object,\n"
    "                             writes the remaining levels, the metadata and the group\n"
    "                             metadata last (until then OUT is not a readable dataset).\n"
    "Each unit (slab or block) writes its objects and then a record under OUT/.nzview-parts/;\n"
    "a part that is re-run skips units with a record and redoes the others. The result is\n"
    "byte-identical to a single-process convert. --part auto takes the index and count from\n"
    "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, JOB_COMPLETION_INDEX (Kubernetes Indexed\n"
    "Job; with --part-count N) or AWS_BATCH_JOB_ARRAY_INDEX/AWS_BATCH_JOB_ARRAY_SIZE.\n"
    "Label volumes cannot be converted in parts.";

// One stage (or one part of a stage) of a conversion split into parts.
int runPart(const ParsedArgs& a, const nz::ConvertOptions& o) {
  const std::string stageName = a.value("--stage").value_or("level0");
  nz::ConvertStage stage;
  if (stageName == "level0") {
    stage = nz::ConvertStage::Level0;
  } else if (stageName == "pyramid") {
    stage = nz::ConvertStage::Pyramid;
  } else if (stageName == "finalize") {
    stage = nz::ConvertStage::Finalize;
  } else {
    throw nz::Error(nz::ErrorKind::InvalidArgument,
                    "--stage must be level0, pyramid or finalize, not " + stageName);
  }
  if (stage == nz::ConvertStage::Finalize && a.has("--part")) {
    throw nz::Error(nz::ErrorKind::InvalidArgument,
                    "--stage finalize runs once, after every part: no --part");
  }
  if (stage == nz::ConvertStage::Level0 && !a.has("--part")) {
    throw nz::Error(nz::ErrorKind::InvalidArgument, "--stage level0 needs --part I/N");
  }
  std::optional<long long> count;
  if (a.has("--part-count")) count = a.intValue("--part-count", 0);
  const nz::PartIndex part =
      a.has("--part") ? parsePart(*a.value("--part"), count) : nz::PartIndex{0, 1};
  const nz::PartResult r = nz::convertPart(a.positional[0], a.positional[1], stage, part, o);
  const std::string out = nz::parseUri(a.positional[1]).redacted();
  if (stage == nz::ConvertStage::Finalize) {
    if (r.alreadyFinalized) {
      std::cout << out << " is already finalized\n";
    } else {
      std::cout << "finalized " << out << ": " << r.levelShapes.size() << " levels, "
                << r.unitsTotal << " unit records checked, " << r.objectsWritten
                << " objects written (levels above " << r.floatLevel << ") in " << r.seconds
                << " s\n";
    }
    return 0;
  }
  std::cout << stageName << " part " << part.index << "/" << part.count << " of " << out << ": "
            << r.unitsOwned << " of " << r.unitsTotal << " units";
  if (r.unitsSkipped) std::cout << " (" << r.unitsSkipped << " already done)";
  if (stage == nz::ConvertStage::Pyramid && r.unitsTotal > 0) {
    std::cout << ", levels 1-" << r.floatLevel;
  }
  std::cout << ", " << r.objectsWritten << " objects, " << r.bytesWritten << " bytes in "
            << r.seconds << " s\n";
  return 0;
}

}  // namespace

int cmdConvert(const Args& args) {
  std::mutex m;
  int lastPercent = -1;  // >= 0 once a progress line is on stderr
  try {
    OptionParser parser(
        "convert",
        {{"--chunk", true, "N", "spatial chunk edge in voxels (default 64)", ""},
         {"--levels", true, "N", "pyramid levels (default: niizarr's automatic rule)", ""},
         {"--zarr-version", true, "2|3", "Zarr format (default 3; 2 writes OME 0.4)", ""},
         {"--compressor", true, "NAME", "{compressors-or} (default blosc)", ""},
         {"--shard", true, "N", "Zarr v3 shard edge in voxels (multiple of --chunk)", ""},
         {"--label", false, "", "label volume: pyramid by per-label voting", ""},
         {"--quiet", false, "", "no progress on stderr", ""},
         {"--part", true, "I/N|auto", "array-job part: this process's share of the stage", ""},
         {"--part-count", true, "N", "with --part auto in a Kubernetes Indexed Job: N parts", ""},
         {"--stage", true, "STAGE", "level0 (default with --part), pyramid or finalize", ""}});
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kUsage, kDescription);
      return 0;
    }
    if (a.positional.size() != 2) {
      throw nz::Error(nz::ErrorKind::InvalidArgument,
                      "convert needs IN and OUT (see nzview-cli convert --help)");
    }
    nz::ConvertOptions o;
    o.storeOptions = a.store;
    o.write.chunk = a.intValue("--chunk", 64, 1, 4096);
    o.write.levels = static_cast<int>(a.intValue("--levels", -1, -1, 64));
    o.write.zarrVersion = static_cast<int>(a.intValue("--zarr-version", 3, 2, 3));
    o.write.compressor = a.value("--compressor").value_or("blosc");
    o.write.shard = a.intValue("--shard", 0, 0, 1 << 20);
    if (a.has("--label")) o.write.label = true;
    if (a.has("--part") || a.has("--stage")) return runPart(a, o);
    const bool quiet = a.has("--quiet");
    if (!quiet) {
      o.progress = [&](const nz::ConvertProgress& p) {
        std::lock_guard lock(m);
        const int pct = static_cast<int>(p.fraction * 100);
        if (pct == lastPercent) return;
        lastPercent = pct;
        std::fprintf(stderr, "\rconverting: %3d%%  (%.1f of %.1f MB read)", pct,
                     static_cast<double>(p.downloaded) / 1e6,
                     static_cast<double>(p.inputSize) / 1e6);
        std::fflush(stderr);
      };
    }
    const nz::ConvertResult r = nz::convertNiftiToNiftiZarr(a.positional[0], a.positional[1], o);
    if (lastPercent >= 0) std::fprintf(stderr, "\n");
    std::cout << "wrote " << nz::parseUri(a.positional[1]).redacted() << ": "
              << r.write.levelShapes.size() << " levels, " << r.write.objectsWritten << " objects, "
              << r.write.bytesWritten << " bytes";
    if (r.write.chunksSkipped) std::cout << " (" << r.write.chunksSkipped << " empty chunks)";
    std::cout << " in " << r.seconds << " s\n";
    return 0;
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(m);
      if (lastPercent >= 0) std::fprintf(stderr, "\n");
    }
    return reportError(e);
  }
}

}  // namespace nzcli
