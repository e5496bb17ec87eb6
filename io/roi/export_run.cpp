#include "roi/export_run.h"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"
#include "loader/region_reader.h"
#include "store/store_factory.h"
#include "uri/uri.h"
#include "write/nifti_writer.h"
#include "write/nifti_zarr_writer.h"

namespace nz {

namespace {

bool endsWith(std::string s, const std::string& suffix) {
  s = s.substr(0, s.find('?'));
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s.size() < suffix.size()) return false;
  std::string tail = s.substr(s.size() - suffix.size());
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == suffix;
}

bool isLocal(const std::string& out) {
  return out.find("://") == std::string::npos || out.rfind("file://", 0) == 0;
}

// .nii.zarr is a tree of objects, so it cannot be one rename or one PUT. Locally it is written
// into a temporary sibling directory renamed at the end; on cloud stores the writer stores
// the group metadata last, which is the commit point readers rely on.
void writeZarr(const DatasetInfo& info, const ExportPlan& plan, const Volume& v,
               const std::string& out, const ExportOutputOptions& options, CancelToken cancel,
               const ExportProgress& progress) {
  NiftiHeader header = makeExportHeader(info, v.shape, v.dtype, plan.affine);
  header.voxOffset = 0;
  Bytes headerBytes = serializeNiftiHeader(header);
  NiftiZarrWriteOptions o;
  o.zarrVersion = options.zarrVersion;
  if (o.zarrVersion != 2 && o.zarrVersion != 3)
    throw Error(ErrorKind::InvalidArgument, "--zarr-version must be 2 or 3");
  o.chunk = options.chunk;
  if (o.chunk <= 0) throw Error(ErrorKind::InvalidArgument, "--chunk must be positive");
  o.shard = options.shard;
  if (!options.compressor.empty()) o.compressor = options.compressor;
  o.cancel = cancel;
  o.progress = progress;
  if (!isLocal(out)) {
    auto store = openStore(parseUri(out), options.store);
    writeNiftiZarr(*store, headerBytes, v, o);
    return;
  }
  std::string finalPath = out.rfind("file://", 0) == 0 ? parseUri(out).path : out;
  while (finalPath.size() > 1 && finalPath.back() == '/') finalPath.pop_back();
  std::error_code ec;
  if (std::filesystem::exists(finalPath, ec))
    throw Error(ErrorKind::InvalidArgument,
                "output '" + finalPath + "' already exists (remove it first)");
  // pid + counter: several exports may run at once in one process (the viewer).
  static std::atomic<unsigned> counter{0};
  std::filesystem::path fp(finalPath);
  std::string suffix = ".tmp-" + std::to_string(::getpid());
  if (unsigned n = counter++; n > 0) suffix += "-" + std::to_string(n);
  std::filesystem::path tmp = fp.parent_path() / ("." + fp.filename().string() + suffix);
  std::filesystem::create_directories(tmp, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create '" + tmp.string() + "': " + ec.message());
  try {
    auto store = openStore(parseUri(tmp.string()), options.store);
    writeNiftiZarr(*store, headerBytes, v, o);
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
    std::filesystem::rename(tmp, fp);
  } catch (...) {
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

// Reads the plan's box through a chunk loader of its own (the loader the viewer's slices use),
// so exports share its fetch path and counters.
Volume readThroughLoader(Dataset& dataset, const ExportPlan& plan,
                         const ExportOutputOptions& options, CancelToken cancel,
                         const ExportProgress& progress) {
  LoaderOptions lo;
  lo.maxInFlight = options.store.maxConcurrency > 0
                       ? static_cast<std::size_t>(options.store.maxConcurrency)
                       : std::size_t{128};
  // The cache only stages one window of chunks before they are copied into the output: a
  // bounded budget keeps an export from holding the viewer-sized cache on top of the output.
  lo.cacheBytes = std::min<std::size_t>(defaultCacheBudget(), std::size_t{512} << 20);
  ChunkLoader loader(lo);
  // The loader and its cache are gone before this returns, so a non-owning pointer suffices.
  std::shared_ptr<Dataset> ds(&dataset, [](Dataset*) {});
  struct Publish {  // metrics also on failure/cancel, for --stats
    ChunkLoader& loader;
    LoaderMetrics* out;
    ~Publish() {
      if (out) *out = loader.metrics();
    }
  } publish{loader, options.loaderMetrics};
  return readRegionThroughLoader(loader, ds, plan.level, plan.readBox, plan.padValueRaw, cancel,
                                 progress);
}

}  // namespace

ExportFormat exportFormatFor(const std::string& out) {
  if (endsWith(out, ".nii.zarr")) return ExportFormat::NiiZarr;
  if (endsWith(out, ".nii.gz")) return ExportFormat::NiiGz;
  if (endsWith(out, ".nii")) return ExportFormat::Nii;
  throw Error(ErrorKind::InvalidArgument,
              "output '" + redactSecrets(out) + "' must end in .nii, .nii.gz or .nii.zarr");
}

std::uint64_t runExport(Dataset& dataset, const ExportPlan& plan, const std::string& destination,
                        const ExportOutputOptions& options, CancelToken cancel,
                        const ExportProgress& progress) {
  const ExportFormat format = exportFormatFor(destination);
  if (options.gzipLevel < 0 || options.gzipLevel > 9)
    throw Error(ErrorKind::InvalidArgument, "--gzip-level must be 0..9");
  auto report = [&](double base, double span) {
    return [progress, base, span](double f) {
      if (progress) progress(base + span * std::clamp(f, 0.0, 1.0));
    };
  };
  Volume voxels;
  voxels.dtype = plan.dtype;
  if (plan.readBox.empty())
    voxels.shape = {0, 0, 0, 0, 0};
  else
    voxels = readThroughLoader(dataset, plan, options, cancel, report(0.0, 0.5));
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
  Volume result = executePlan(plan, std::move(voxels));
  const DatasetInfo& info = dataset.info();
  if (format == ExportFormat::NiiZarr) {
    writeZarr(info, plan, result, destination, options, cancel, report(0.5, 0.5));
  } else {
    NiftiHeader header = makeExportHeader(info, result.shape, result.dtype, plan.affine);
    NiftiWriteOptions wo;
    wo.gzipLevel = options.gzipLevel;
    wo.store = options.store;
    wo.cancel = cancel;
    wo.progress = report(0.5, 0.5);
    writeNifti(destination, header, result, wo);
  }
  if (progress) progress(1.0);
  return static_cast<std::uint64_t>(result.shape[0] * result.shape[1] * result.shape[2] *
                                    result.shape[3] * result.shape[4]);
}

}  // namespace nz
