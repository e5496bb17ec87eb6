#include "write/nifti_zarr_writer.h"

#include "write/nifti_zarr_layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/error.h"
#include "nifti/nifti_header.h"
#include "write/zarr_array_writer.h"
#include "write/zarr_level_stream.h"
#include "write/zarr_nifti_json.h"

namespace nz {

using nlohmann::ordered_json;

int niftiZarrAutoLevels(const Index5& shape, std::int64_t chunk) {
  // niizarr: ceil(log2(max(nxyz / chunk))) + 1, at least 1.
  double ratio = 0;
  for (int a = 0; a < 3; ++a) {
    ratio = std::max(ratio, static_cast<double>(shape[a]) / static_cast<double>(chunk));
  }
  if (ratio <= 1) return 1;
  return std::max(1, static_cast<int>(std::ceil(std::log2(ratio))) + 1);
}

namespace {
constexpr std::size_t kMaxLabels = 1024;
using Plan = NiftiZarrPlan;
}  // namespace

NiftiZarrPlan makeNiftiZarrPlan(const Bytes& headerBytes, const NiftiZarrWriteOptions& o) {
  Plan p;
  p.header = parseNiftiHeader(headerBytes.data(), headerBytes.size(), "NIfTI header to write");
  const NiftiHeader& h = p.header;
  if (!dtypeFromNiftiCode(h.datatype, p.dtype)) {
    throw Error(ErrorKind::Unsupported,
                "NIfTI datatype code " + std::to_string(h.datatype) + " is not supported");
  }
  if (p.dtype == DType::RGB24 || p.dtype == DType::RGBA32) {
    throw Error(ErrorKind::Unsupported,
                "NIfTI-Zarr output of RGB data is not supported (nor by niizarr)");
  }
  if (h.dim[0] > 5) {
    throw Error(ErrorKind::Unsupported,
                "NIfTI-Zarr holds at most 5 dimensions; dim[0] is " + std::to_string(h.dim[0]));
  }
  p.ndim = h.dim[0] >= 5 ? 5 : (h.dim[0] == 4 ? 4 : 3);
  if (o.zarrVersion != 2 && o.zarrVersion != 3) {
    throw Error(ErrorKind::InvalidArgument, "--zarr-version must be 2 or 3");
  }
  if (o.chunk < 1 || o.chunk > 4096) {
    throw Error(ErrorKind::InvalidArgument, "--chunk must be between 1 and 4096");
  }
  if (o.shard != 0 && (o.shard < o.chunk || o.shard % o.chunk != 0)) {
    throw Error(ErrorKind::InvalidArgument, "--shard must be a multiple of --chunk");
  }
  if (o.shard != 0 && o.zarrVersion != 3) {
    throw Error(ErrorKind::InvalidArgument, "--shard needs --zarr-version 3");
  }
  Index5 s = h.shapeXyztc();
  int levels = o.levels < 0 ? niftiZarrAutoLevels(s, o.chunk) : std::max(o.levels, 1);
  p.shapes.push_back(s);
  for (int L = 1; L < levels; ++L) {
    Index5 n = p.shapes.back();
    for (int a = 0; a < 3; ++a) n[a] = (n[a] + 1) / 2;
    if (n == p.shapes.back()) break;  // skimage stops once the shape no longer changes
    p.shapes.push_back(n);
  }
  p.label = o.label.value_or(h.intentCode == 1002 || h.intentCode == 1003);
  return p;
}

ZarrArraySpec niftiZarrLevelSpec(const NiftiZarrPlan& p, const NiftiZarrWriteOptions& o,
                                 const Index5& shape) {
  ZarrArraySpec s;
  s.zarrFormat = o.zarrVersion;
  s.ndim = p.ndim;
  s.shape = shape;
  s.chunks = {o.chunk, o.chunk, o.chunk, 1, 1};
  if (o.shard > 0) s.shards = {o.shard, o.shard, o.shard, 1, 1};
  s.dtype = p.dtype;
  // v2 keeps the header's byte order in the dtype ('>' as niizarr); v3 writes "endian":
  // "little" as zarr-python 3 and niizarr do, unless asked (exports with --byte-order big).
  s.bigEndian = p.header.bigEndian && (o.zarrVersion == 2 || o.v3BigEndian);
  s.compressor = CompressorSpec::defaults(o.compressor, o.zarrVersion);
  s.writeEmptyChunks = o.writeEmptyChunks.value_or(o.zarrVersion == 2);
  s.concurrency = o.concurrency > 0
                      ? o.concurrency
                      : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  if (p.ndim >= 4) {
    s.arrayDimensions.push_back("time");
    s.dimensionNames.push_back("t");
  }
  if (p.ndim == 5) {
    s.arrayDimensions.push_back("channel");
    s.dimensionNames.push_back("c");
  }
  for (const char* n : {"z", "y", "x"}) {
    s.arrayDimensions.push_back(n);
    s.dimensionNames.push_back(n);
  }
  return s;
}

namespace {
void putJson(Store& store, const std::string& key, const std::string& text) {
  store.write(key, Bytes(text.begin(), text.end()));
}
}  // namespace

// The `nifti` array: uint8, one chunk, no compressor, JSON header in its attributes.
void writeNiftiZarrHeaderArray(Store& store, const Bytes& header, const NiftiZarrPlan& p,
                               int zarrVersion) {
  const auto n = static_cast<std::int64_t>(header.size());
  const ordered_json attrs = ordered_json::parse(niftiHeaderJsonText(p.header));
  if (zarrVersion == 2) {
    store.write("nifti/0", header);
    ordered_json za;
    za["chunks"] = {n};
    za["compressor"] = nullptr;
    za["dimension_separator"] = "/";
    za["dtype"] = "|u1";
    za["fill_value"] = nullptr;
    za["filters"] = nullptr;
    za["order"] = "C";
    za["shape"] = {n};
    za["zarr_format"] = 2;
    putJson(store, "nifti/.zarray", za.dump(4));
    putJson(store, "nifti/.zattrs", attrs.dump(4));
    return;
  }
  store.write("nifti/c/0", header);
  ordered_json j;
  j["shape"] = {n};
  j["data_type"] = "uint8";
  j["chunk_grid"] = {{"name", "regular"}, {"configuration", {{"chunk_shape", {n}}}}};
  j["chunk_key_encoding"] = {{"name", "default"}, {"configuration", {{"separator", "/"}}}};
  j["fill_value"] = 0;
  j["codecs"] = ordered_json::array({{{"name", "bytes"}}});
  j["attributes"] = attrs;
  j["zarr_format"] = 3;
  j["node_type"] = "array";
  j["storage_transformers"] = ordered_json::array();
  putJson(store, "nifti/zarr.json", j.dump(2));
}

void writeNiftiZarrGroup(Store& store, const NiftiZarrPlan& p, int zarrVersion) {
  const bool v2 = zarrVersion == 2;
  ordered_json ms = ordered_json::parse(omeMultiscalesJsonText(p.header, p.ndim, p.shapes, v2));
  if (v2) {
    putJson(store, ".zattrs", ordered_json{{"multiscales", {ms}}}.dump(4));
    putJson(store, ".zgroup", ordered_json{{"zarr_format", 2}}.dump(4));
    return;
  }
  ordered_json g;
  g["attributes"] = {{"ome", {{"version", "0.5"}, {"multiscales", {ms}}}}};
  g["zarr_format"] = 3;
  g["consolidated_metadata"] = nullptr;
  g["node_type"] = "group";
  putJson(store, "zarr.json", g.dump(2));
}

namespace {

std::vector<double> collectLabels(const Plan& p, const SlabSource& source, std::int64_t depth,
                                  const CancelToken& cancel) {
  const Index5& s = p.shapes[0];
  const std::size_t item = dtypeSize(p.dtype);
  std::set<double> labels;
  Bytes buf;
  for (std::int64_t c = 0; c < s[4]; ++c) {
    for (std::int64_t t = 0; t < s[3]; ++t) {
      for (std::int64_t z0 = 0; z0 < s[2]; z0 += depth) {
        if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "conversion cancelled");
        const std::int64_t z1 = std::min(z0 + depth, s[2]);
        buf.resize(static_cast<std::size_t>(s[0] * s[1] * (z1 - z0)) * item);
        source(t, c, z0, z1, buf.data());
        const std::size_t n = buf.size() / item;
        for (std::size_t i = 0; i < n; ++i) {
          const double v = readAsDouble(buf.data(), p.dtype, i);
          if (std::isnan(v)) continue;
          labels.insert(v);
          if (labels.size() > kMaxLabels) {
            throw Error(ErrorKind::Unsupported, "label pyramid: more than " +
                                                    std::to_string(kMaxLabels) +
                                                    " distinct labels (convert without --label)");
          }
        }
      }
    }
  }
  return {labels.begin(), labels.end()};
}

}  // namespace

