#pragma once
// Runs a planned export end to end: reads plan.readBox of plan.level (only the chunks it
// touches, through a ChunkLoader: loader/region_reader.h), pads/crops it (executePlan) and writes
// .nii / .nii.gz (AtomicOutput) or .nii.zarr (writeNiftiZarr into a temporary sibling directory
// renamed at the end, or straight to a cloud store, whose group metadata is written last).
// `nzview-cli export` and the viewer's export dialog both call this, so both produce identical
// files. Blocking: run it on a worker thread.
//
// Large outputs (more than ExportOutputOptions::streamAboveBytes, 64 MiB) are streamed instead
// of held in memory: the output is produced in z-slabs whose boundaries lie on the read level's
// chunk grid (so each chunk is fetched once when its t and c extents are 1, as niizarr writes
// them), and each slab goes to the writer as soon as it is read, with the same bytes as the
// in-memory path. Memory then stays around maxInMemoryBytes (at least one chunk-deep slab of the
// output). Only a constant pad (or no padding at all) can stream: the edge/reflect/symmetric/wrap
// and minimum/maximum/mean/median pad modes need the whole region, so those exports stay in memory.
// Label pyramids of .nii.zarr read the source twice (one pass to collect the labels). A cloud
// .nii/.nii.gz destination is still one object write, which AtomicOutput buffers (compressed).
//
//   nz::ExportPlan plan = nz::planExport(ds->info(), req);
//   nz::ExportOutputOptions o;  o.store = storeOptions;
//   nz::runExport(*ds, plan, "roi.nii.gz", o, cancel.token(), progress);
#include <cstdint>
#include <functional>
#include <future>
#include <string>

#include "core/cancel.h"
#include "dataset/dataset.h"
#include "loader/loader_metrics.h"
#include "manifest/manifest.h"
#include "roi/export_plan.h"
#include "store/store_options.h"

namespace nz {

enum class ExportFormat { Nii, NiiGz, NiiZarr };

// From the destination's suffix (.nii, .nii.gz, .nii.zarr; case-insensitive, query ignored).
// Throws nz::Error(InvalidArgument) for anything else.
ExportFormat exportFormatFor(const std::string& destination);

struct ExportOutputOptions {
  int gzipLevel = 1;        // .nii.gz (1-3: ISA-L, 0 and 4-9: zlib; nibabel also writes 1)
  int zarrVersion = 3;      // .nii.zarr: 2 or 3
  std::int64_t chunk = 64;  // .nii.zarr chunk edge
  std::int64_t shard = 0;   // .nii.zarr (v3) shard edge, 0 = none
  std::string compressor;   // .nii.zarr: empty = the writer's default
  // Big-endian output (--byte-order big): the .nii/.nii.gz header and voxels, the .nii.zarr
  // header array and chunks (v2 '>' dtype, v3 bytes codec "endian": "big").
  bool bigEndian = false;
  StoreOptions store;  // credentials for a cloud destination; its maxConcurrency also
                       // bounds the chunk fetches of the read (the chunk loader's slots)
  // When set, receives the chunk loader's counters of the read (also when the export fails or
  // is cancelled), e.g. for `nzview-cli export --stats`.
  LoaderMetrics* loaderMetrics = nullptr;
  // Outputs larger than this (uncompressed voxel bytes) are streamed in z-slabs when the plan
  // allows it (see exportIsStreamed); streaming keeps memory near this bound.
  std::uint64_t maxInMemoryBytes = std::uint64_t{512} << 20;
  // Outputs larger than this are streamed even below maxInMemoryBytes: writing (and hashing)
  // slab k while slab k+1 is read overlaps the two, where an in-memory export reads everything,
  // then writes, then reads the file back for the manifest's digest.
  std::uint64_t streamAboveBytes = std::uint64_t{64} << 20;
  // Every export writes the sidecar OUT.nzview.json (io/manifest/manifest.h) after the output;
  // off only for callers that write no user-visible output.
  bool writeManifest = true;
  // When set, receives the manifest of a successful export (written or not), e.g. to check a
  // replay's digests.
  ExportManifest* manifest = nullptr;
};

// True when runExport streams this plan to `destination`: the output is larger than
// options.maxInMemoryBytes, or (a .nii/.nii.gz destination; "" counts as one) than
// options.streamAboveBytes, and its padding (if any) is constant, so no slab needs data outside
// itself. A .nii.zarr keeps the larger bound: a label pyramid streamed reads its source twice.
bool exportIsStreamed(const ExportPlan& plan, const ExportOutputOptions& options,
                      const std::string& destination = {});
// One line for plans shown to the user: "streamed in z-slabs, bounded (output 2048.0 MiB)" or
// "held in memory (output 3.4 MiB)".
std::string describeExportMemory(const ExportPlan& plan, const ExportOutputOptions& options,
                                 const std::string& destination = {});

// Progress: fraction 0..1 over the whole export (reading ~first half, writing the rest).
using ExportProgress = std::function<void(double)>;

// Throws nz::Error (Cancelled when `cancel` fired; nothing is left at `destination` then, nor
// after any other failure). Returns the output voxel count written.
std::uint64_t runExport(Dataset& dataset, const ExportPlan& plan, const std::string& destination,
                        const ExportOutputOptions& options, CancelToken cancel = {},
                        const ExportProgress& progress = {});

// Writes `result` (exactly plan.outBox's shape and plan.dtype) to `destination` with the
// header of `info` (scaling, units, intent) and plan.affine: the in-memory tail of runExport,
// also used for the label map of `export --with` (roi/export_with.h).
// `digests`, when given, receives the SHA-256 of every object of a .nii.zarr output, and of a
// .nii/.nii.gz when options ask for a manifest (for the manifest).
void writeExportVolume(const DatasetInfo& info, const ExportPlan& plan, const Volume& result,
                       const std::string& destination, const ExportOutputOptions& options,
                       CancelToken cancel = {}, const ExportProgress& progress = {},
                       std::vector<ObjectDigest>* digests = nullptr);

// The manifest of a finished export of `plan` from the dataset `info` to `destination`:
// `validators` (of the source, fetched while exporting; a failure is recorded, not thrown),
// `digests` (of a .nii.zarr's objects, or the streamed file's; empty: the file is read back).
ExportManifest describeExport(const DatasetInfo& info, const ExportPlan& plan,
                              const std::string& destination, const ExportOutputOptions& options,
                              std::future<std::vector<ObjectValidator>>& validators,
                              std::vector<ObjectDigest> digests);

}  // namespace nz
