#include "write/zarr_array_writer.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "zarr/codecs.h"

namespace nz {

using nlohmann::ordered_json;

std::string zarrV2Dtype(DType t, bool bigEndian) {
  const char order = bigEndian ? '>' : '<';
  switch (t) {
    case DType::UInt8:
      return "|u1";
    case DType::Int8:
      return "|i1";
    case DType::UInt16:
      return std::string(1, order) + "u2";
    case DType::Int16:
      return std::string(1, order) + "i2";
    case DType::UInt32:
      return std::string(1, order) + "u4";
    case DType::Int32:
      return std::string(1, order) + "i4";
    case DType::UInt64:
      return std::string(1, order) + "u8";
    case DType::Int64:
      return std::string(1, order) + "i8";
    case DType::Float32:
      return std::string(1, order) + "f4";
    case DType::Float64:
      return std::string(1, order) + "f8";
    case DType::Complex64:
      return std::string(1, order) + "c8";
    case DType::Complex128:
      return std::string(1, order) + "c16";
    case DType::RGB24:
    case DType::RGBA32:
      break;
  }
  throw Error(ErrorKind::Unsupported,
              std::string("zarr writer: data type ") + dtypeName(t) + " is not supported");
}

std::string zarrV3DataType(DType t) {
  if (t == DType::RGB24 || t == DType::RGBA32) {
    throw Error(ErrorKind::Unsupported,
                std::string("zarr writer: data type ") + dtypeName(t) + " is not supported");
  }
  return dtypeName(t);
}

void parallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  std::size_t nt = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(threads, 1)));
  if (nt == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex m;
  auto work = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= n || failed.load()) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(m);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < nt; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

namespace {

// Zarr axis order is the reverse of NIfTI order over the axes present: [t][c] z y x.
std::vector<int> zarrAxes(int ndim) {
  if (ndim == 3) return {2, 1, 0};
  if (ndim == 4) return {3, 2, 1, 0};
  return {3, 4, 2, 1, 0};
}

std::vector<std::int64_t> toZarr(const Index5& v, int ndim) {
  std::vector<std::int64_t> out;
  for (int a : zarrAxes(ndim)) out.push_back(v[static_cast<std::size_t>(a)]);
  return out;
}

bool sharded(const ZarrArraySpec& s) { return s.shards[0] > 0; }

void swapElements(Bytes& b, DType t) {
  std::size_t item = dtypeSize(t);
  if (t == DType::Complex64 || t == DType::Complex128) item /= 2;
  if (item <= 1) return;
  for (std::size_t i = 0; i + item <= b.size(); i += item) std::reverse(&b[i], &b[i] + item);
}

ordered_json v3Bytes(DType t, bool bigEndian) {
  ordered_json j = {{"name", "bytes"}};
  if (dtypeSize(t) > 1) j["configuration"] = {{"endian", bigEndian ? "big" : "little"}};
  return j;
}

ordered_json v3Compressor(const CompressorSpec& c, DType t) {
  const std::size_t typesize = dtypeSize(t);
  switch (c.kind) {
    case CompressorSpec::Kind::Blosc: {
      const int sh = c.shuffleFor(typesize);
      const char* shuffle = sh == 0 ? "noshuffle" : (sh == 2 ? "bitshuffle" : "shuffle");
      return {{"name", "blosc"},
              {"configuration",
               {{"typesize", typesize},
                {"cname", c.bloscCname},
                {"clevel", c.level},
                {"shuffle", shuffle},
                {"blocksize", 0}}}};
    }
    case CompressorSpec::Kind::Zstd:
      return {{"name", "zstd"}, {"configuration", {{"level", c.level}, {"checksum", false}}}};
    case CompressorSpec::Kind::Gzip:
      return {{"name", "gzip"}, {"configuration", {{"level", c.level}}}};
    case CompressorSpec::Kind::None:
      break;
  }
  return nullptr;
}

ordered_json v2Compressor(const CompressorSpec& c, DType t) {
  switch (c.kind) {
    case CompressorSpec::Kind::Blosc:
      return {{"blocksize", 0},
              {"clevel", c.level},
              {"cname", c.bloscCname},
              {"id", "blosc"},
              {"shuffle", c.shuffleFor(dtypeSize(t))}};
    case CompressorSpec::Kind::Zstd:
      return {{"id", "zstd"}, {"level", c.level}};
    case CompressorSpec::Kind::Gzip:
      return {{"id", "gzip"}, {"level", c.level}};
    case CompressorSpec::Kind::None:
      break;
  }
  return nullptr;
}

}  // namespace

ZarrArrayWriter::ZarrArrayWriter(Store& store, std::string path, ZarrArraySpec spec,
                                 ZarrWriteCounters* counters)
    : store_(store),
      path_(std::move(path)),
      spec_(std::move(spec)),
      counters_(counters ? counters : &ownCounters_) {
  if (sharded(spec_)) {
    if (spec_.zarrFormat != 3) {
      throw Error(ErrorKind::InvalidArgument, "sharding needs Zarr v3 (--zarr-version 3)");
    }
    for (int a = 0; a < 5; ++a) {
      if (spec_.shards[a] <= 0 || spec_.shards[a] % spec_.chunks[a] != 0) {
        throw Error(ErrorKind::InvalidArgument,
                    "shard shape must be a multiple of the chunk shape");
      }
    }
  }
}