NiftiZarrWriteResult writeNiftiZarr(Store& out, const Bytes& niftiHeader, const SlabSource& source,
                                    const NiftiZarrWriteOptions& options) {
  const Plan plan = makeNiftiZarrPlan(niftiHeader, options);
  ZarrWriteCounters counters;
  std::vector<std::unique_ptr<ZarrArrayWriter>> writers;
  for (std::size_t L = 0; L < plan.shapes.size(); ++L) {
    writers.push_back(std::make_unique<ZarrArrayWriter>(
        out, std::to_string(L), niftiZarrLevelSpec(plan, options, plan.shapes[L]), &counters));
  }
  const Index5& s = plan.shapes[0];
  const std::int64_t depth = writers[0]->objectDepth();
  NiftiZarrWriteResult result;
  std::vector<double> labels;
  if (plan.label && plan.shapes.size() > 1) {
    labels = collectLabels(plan, source, depth, options.cancel);
    result.labelCount = labels.size();
  }
  std::vector<ZarrArrayWriter*> lower;
  for (std::size_t L = 1; L < writers.size(); ++L) lower.push_back(writers[L].get());

  const std::size_t item = dtypeSize(plan.dtype);
  const std::size_t planeBytes = static_cast<std::size_t>(s[0] * s[1]) * item;
  const double totalPlanes = static_cast<double>(s[2] * s[3] * s[4]);
  double donePlanes = 0;
  Bytes slab;
  for (std::int64_t c = 0; c < s[4]; ++c) {
    for (std::int64_t t = 0; t < s[3]; ++t) {
      ZarrLevelStream levels(lower, s, plan.dtype, plan.label ? &labels : nullptr, t, c);
      for (std::int64_t z0 = 0; z0 < s[2]; z0 += depth) {
        if (options.cancel.cancelled()) {
          throw Error(ErrorKind::Cancelled, "conversion cancelled");
        }
        const std::int64_t z1 = std::min(z0 + depth, s[2]);
        slab.assign(planeBytes * static_cast<std::size_t>(z1 - z0), 0);
        source(t, c, z0, z1, slab.data());
        writers[0]->writeSlab(t, c, z0, slab.data(), z1 - z0);
        for (std::int64_t z = z0; z < z1; ++z) {
          levels.pushLevel0Plane(slab.data() + static_cast<std::size_t>(z - z0) * planeBytes);
        }
        donePlanes += static_cast<double>(z1 - z0);
        if (options.progress) options.progress(donePlanes / totalPlanes);
      }
    }
  }
  // Metadata after every chunk; the group (the entry point of a reader) last of all.
  for (auto& w : writers) w->writeMetadata();
  writeNiftiZarrHeaderArray(out, niftiHeader, plan, options.zarrVersion);
  writeNiftiZarrGroup(out, plan, options.zarrVersion);

  result.levelShapes = plan.shapes;
  result.objectsWritten = counters.objectsWritten.load();
  result.chunksSkipped = counters.chunksSkipped.load();
  result.bytesWritten = counters.bytesWritten.load();
  return result;
}

NiftiZarrWriteResult writeNiftiZarr(Store& out, const Bytes& niftiHeader, const Volume& data,
                                    const NiftiZarrWriteOptions& options) {
  const NiftiHeader h =
      parseNiftiHeader(niftiHeader.data(), niftiHeader.size(), "NIfTI header to write");
  const Index5 s = h.shapeXyztc();
  DType dt;
  if (s != data.shape || !dtypeFromNiftiCode(h.datatype, dt) || dt != data.dtype) {
    throw Error(ErrorKind::InvalidArgument,
                "writeNiftiZarr: volume shape or data type does not match the header");
  }
  const std::size_t item = dtypeSize(data.dtype);
  const std::size_t plane = static_cast<std::size_t>(s[0] * s[1]) * item;
  SlabSource source = [&](std::int64_t t, std::int64_t c, std::int64_t z0, std::int64_t z1,
                          std::uint8_t* dst) {
    const std::size_t off = data.offsetOf(0, 0, z0, t, c) * item;
    std::memcpy(dst, data.data.data() + off, plane * static_cast<std::size_t>(z1 - z0));
  };
  return writeNiftiZarr(out, niftiHeader, source, options);
}

}  // namespace nz
