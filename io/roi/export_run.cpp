#include "roi/export_run.h"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <future>

#include "core/error.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"
#include "loader/region_reader.h"
#include "manifest/digesting_store.h"
#include "open/store_factory.h"
#include "roi/export_header.h"
#include "uri/uri.h"
#include "volume/dtype.h"
#include "write/atomic_file.h"
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

// Digests (SHA-256 of every byte written) are taken only for a manifest: for a 512 MiB
// output they cost 0.35 s of a core.
bool wantsManifest(const ExportOutputOptions& options) {
  return options.writeManifest || options.manifest != nullptr;
}

// .nii.zarr is a tree of objects, so it cannot be one rename or one PUT. Locally it is written
// into a temporary sibling directory renamed at the end; on cloud stores the writer stores
// the group metadata last, which is the commit point readers rely on.
// `write` stores the output voxels with writeNiftiZarr (from the in-memory volume, or from a
// SlabSource when streaming).
using ZarrWrite = std::function<void(Store&, const Bytes&, const NiftiZarrWriteOptions&)>;
void writeZarr(const DatasetInfo& info, const ExportPlan& plan, const ZarrWrite& write,
               const std::string& out, const ExportOutputOptions& options, CancelToken cancel,
               const ExportProgress& progress, std::vector<ObjectDigest>& digests) {
  // The `nifti` array as niizarr stores it (nibabel's header.write_to): the header with
  // vox_offset = header + extender + extensions, then the extender and extensions only when
  // there are extensions (348 or 540 bytes otherwise).
  NiftiHeader header = makeExportHeader(info, plan.outBox.shape(), plan.dtype, plan.affine);
  header.bigEndian = options.bigEndian;
  const Bytes headerBytes = serializeNiftiHeader(header, false, !header.extensions.empty());
  NiftiZarrWriteOptions o;
  o.zarrVersion = options.zarrVersion;
  if (o.zarrVersion != 2 && o.zarrVersion != 3)
    throw Error(ErrorKind::InvalidArgument, "--zarr-version must be 2 or 3");
  o.chunk = options.chunk;
  if (o.chunk <= 0) throw Error(ErrorKind::InvalidArgument, "--chunk must be positive");
  o.shard = options.shard;
  o.v3BigEndian = options.bigEndian;
  if (!options.compressor.empty()) o.compressor = options.compressor;
  o.cancel = cancel;
  o.progress = progress;
  const auto writeThrough = [&](std::shared_ptr<Store> target) {
    if (!wantsManifest(options)) {
      write(*target, headerBytes, o);
      return;
    }
    DigestingStore store(std::move(target));
    write(store, headerBytes, o);
    digests = store.digests();
  };
  if (!isLocal(out)) {
    writeThrough(openStore(parseUri(out), options.store));
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
    writeThrough(openStore(parseUri(tmp.string()), options.store));
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
    std::filesystem::rename(tmp, fp);
  } catch (...) {
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

// Every export reads through a chunk loader of its own (the loader the viewer's slices use), so
// exports share its fetch path and counters. The cache only stages one window of chunks before
// they are copied into the output: a bounded budget keeps an export from holding the
// viewer-sized cache on top of the output.
LoaderOptions exportLoaderOptions(const ExportOutputOptions& options, std::size_t cacheBytes) {
  LoaderOptions lo;
  lo.maxInFlight = options.store.maxConcurrency > 0
                       ? static_cast<std::size_t>(options.store.maxConcurrency)
                       : std::size_t{128};
  lo.cacheBytes = cacheBytes;
  return lo;
}

// Hands the loader's counters to ExportOutputOptions::loaderMetrics also on failure/cancel
// (for --stats).
struct PublishMetrics {
  ChunkLoader& loader;
  LoaderMetrics* out;
  ~PublishMetrics() {
    if (out) *out = loader.metrics();
  }
};

// The loader and its cache are gone before runExport returns, so a non-owning pointer suffices.
std::shared_ptr<Dataset> borrow(Dataset& dataset) {
  return std::shared_ptr<Dataset>(&dataset, [](Dataset*) {});
}

// A region read whole into memory asks for each chunk once and copies it out as it arrives:
// a cache only staging a few chunks (rather than the whole window) lets each decoded chunk's
// memory serve the next one, so a 1024² slice of 256 64³ chunks touches 16 MiB of fresh pages
// for them instead of 128 MiB (the process's minor faults 52k -> 29k).
constexpr std::size_t kStagingCacheBytes = std::size_t{16} << 20;

Volume readThroughLoader(Dataset& dataset, const ExportPlan& plan,
                         const ExportOutputOptions& options, CancelToken cancel,
                         const ExportProgress& progress) {
  const std::size_t window =
      std::min<std::size_t>(defaultCacheBudget(), std::size_t{512} << 20) / 2;
  ChunkLoader loader(exportLoaderOptions(options, std::min(kStagingCacheBytes, window)));
  PublishMetrics publish{loader, options.loaderMetrics};
  return readRegionThroughLoader(loader, borrow(dataset), plan.level, plan.readBox,
                                 plan.padValueRaw, cancel, progress, window);
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Produces the output (plan.outBox) slab by slab: output planes [z0, z1) of one output volume
// (t, c), with the voxels executePlan would give them. Slabs end on multiples of `depth` (a
// multiple of the level's chunk depth) in level z, so consecutive slabs never share a chunk.
class SlabReader {
 public:
  SlabReader(ChunkLoader& loader, std::shared_ptr<Dataset> ds, const ExportPlan& plan,
             std::int64_t depth, CancelToken cancel)
      : loader_(loader), ds_(std::move(ds)), plan_(plan), depth_(depth), cancel_(cancel) {}

  std::int64_t depthOut() const { return plan_.outBox.end[2] - plan_.outBox.begin[2]; }

  // End (output z, exclusive) of the slab starting at output plane z.
  std::int64_t slabEnd(std::int64_t z) const {
    const std::int64_t level = plan_.outBox.begin[2] + z;
    const std::int64_t boundary = (floorDiv(level, depth_) + 1) * depth_;
    return std::min(boundary - plan_.outBox.begin[2], depthOut());
  }

  // The slab, valid until the next read (one buffer for every slab: no new pages each time).
  const Volume& read(std::int64_t t, std::int64_t c, std::int64_t z0, std::int64_t z1) {
    Box slab = plan_.outBox;
    slab.begin[2] = plan_.outBox.begin[2] + z0;
    slab.end[2] = plan_.outBox.begin[2] + z1;
    slab.begin[3] = plan_.outBox.begin[3] + t;
    slab.end[3] = slab.begin[3] + 1;
    slab.begin[4] = plan_.outBox.begin[4] + c;
    slab.end[4] = slab.begin[4] + 1;
    // The part of the plan's read box inside this slab (the slab's data; the rest is padding).
    Box part;
    bool empty = plan_.readBox.empty();
    for (int a = 0; a < 5; ++a) {
      part.begin[a] = std::max(plan_.readBox.begin[a], slab.begin[a]);
      part.end[a] = std::min(plan_.readBox.end[a], slab.end[a]);
      empty = empty || part.end[a] <= part.begin[a];
    }
    if (empty) {  // all padding: the constant, stored the way padCrop stores it
      Volume& fill = slab_;
      fill.dtype = plan_.dtype;
      fill.shape = slab.shape();
      fill.data.resize(fill.voxelCount() * dtypeSize(fill.dtype));
      Bytes element(dtypeSize(fill.dtype));
      storeValue(element.data(), fill.dtype, plan_.padValueRaw);
      fillElements(fill.data.data(), fill.dtype, fill.voxelCount(), element.data());
      return fill;
    }
    readRegionThroughLoaderInto(loader_, ds_, plan_.level, part, plan_.padValueRaw, slab_, cancel_);
    if (part.begin == slab.begin && part.end == slab.end) return slab_;
    // Constant padding only (exportIsStreamed), so the slab needs nothing outside `part`.
    padded_ = padCrop(slab_, part, plan_.region, slab, plan_.padMode, plan_.padValueRaw);
    return padded_;
  }

 private:
  ChunkLoader& loader_;
  std::shared_ptr<Dataset> ds_;
  const ExportPlan& plan_;
  std::int64_t depth_;
  CancelToken cancel_;
  Volume slab_, padded_;
};

// The writer of .nii.zarr asks for slabs of its own depth (its chunk or shard edge), not aligned
// with the source chunks: this keeps the planes read but not yet asked for, so each source slab
// is read once. A request going back (a second pass, e.g. the label scan) starts over.
class PlaneQueue {
 public:
  PlaneQueue(SlabReader& reader, std::size_t planeBytes)
      : reader_(reader), planeBytes_(planeBytes) {}

  void get(std::int64_t t, std::int64_t c, std::int64_t z0, std::int64_t z1, std::uint8_t* out) {
    if (t != t_ || c != c_ || z0 < begin_ || z0 > end_) {
      t_ = t;
      c_ = c;
      begin_ = end_ = z0;
      planes_.clear();
    }
    planes_.erase(planes_.begin(),
                  planes_.begin() + static_cast<std::ptrdiff_t>(
                                        static_cast<std::size_t>(z0 - begin_) * planeBytes_));
    begin_ = z0;
    while (end_ < z1) {
      const std::int64_t e = reader_.slabEnd(end_);
      const Volume& slab = reader_.read(t, c, end_, e);
      planes_.insert(planes_.end(), slab.data.begin(), slab.data.end());
      end_ = e;
    }
    std::copy_n(planes_.data(), static_cast<std::size_t>(z1 - z0) * planeBytes_, out);
  }

 private:
  SlabReader& reader_;
  std::size_t planeBytes_;
  std::int64_t t_ = -1, c_ = -1, begin_ = 0, end_ = 0;
  Bytes planes_;  // output planes [begin_, end_) of volume (t_, c_)
};

// The plan writes level 0 as it is: every voxel, same dtype, no padding or cropping.
bool isWholeLevel0(const DatasetInfo& info, const ExportPlan& plan) {
  if (plan.level != 0 || info.levels.empty() || plan.dtype != info.levels[0].dtype) return false;
  const Index5& shape = info.levels[0].shape;
  for (int a = 0; a < 5; ++a) {
    if (plan.outBox.begin[a] != 0 || plan.outBox.end[a] != shape[a]) return false;
    if (plan.readBox.begin[a] != 0 || plan.readBox.end[a] != shape[a]) return false;
  }
  return true;
}

// The streaming path of runExport (exportIsStreamed): one loader for the whole export, slabs of
// about a quarter of the memory bound, the cache about half of it.
void runStreamed(Dataset& dataset, const ExportPlan& plan, ExportFormat format,
                 const std::string& destination, const ExportOutputOptions& options,
                 CancelToken cancel, const ExportProgress& progress,
                 std::vector<ObjectDigest>& digests) {
  const DatasetInfo& info = dataset.info();
  const LevelInfo& lv = info.levels[static_cast<std::size_t>(plan.level)];
  const Index5 shape = plan.outBox.shape();
  const std::size_t item = dtypeSize(plan.dtype);
  const std::size_t planeBytes = static_cast<std::size_t>(shape[0] * shape[1]) * item;
  const std::int64_t chunkZ = std::max<std::int64_t>(lv.chunkShape[2], 1);
  std::size_t chunkBytes = item;
  for (auto e : lv.chunkShape) chunkBytes *= static_cast<std::size_t>(std::max<std::int64_t>(e, 1));
  const std::uint64_t bound = std::max<std::uint64_t>(options.maxInMemoryBytes, 1);
  const std::uint64_t chunkSlabBytes =
      std::max<std::uint64_t>(planeBytes * static_cast<std::uint64_t>(chunkZ), 1);
  // Chunk depths a slab: about a quarter of the bound, at least one, at most the whole output.
  const std::uint64_t maxDepths = static_cast<std::uint64_t>(shape[2] / chunkZ + 2);
  const std::int64_t depth = chunkZ * static_cast<std::int64_t>(std::clamp<std::uint64_t>(
                                          bound / 4 / chunkSlabBytes, 1, maxDepths));
  const std::size_t cacheBytes = std::max<std::size_t>(
      2 * chunkBytes, static_cast<std::size_t>(std::min<std::uint64_t>(
                          {bound / 2, std::uint64_t{512} << 20,
                           static_cast<std::uint64_t>(defaultCacheBudget())})));

  ChunkLoader loader(exportLoaderOptions(options, cacheBytes));
  PublishMetrics publish{loader, options.loaderMetrics};
  SlabReader reader(loader, borrow(dataset), plan, depth, cancel);

  if (format == ExportFormat::NiiZarr) {
    PlaneQueue queue(reader, planeBytes);
    const SlabSource source = [&](std::int64_t t, std::int64_t c, std::int64_t z0, std::int64_t z1,
                                  std::uint8_t* out) { queue.get(t, c, z0, z1, out); };
    writeZarr(
        info, plan,
        [&](Store& store, const Bytes& h, const NiftiZarrWriteOptions& o) {
          writeNiftiZarr(store, h, source, o);
        },
        destination, options, cancel, progress, digests);
    return;
  }
  NiftiHeader header = makeExportHeader(info, shape, plan.dtype, plan.affine);
  header.bigEndian = options.bigEndian;
  NiftiWriteOptions wo;
  wo.gzipLevel = options.gzipLevel;
  wo.store = options.store;
  wo.cancel = cancel;
  wo.progress = progress;
  AtomicOutput out(destination, options.store);
  // Hashed as written: a streamed output is large, reading it back for the manifest would cost
  // as much again.
  Sha256 hash;
  const bool hashed = wantsManifest(options);
  NiftiStreamWriter writer(
      header, static_cast<std::uint64_t>(plan.outBox.voxelCount()) * item,
      niftiPathIsGzip(destination),
      [&](const std::uint8_t* p, std::size_t n) {
        out.write(p, n);
        if (hashed) hash.update(p, n);
      },
      wo);
  // The whole of level 0 unchanged (a .nii.gz downloaded as .nii, say) comes straight from the
  // dataset in file order when it can give it so: no chunks, no cache, no slab copies.
  const bool streamedWhole =
      isWholeLevel0(info, plan) &&
      dataset.streamLevel0([&](const std::uint8_t* p, std::size_t n) { writer.write(p, n); },
                           cancel);
  // NIfTI order: x fastest, then y, z, t, c.
  for (std::int64_t c = 0; !streamedWhole && c < shape[4]; ++c)
    for (std::int64_t t = 0; t < shape[3]; ++t)
      for (std::int64_t z = 0; z < shape[2];) {
        const std::int64_t e = reader.slabEnd(z);
        const Volume& slab = reader.read(t, c, z, e);
        writer.write(slab.data.data(), slab.data.size());
        z = e;
      }
  writer.finish();
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
  out.commit();
  if (hashed) digests.push_back(hash.finish());
}

const char* formatName(ExportFormat f) {
  return f == ExportFormat::NiiZarr ? "nii.zarr" : f == ExportFormat::NiiGz ? "nii.gz" : "nii";
}

// The manifest of a finished export, written next to the output (OUT.nzview.json) after the
// output itself, so a manifest never describes a file that is not there.
void finishManifest(const DatasetInfo& info, const ExportPlan& plan, const std::string& destination,
                    const ExportOutputOptions& options,
                    std::future<std::vector<ObjectValidator>>& validators,
                    std::vector<ObjectDigest> digests) {
  if (!wantsManifest(options)) return;
  ExportManifest m =
      describeExport(info, plan, destination, options, validators, std::move(digests));
  if (options.writeManifest) writeManifestFor(destination, m, options.store);
  if (options.manifest) *options.manifest = std::move(m);
}

}  // namespace

ExportFormat exportFormatFor(const std::string& out) {
  if (endsWith(out, ".nii.zarr")) return ExportFormat::NiiZarr;
  if (endsWith(out, ".nii.gz")) return ExportFormat::NiiGz;
  if (endsWith(out, ".nii")) return ExportFormat::Nii;
  throw Error(ErrorKind::InvalidArgument,
              "output '" + redactSecrets(out) + "' must end in .nii, .nii.gz or .nii.zarr");
}

ExportManifest describeExport(const DatasetInfo& info, const ExportPlan& plan,
                              const std::string& destination, const ExportOutputOptions& options,
                              std::future<std::vector<ObjectValidator>>& validators,
                              std::vector<ObjectDigest> digests) {
  const ExportFormat format = exportFormatFor(destination);
  ExportManifest m;
  m.source = info.uri;
  m.sourceFormat = info.format;
  try {
    m.validators = validators.get();
  } catch (const std::exception& e) {
    // The output is written and correct: say in the manifest why it cannot vouch for the source
    // (a replay then refuses unless --allow-changed) instead of failing the export.
    m.validatorsError = redactSecrets(e.what());
  }
  m.level = plan.level;
  m.roi = plan.roi;
  m.cropOrPad = plan.cropOrPadTarget;
  m.padMode = padModeName(plan.padMode);
  m.padValueRaw = plan.padValueRaw;
  m.padValue = plan.padValue;
  m.voxelBox = plan.outBox;
  m.worldBox = worldBoxOf(plan.affine, plan.outBox);
  m.affine = plan.affine;
  m.dtype = dtypeName(plan.dtype);
  m.sclSlope = info.sclSlope;
  m.sclInter = info.sclInter;
  m.output = redactSecrets(destination);
  m.format = formatName(format);
  m.gzipLevel = options.gzipLevel;
  m.zarrVersion = options.zarrVersion;
  m.chunk = options.chunk;
  m.shard = options.shard;
  m.compressor = options.compressor;
  m.byteOrder = options.bigEndian ? "big" : "little";
  if (format == ExportFormat::NiiZarr) {
    m.objects = std::move(digests);
    m.sha256 = treeDigest(m.objects);
  } else {
    // Hashed as written (runStreamed, writeExportVolume); read back only when no digest came.
    ObjectDigest d =
        digests.empty() ? digestOutputFile(destination, options.store) : std::move(digests[0]);
    m.sha256 = d.sha256;
    m.objects.push_back(std::move(d));
  }
  return m;
}

bool exportIsStreamed(const ExportPlan& plan, const ExportOutputOptions& options,
                      const std::string& destination) {
  const std::uint64_t bytes = plan.outputVoxels * dtypeSize(plan.dtype);
  const bool zarr = endsWith(destination, ".nii.zarr");
  const std::uint64_t bound = zarr ? options.maxInMemoryBytes
                                   : std::min(options.maxInMemoryBytes, options.streamAboveBytes);
  if (bytes <= bound) return false;
  if (plan.padMode == PadMode::Constant) return true;
  // Another pad mode streams only when it pads nothing (the output lies inside the data).
  for (int a = 0; a < 5; ++a)
    if (plan.outBox.begin[a] < plan.region.begin[a] || plan.outBox.end[a] > plan.region.end[a])
      return false;
  return true;
}

std::string describeExportMemory(const ExportPlan& plan, const ExportOutputOptions& options,
                                 const std::string& destination) {
  char text[160];
  std::snprintf(text, sizeof text, "%s (output %.1f MiB)",
                exportIsStreamed(plan, options, destination) ? "streamed in z-slabs, bounded"
                                                             : "held in memory",
                static_cast<double>(plan.outputBytes) / double(1 << 20));
  return text;
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
  // The validators of the source as it is read now, for the manifest: fetched alongside the
  // voxels (one round trip that overlaps the chunk fetches, so the export takes no longer).
  std::future<std::vector<ObjectValidator>> validators;
  if (wantsManifest(options))
    validators = std::async(std::launch::async, [&dataset] { return collectValidators(dataset); });
  // Joined before returning or unwinding: the read above uses `dataset`.
  struct Join {
    std::future<std::vector<ObjectValidator>>& f;
    ~Join() {
      if (f.valid()) f.wait();
    }
  } join{validators};
  std::vector<ObjectDigest> digests;  // of a .nii.zarr tree, filled by writeZarr
  if (exportIsStreamed(plan, options, destination)) {
    runStreamed(dataset, plan, format, destination, options, cancel, progress, digests);
    finishManifest(dataset.info(), plan, destination, options, validators, std::move(digests));
    if (progress) progress(1.0);
    return static_cast<std::uint64_t>(plan.outBox.voxelCount());
  }
  Volume voxels;
  voxels.dtype = plan.dtype;
  if (plan.readBox.empty())
    voxels.shape = {0, 0, 0, 0, 0};
  else
    voxels = readThroughLoader(dataset, plan, options, cancel, report(0.0, 0.5));
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
  Volume result = executePlan(plan, std::move(voxels));
  writeExportVolume(dataset.info(), plan, result, destination, options, cancel, report(0.5, 0.5),
                    &digests);
  finishManifest(dataset.info(), plan, destination, options, validators, std::move(digests));
  if (progress) progress(1.0);
  return static_cast<std::uint64_t>(result.shape[0] * result.shape[1] * result.shape[2] *
                                    result.shape[3] * result.shape[4]);
}

void writeExportVolume(const DatasetInfo& info, const ExportPlan& plan, const Volume& result,
                       const std::string& destination, const ExportOutputOptions& options,
                       CancelToken cancel, const ExportProgress& progress,
                       std::vector<ObjectDigest>* digests) {
  const ExportFormat format = exportFormatFor(destination);
  std::vector<ObjectDigest> unused;
  if (format == ExportFormat::NiiZarr) {
    writeZarr(
        info, plan,
        [&](Store& store, const Bytes& h, const NiftiZarrWriteOptions& o) {
          writeNiftiZarr(store, h, result, o);
        },
        destination, options, cancel, progress, digests ? *digests : unused);
  } else {
    NiftiHeader header = makeExportHeader(info, result.shape, result.dtype, plan.affine);
    header.bigEndian = options.bigEndian;
    NiftiWriteOptions wo;
    wo.gzipLevel = options.gzipLevel;
    wo.store = options.store;
    wo.cancel = cancel;
    wo.progress = progress;
    if (!digests || !wantsManifest(options)) {
      writeNifti(destination, header, result, wo);
      return;
    }
    // The manifest's digest is taken from the bytes as they are made, not read back afterwards.
    AtomicOutput out(destination, options.store);
    const bool gzip = niftiPathIsGzip(destination);
    ObjectDigest digest;
    if (gzip) {
      Sha256 hash;
      streamNifti(
          header, result, true,
          [&](const std::uint8_t* p, std::size_t n) {
            out.write(p, n);
            hash.update(p, n);
          },
          wo);
      digest = hash.finish();
    } else {
      // A plain .nii is made twice from the volume (a copy, or a byte swap): once into the file
      // here and once into the hash on a second core, so hashing adds no time to the export.
      NiftiWriteOptions quiet = wo;
      quiet.progress = nullptr;
      auto hashed = std::async(std::launch::async, [&header, &result, quiet] {
        Sha256 hash;
        streamNifti(
            header, result, false, [&](const std::uint8_t* p, std::size_t n) { hash.update(p, n); },
            quiet);
        return hash.finish();
      });
      // (If the write throws, `hashed` waits for the hashing thread as it is destroyed: a
      // std::async future does.)
      streamNifti(
          header, result, false, [&](const std::uint8_t* p, std::size_t n) { out.write(p, n); },
          wo);
      digest = hashed.get();
    }
    if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
    out.commit();
    digests->push_back(std::move(digest));
  }
}

}  // namespace nz