std::int64_t ZarrArrayWriter::objectDepth() const {
  return sharded(spec_) ? spec_.shards[2] : spec_.chunks[2];
}

std::string ZarrArrayWriter::objectKey(const Index5& g) const {
  // v2: "0/z/y/x" (dimension_separator "/"); v3 default encoding: "0/c/z/y/x".
  std::string key = path_ + (spec_.zarrFormat == 3 ? "/c" : "");
  for (std::int64_t v : toZarr(g, spec_.ndim)) key += "/" + std::to_string(v);
  return key;
}

std::vector<std::pair<std::string, std::string>> ZarrArrayWriter::metadataFiles() const {
  const auto& s = spec_;
  std::vector<std::pair<std::string, std::string>> files;
  const Index5 grid = sharded(s) ? s.shards : s.chunks;
  if (s.zarrFormat == 2) {
    ordered_json za;
    za["chunks"] = toZarr(s.chunks, s.ndim);
    za["compressor"] = v2Compressor(s.compressor, s.dtype);
    za["dimension_separator"] = "/";
    za["dtype"] = zarrV2Dtype(s.dtype, s.bigEndian);
    za["fill_value"] = nullptr;  // niizarr's default; every chunk is written (see spec)
    za["filters"] = nullptr;
    za["order"] = "C";
    za["shape"] = toZarr(s.shape, s.ndim);
    za["zarr_format"] = 2;
    files.emplace_back(path_ + "/.zarray", za.dump(4));
    ordered_json attrs = {{"_ARRAY_DIMENSIONS", s.arrayDimensions}};
    files.emplace_back(path_ + "/.zattrs", attrs.dump(4));
    return files;
  }
  ordered_json j;
  j["shape"] = toZarr(s.shape, s.ndim);
  j["data_type"] = zarrV3DataType(s.dtype);
  j["chunk_grid"] = {{"name", "regular"},
                     {"configuration", {{"chunk_shape", toZarr(grid, s.ndim)}}}};
  j["chunk_key_encoding"] = {{"name", "default"}, {"configuration", {{"separator", "/"}}}};
  if (s.dtype == DType::Float32 || s.dtype == DType::Float64) {
    j["fill_value"] = 0.0;
  } else if (s.dtype == DType::Complex64 || s.dtype == DType::Complex128) {
    j["fill_value"] = {0.0, 0.0};
  } else {
    j["fill_value"] = 0;
  }
  ordered_json inner = ordered_json::array({v3Bytes(s.dtype, s.bigEndian)});
  ordered_json comp = v3Compressor(s.compressor, s.dtype);
  if (!comp.is_null()) inner.push_back(comp);
  if (sharded(s)) {
    ordered_json cfg;
    cfg["chunk_shape"] = toZarr(s.chunks, s.ndim);
    cfg["codecs"] = inner;
    cfg["index_codecs"] = ordered_json::array(
        {{{"name", "bytes"}, {"configuration", {{"endian", "little"}}}}, {{"name", "crc32c"}}});
    cfg["index_location"] = "end";
    j["codecs"] = ordered_json::array({{{"name", "sharding_indexed"}, {"configuration", cfg}}});
  } else {
    j["codecs"] = inner;
  }
  j["attributes"] = {{"_ARRAY_DIMENSIONS", s.arrayDimensions}};
  j["dimension_names"] = s.dimensionNames;
  j["zarr_format"] = 3;
  j["node_type"] = "array";
  j["storage_transformers"] = ordered_json::array();
  files.emplace_back(path_ + "/zarr.json", j.dump(2));
  return files;
}

void ZarrArrayWriter::writeMetadata() {
  for (const auto& [key, text] : metadataFiles()) {
    store_.write(key, Bytes(text.begin(), text.end()));
  }
}

bool ZarrArrayWriter::extractChunk(const std::uint8_t* slab, std::int64_t z0, std::int64_t nzSlab,
                                   const Index5& origin, Bytes& out) const {
  const auto& s = spec_;
  const std::size_t item = dtypeSize(s.dtype);
  const std::int64_t cx = s.chunks[0], cy = s.chunks[1], cz = s.chunks[2];
  out.assign(static_cast<std::size_t>(cx * cy * cz) * item, 0);
  const std::int64_t nx = s.shape[0], ny = s.shape[1];
  const std::int64_t wx = std::min(cx, nx - origin[0]);
  bool any = false;
  if (wx <= 0) return false;
  for (std::int64_t z = 0; z < cz; ++z) {
    const std::int64_t sz = origin[2] + z - z0;  // plane inside the slab
    if (sz < 0 || sz >= nzSlab) continue;
    for (std::int64_t y = 0; y < cy && origin[1] + y < ny; ++y) {
      const std::uint8_t* src =
          slab + static_cast<std::size_t>((sz * ny + origin[1] + y) * nx + origin[0]) * item;
      std::uint8_t* dst = out.data() + static_cast<std::size_t>((z * cy + y) * cx) * item;
      const std::size_t nbytes = static_cast<std::size_t>(wx) * item;
      std::memcpy(dst, src, nbytes);
      if (!any) any = std::any_of(dst, dst + nbytes, [](std::uint8_t b) { return b != 0; });
    }
  }
  return any;
}

