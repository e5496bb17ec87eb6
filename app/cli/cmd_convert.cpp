// nzview-cli convert IN OUT.nii.zarr: NIfTI (.nii / .nii.gz, local or remote) to NIfTI-Zarr,
// streamed (memory bounded by a few chunk slabs), written atomically.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "convert/convert.h"
#include "core/error.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

const char* kUsage =
    "nzview-cli convert IN OUT.nii.zarr [--chunk 64] [--levels N] [--zarr-version 2|3]\n"
    "                   [--compressor blosc|zstd|gzip|none] [--shard N] [--label]\n"
    "                   [--quiet] [credential options]";
const char* kDescription =
    "Converts a NIfTI file (.nii or .nii.gz; local path or URI) to NIfTI-Zarr the way the\n"
    "reference implementation niizarr does: the binary header as the `nifti` array, OME\n"
    "multiscales (0.4 for Zarr v2, 0.5 for Zarr v3) and a Gaussian pyramid (per-label voting\n"
    "for label volumes: intent 1002/1003 or --label). Streams: memory stays at a few chunk\n"
    "slabs. OUT is written atomically (temporary sibling + rename locally; group metadata\n"
    "last on cloud stores). Progress goes to stderr.";

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
         {"--compressor", true, "NAME", "blosc (default), zstd, gzip or none", ""},
         {"--shard", true, "N", "Zarr v3 shard edge in voxels (multiple of --chunk)", ""},
         {"--label", false, "", "label volume: pyramid by per-label voting", ""},
         {"--quiet", false, "", "no progress on stderr", ""}});
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