Bytes ZarrArrayWriter::encodeChunk(Bytes& raw) const {
  if (spec_.bigEndian) swapElements(raw, spec_.dtype);
  return encodeCompressed(spec_.compressor, raw.data(), raw.size(), dtypeSize(spec_.dtype));
}

void ZarrArrayWriter::writeObject(const std::uint8_t* slab, std::int64_t z0, std::int64_t nzSlab,
                                  const Index5& g) {
  const auto& s = spec_;
  Bytes raw;
  if (!sharded(s)) {
    Index5 origin;
    for (int a = 0; a < 5; ++a) origin[a] = g[a] * s.chunks[a];
    bool any = extractChunk(slab, z0, nzSlab, origin, raw);
    if (!any && !s.writeEmptyChunks) {
      ++counters_->chunksSkipped;
      return;
    }
    Bytes enc = encodeChunk(raw);
    store_.write(objectKey(g), enc);
    ++counters_->objectsWritten;
    counters_->bytesWritten += enc.size();
    return;
  }
  // Shard: inner chunks in C order of the zarr axes (x fastest), index (offset, nbytes) per
  // inner chunk as uint64 LE, then its crc32c, at the end (zarr v3 sharding_indexed).
  Index5 per;
  for (int a = 0; a < 5; ++a) per[a] = s.shards[a] / s.chunks[a];
  const std::int64_t n = per[0] * per[1] * per[2] * per[3] * per[4];
  Bytes body;
  std::vector<std::uint64_t> index(static_cast<std::size_t>(2 * n), ~std::uint64_t{0});
  std::int64_t i = 0;
  bool any = false;
  for (std::int64_t ic = 0; ic < per[4]; ++ic) {
    for (std::int64_t it = 0; it < per[3]; ++it) {
      for (std::int64_t iz = 0; iz < per[2]; ++iz) {
        for (std::int64_t iy = 0; iy < per[1]; ++iy) {
          for (std::int64_t ix = 0; ix < per[0]; ++ix, ++i) {
            const Index5 local{ix, iy, iz, it, ic};
            Index5 origin;
            bool inside = true;
            for (int a = 0; a < 5; ++a) {
              origin[a] = g[a] * s.shards[a] + local[a] * s.chunks[a];
              if (origin[a] >= s.shape[a]) inside = false;
            }
            if (!inside || !extractChunk(slab, z0, nzSlab, origin, raw)) {
              ++counters_->chunksSkipped;
              continue;
            }
            Bytes enc = encodeChunk(raw);
            index[static_cast<std::size_t>(2 * i)] = body.size();
            index[static_cast<std::size_t>(2 * i + 1)] = enc.size();
            body.insert(body.end(), enc.begin(), enc.end());
            any = true;
          }
        }
      }
    }
  }
  if (!any) return;  // zarr-python writes no shard without data
  const std::size_t indexStart = body.size();
  for (std::uint64_t v : index) {
    for (int b = 0; b < 8; ++b) body.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
  }
  const std::uint32_t crc = crc32c(body.data() + indexStart, body.size() - indexStart);
  for (int b = 0; b < 4; ++b) body.push_back(static_cast<std::uint8_t>(crc >> (8 * b)));
  store_.write(objectKey(g), body);
  ++counters_->objectsWritten;
  counters_->bytesWritten += body.size();
}

void ZarrArrayWriter::writeSlab(std::int64_t t, std::int64_t c, std::int64_t z0,
                                const std::uint8_t* slab, std::int64_t nzSlab) {
  const Index5 unit = sharded(spec_) ? spec_.shards : spec_.chunks;
  if (z0 % unit[2] != 0) {
    throw Error(ErrorKind::InvalidArgument, "zarr writer: slab not aligned to the chunk grid");
  }
  const std::int64_t gx = (spec_.shape[0] + unit[0] - 1) / unit[0];
  const std::int64_t gy = (spec_.shape[1] + unit[1] - 1) / unit[1];
  std::vector<Index5> objects;
  for (std::int64_t y = 0; y < gy; ++y) {
    for (std::int64_t x = 0; x < gx; ++x) {
      objects.push_back({x, y, z0 / unit[2], t / unit[3], c / unit[4]});
    }
  }
  parallelFor(objects.size(), spec_.concurrency,
              [&](std::size_t k) { writeObject(slab, z0, nzSlab, objects[k]); });
}

}  // namespace nz
