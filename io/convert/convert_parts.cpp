#include "convert/convert_parts.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "convert/level_planes.h"
#include "core/error.h"
#include "nifti/nifti_source.h"
#include "nifti/nifti_stream.h"
#include "open/store_factory.h"
#include "uri/uri.h"
#include "write/nifti_zarr_layout.h"
#include "write/pyramid.h"
#include "write/zarr_level_stream.h"
#include "zarr/codecs.h"
#include "zarr/zarr_metadata.h"

namespace nz {

namespace {

constexpr int kMaxFloatLevel = 3;  // finalize handles at most 1/8^3 of the level-0 voxels

// Passes everything through and remembers the key and size of every object written, so a
// unit's record can list exactly what it wrote.
class KeyRecorder : public Store {
 public:
  explicit KeyRecorder(std::shared_ptr<Store> inner) : inner_(std::move(inner)) {}
  std::string describe() const override { return inner_->describe(); }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    inner_->readAsync(key, range, std::move(cancel), std::move(done));
  }
  std::optional<std::uint64_t> size(const std::string& key) override { return inner_->size(key); }
  void write(const std::string& key, const Bytes& data) override {
    inner_->write(key, data);
    std::lock_guard lock(m_);
    written_[key] = data.size();
  }
  void remove(const std::string& key) override { inner_->remove(key); }
  StoreStats stats() const override { return inner_->stats(); }
  std::map<std::string, std::uint64_t> take() {
    std::lock_guard lock(m_);
    return std::exchange(written_, {});
  }

 private:
  std::shared_ptr<Store> inner_;
  std::mutex m_;
  std::map<std::string, std::uint64_t> written_;
};

struct Context {
  std::shared_ptr<Store> in, out;
  std::string key, name;
  ConvertOptions options;
  NiftiZarrWriteOptions write;
  NiftiFileHead head;
  NiftiZarrPlan plan;
  std::string fingerprint;  // options and source identity, checked by finalize
  std::int64_t depth = 0;   // z extent of one storage object (chunk or shard)
  std::unique_ptr<NiftiByteStream> stream;

  std::unique_ptr<NiftiByteStream> openStream() const {
    return std::make_unique<NiftiByteStream>(in, key, name, options.cancel,
                                             NiftiByteStream::Progress{}, kStreamPieceBytes,
                                             kStreamPiecesInFlight);
  }
  const Index5& shape(std::size_t level) const { return plan.shapes[level]; }
  std::size_t levels() const { return plan.shapes.size(); }
  std::int64_t volumes() const { return shape(0)[3] * shape(0)[4]; }
  ZarrArraySpec spec(std::size_t level) const {
    return niftiZarrLevelSpec(plan, write, plan.shapes[level]);
  }
  std::string groupKey() const { return write.zarrVersion == 3 ? "zarr.json" : ".zgroup"; }
};

std::string part(const std::string& rest) { return std::string(kPartsPrefix) + "/" + rest; }

Context openContext(std::shared_ptr<Store> in, const std::string& key, const std::string& name,
                    std::shared_ptr<Store> out, const ConvertOptions& o) {
  Context cx;
  cx.in = std::move(in);
  cx.out = std::move(out);
  cx.key = key;
  cx.name = name;
  cx.options = o;
  cx.write = o.write;
  cx.write.cancel = o.cancel;
  cx.stream = cx.openStream();
  cx.head = readNiftiHead(*cx.stream, name);
  cx.plan = makeNiftiZarrPlan(cx.head.storedHeader, cx.write);
  if (cx.plan.label && cx.levels() > 1) {
    throw Error(ErrorKind::Unsupported,
                name +
                    " is a label volume (per-label voting pyramid): convert it in one "
                    "process, without --part (or with --levels 1)");
  }
  ZarrArrayWriter probe(*cx.out, "0", cx.spec(0));
  cx.depth = probe.objectDepth();
  const CompressorSpec comp = CompressorSpec::defaults(cx.write.compressor, cx.write.zarrVersion);
  const Index5& s = cx.shape(0);
  cx.fingerprint = "zarr " + std::to_string(cx.write.zarrVersion) + ", chunk " +
                   std::to_string(cx.write.chunk) + ", shard " + std::to_string(cx.write.shard) +
                   ", " + comp.name() + ", " + std::to_string(cx.levels()) + " levels, " +
                   std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]) +
                   "x" + std::to_string(s[3]) + "x" + std::to_string(s[4]) + " " +
                   dtypeName(cx.plan.dtype) + ", header crc32c " +
                   std::to_string(crc32c(cx.head.storedHeader.data(), cx.head.storedHeader.size()));
  return cx;
}

void checkNotFinished(Context& cx) {
  if (cx.out->size(cx.groupKey())) {
    throw Error(ErrorKind::InvalidArgument,
                cx.out->describe() + " is already a finished NIfTI-Zarr (" + cx.groupKey() +
                    " exists); remove it before converting into it again");
  }
}

void writeRecord(Store& out, const std::string& key, const std::string& fingerprint,
                 const std::map<std::string, std::uint64_t>& objects) {
  nlohmann::json j;
  j["fingerprint"] = fingerprint;
  j["objects"] = nlohmann::json::array();
  for (const auto& [k, n] : objects) j["objects"].push_back({k, n});
  const std::string text = j.dump();
  out.write(key, Bytes(text.begin(), text.end()));
}

// A unit's record, or nullopt when the unit is not done. Throws for a record of another
// conversion (different options or source).
std::optional<std::map<std::string, std::uint64_t>> readRecord(Context& cx,
                                                               const std::string& key) {
  ReadResult r = cx.out->read(key);
  if (!r.throwIfError()) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(r.data.begin(), r.data.end()));
    if (j.at("fingerprint").get<std::string>() != cx.fingerprint) {
      throw Error(ErrorKind::InvalidArgument,
                  cx.out->describeKey(key) +
                      " was written by a conversion with other options or "
                      "another source (" +
                      j.at("fingerprint").get<std::string>() + "; now: " + cx.fingerprint +
                      "): use the same options for every part and stage, or start again");
    }
    std::map<std::string, std::uint64_t> objects;
    for (const auto& o : j.at("objects")) objects[o.at(0).get<std::string>()] = o.at(1);
    return objects;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::InvalidData, cx.out->describeKey(key) + ": bad record (" + e.what() +
                                            "); delete it and re-run its part");
  }
}

// ---- stage level0 ----------------------------------------------------------------------

std::string level0Record(std::int64_t c, std::int64_t t, std::int64_t slab) {
  return part("level0/" + std::to_string(c) + "." + std::to_string(t) + "." + std::to_string(slab) +
              ".json");
}

PartResult runLevel0(Context& cx, PartIndex p) {
  checkNotFinished(cx);
  const Index5& s = cx.shape(0);
  const std::int64_t slabs = (s[2] + cx.depth - 1) / cx.depth;
  const std::int64_t units = slabs * cx.volumes();
  const auto [first, end] = partShare(units, p);
  auto rec = std::make_shared<KeyRecorder>(cx.out);
  ZarrWriteCounters counters;
  ZarrArrayWriter writer(*rec, "0", cx.spec(0), &counters);
  const std::size_t item = dtypeSize(cx.plan.dtype);
  const std::uint64_t plane = static_cast<std::uint64_t>(s[0] * s[1]) * item;
  PartResult r;
  r.unitsTotal = units;
  r.unitsOwned = end - first;
  Bytes slab;
  for (std::int64_t u = first; u < end; ++u) {
    if (cx.options.cancel.cancelled()) throw Error(ErrorKind::Cancelled, "conversion cancelled");
    const std::int64_t c = u / (slabs * s[3]), t = (u / slabs) % s[3], k = u % slabs;
    const std::string record = level0Record(c, t, k);
    if (readRecord(cx, record)) {
      ++r.unitsSkipped;
      continue;
    }
    const std::int64_t z0 = k * cx.depth, z1 = std::min(z0 + cx.depth, s[2]);
    const std::uint64_t want =
        cx.head.voxOffset + static_cast<std::uint64_t>((c * s[3] + t) * s[2] + z0) * plane;
    if (cx.stream->position() > want) {
      cx.stream = cx.openStream();
      readNiftiHead(*cx.stream, cx.name);
    }
    if (cx.stream->position() < want) cx.stream->skip(want - cx.stream->position());
    slab.assign(static_cast<std::size_t>(plane) * static_cast<std::size_t>(z1 - z0), 0);
    cx.stream->read(slab.data(), slab.size());
    niftiToNative(slab.data(), slab.size() / item, cx.plan.dtype, cx.head.header.bigEndian);
    writer.writeSlab(t, c, z0, slab.data(), z1 - z0);
    writeRecord(*cx.out, record, cx.fingerprint, rec->take());
  }
  r.objectsWritten = counters.objectsWritten.load();
  r.bytesWritten = counters.bytesWritten.load();
  return r;
}

// ---- stage pyramid ---------------------------------------------------------------------

std::int64_t blocksAt(const Context& cx, int level) {
  return (cx.shape(static_cast<std::size_t>(level))[2] + cx.depth - 1) / cx.depth;
}

int maxFloatLevel(const Context& cx) {
  return std::min(static_cast<int>(cx.levels()) - 1, kMaxFloatLevel);
}

int chooseFloatLevel(const Context& cx, std::int64_t parts) {
  for (int L = maxFloatLevel(cx); L > 1; --L) {
    if (blocksAt(cx, L) * cx.volumes() >= parts) return L;
  }
  return 1;
}

std::string pyramidKey(int K, std::int64_t c, std::int64_t t, std::int64_t b, const char* ext) {
  return part("pyramid-K" + std::to_string(K) + "/" + std::to_string(c) + "." + std::to_string(t) +
              "." + std::to_string(b) + ext);
}

using Range = std::pair<std::int64_t, std::int64_t>;

// Computes levels 1..K of z block b of volume (t, c) from level 0 and writes their objects;
// returns level K's float planes of the block (x fastest, native doubles).
Bytes computeBlock(Context& cx, ZarrArray& level0,
                   std::vector<std::unique_ptr<ZarrArrayWriter>>& writers, int K, std::int64_t c,
                   std::int64_t t, std::int64_t b, bool keepFloats) {
  // Own planes R[L] of each level; computed planes W[L] (own ones plus what the next level's
  // Gaussian and interpolation need), derived from level K down to level 0.
  std::vector<Range> R(static_cast<std::size_t>(K) + 1), W(static_cast<std::size_t>(K) + 1);
  for (int L = 1; L <= K; ++L) {
    const std::int64_t span = cx.depth << (K - L);
    R[L] = {b * span, std::min((b + 1) * span, cx.shape(static_cast<std::size_t>(L))[2])};
  }
  W[K] = R[K];
  for (int L = K - 1; L >= 0; --L) {
    const Range need = PyramidStep::inputsFor(cx.shape(static_cast<std::size_t>(L))[2],
                                              W[L + 1].first, W[L + 1].second);
    W[L] =
        L == 0 ? need : Range{std::min(need.first, R[L].first), std::max(need.second, R[L].second)};
  }
  struct Out {
    std::vector<PyramidStep> step;  // input: level L-1
    Bytes slab;
    std::int64_t slabStart = 0;
  };
  std::vector<Out> lv(static_cast<std::size_t>(K) + 1);
  const std::size_t item = dtypeSize(cx.plan.dtype);
  for (int L = 1; L <= K; ++L) {
    const Index5& up = cx.shape(static_cast<std::size_t>(L - 1));
    const Index5& s = cx.shape(static_cast<std::size_t>(L));
    lv[L].step.emplace_back(up[0], up[1], up[2], W[L - 1].first, W[L].first, W[L].second);
    lv[L].slab.assign(static_cast<std::size_t>(s[0] * s[1] * cx.depth) * item, 0);
    lv[L].slabStart = R[L].first;
  }
  Bytes floats;
  // Level L's plane zo, as the float values of the chain.
  std::function<void(int, std::int64_t, const Plane&)> accept = [&](int L, std::int64_t zo,
                                                                    const Plane& pl) {
    Out& o = lv[static_cast<std::size_t>(L)];
    const Index5& s = cx.shape(static_cast<std::size_t>(L));
    if (zo >= R[L].first && zo < R[L].second) {
      const std::size_t n = static_cast<std::size_t>(s[0] * s[1]);
      castPlane(pl.data(), n, cx.plan.dtype,
                o.slab.data() + static_cast<std::size_t>(zo - o.slabStart) * n * item);
      if (zo + 1 == o.slabStart + cx.depth || zo + 1 == R[L].second) {
        writers[static_cast<std::size_t>(L)]->writeSlab(t, c, o.slabStart, o.slab.data(),
                                                        zo + 1 - o.slabStart);
        o.slabStart += cx.depth;
        std::fill(o.slab.begin(), o.slab.end(), 0);
      }
      if (L == K && keepFloats) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(pl.data());
        floats.insert(floats.end(), p, p + n * sizeof(double));
      }
    }
    if (L < K) {
      std::vector<std::pair<std::int64_t, Plane>> next;
      lv[static_cast<std::size_t>(L) + 1].step[0].push(
          pl, [&](std::int64_t z, const Plane& q) { next.emplace_back(z, q); });
      for (auto& [z, q] : next) accept(L + 1, z, q);
    }
  };
  // Level 0 is read only where its units are recorded complete (a torn object of a killed
  // part must not flow into the pyramid).
  for (std::int64_t k = W[0].first / cx.depth; k * cx.depth < W[0].second; ++k) {
    if (!readRecord(cx, level0Record(c, t, k))) {
      throw Error(ErrorKind::InvalidData,
                  cx.out->describe() + ": level 0 is incomplete: no record " +
                      level0Record(c, t, k) +
                      " (run every convert --part of level 0 before --stage pyramid)");
    }
  }
  const Index5& s0 = cx.shape(0);
  const std::size_t n0 = static_cast<std::size_t>(s0[0] * s0[1]);
  Bytes raw;
  for (std::int64_t z0 = W[0].first; z0 < W[0].second;) {
    if (cx.options.cancel.cancelled()) throw Error(ErrorKind::Cancelled, "conversion cancelled");
    const std::int64_t z1 = std::min((z0 / cx.depth + 1) * cx.depth, W[0].second);
    raw.resize(n0 * static_cast<std::size_t>(z1 - z0) * item);
    readLevelPlanes(level0, t, c, z0, z1, raw.data());
    for (std::int64_t z = z0; z < z1; ++z) {
      Plane pl(n0);
      const std::uint8_t* src = raw.data() + static_cast<std::size_t>(z - z0) * n0 * item;
      for (std::size_t i = 0; i < n0; ++i) pl[i] = readAsDouble(src, cx.plan.dtype, i);
      std::vector<std::pair<std::int64_t, Plane>> next;
      lv[1].step[0].push(std::move(pl),
                         [&](std::int64_t zo, const Plane& q) { next.emplace_back(zo, q); });
      for (auto& [zo, q] : next) accept(1, zo, q);
    }
    z0 = z1;
  }
  for (int L = 1; L <= K; ++L) {
    if (!lv[static_cast<std::size_t>(L)].step[0].finished()) {
      throw Error(ErrorKind::InvalidData, "pyramid block " + std::to_string(b) + " of level " +
                                              std::to_string(L) + " did not complete");
    }
  }
  return floats;
}

std::shared_ptr<ZarrArray> levelArray(Context& cx, std::size_t level) {
  ZarrArrayWriter w(*cx.out, std::to_string(level), cx.spec(level));
  const auto files = w.metadataFiles();
  const std::string what = cx.out->describeKey(files[0].first);
  ZarrArrayMeta meta = cx.write.zarrVersion == 3 ? parseZarrArrayV3(files[0].second, what)
                                                 : parseZarrArrayV2(files[0].second, what);
  return std::make_shared<ZarrArray>(cx.out, std::to_string(level), std::move(meta));
}

PartResult runPyramid(Context& cx, PartIndex p) {
  checkNotFinished(cx);
  PartResult r;
  if (cx.levels() == 1) return r;  // no pyramid: nothing to do
  const int K = chooseFloatLevel(cx, p.count);
  const bool keepFloats = K + 1 < static_cast<int>(cx.levels());
  const std::int64_t blocks = blocksAt(cx, K);
  const std::int64_t units = blocks * cx.volumes();
  const auto [first, end] = partShare(units, p);
  r.unitsTotal = units;
  r.unitsOwned = end - first;
  r.floatLevel = K;
  auto rec = std::make_shared<KeyRecorder>(cx.out);
  ZarrWriteCounters counters;
  std::vector<std::unique_ptr<ZarrArrayWriter>> writers(static_cast<std::size_t>(K) + 1);
  for (int L = 1; L <= K; ++L) {
    writers[static_cast<std::size_t>(L)] = std::make_unique<ZarrArrayWriter>(
        *rec, std::to_string(L), cx.spec(static_cast<std::size_t>(L)), &counters);
  }
  auto level0 = levelArray(cx, 0);
  const Index5& s = cx.shape(0);
  for (std::int64_t u = first; u < end; ++u) {
    const std::int64_t c = u / (blocks * s[3]), t = (u / blocks) % s[3], b = u % blocks;
    const std::string record = pyramidKey(K, c, t, b, ".json");
    if (readRecord(cx, record)) {
      ++r.unitsSkipped;
      continue;
    }
    Bytes floats = computeBlock(cx, *level0, writers, K, c, t, b, keepFloats);
    if (keepFloats) rec->write(pyramidKey(K, c, t, b, ".f64"), floats);
    writeRecord(*cx.out, record, cx.fingerprint, rec->take());
  }
  r.objectsWritten = counters.objectsWritten.load();
  r.bytesWritten = counters.bytesWritten.load();
  return r;
}

// ---- stage finalize --------------------------------------------------------------------

std::string listSome(const std::vector<std::string>& keys) {
  std::string s;
  for (std::size_t i = 0; i < keys.size() && i < 3; ++i) s += (i ? ", " : "") + keys[i];
  if (keys.size() > 3) s += ", ... (" + std::to_string(keys.size()) + " in all)";
  return s;
}

// Reads every record of `keys`; missing ones go to `missing`.
std::map<std::string, std::uint64_t> readRecords(Context& cx, const std::vector<std::string>& keys,
                                                 std::vector<std::string>& missing) {
  std::map<std::string, std::uint64_t> objects;
  std::mutex m;
  parallelFor(keys.size(), 16, [&](std::size_t i) {
    auto rec = readRecord(cx, keys[i]);
    std::lock_guard lock(m);
    if (!rec) {
      missing.push_back(keys[i]);
      return;
    }
    objects.insert(rec->begin(), rec->end());
  });
  std::sort(missing.begin(), missing.end());
  return objects;
}

PartResult runFinalize(Context& cx) {
  PartResult r;
  r.levelShapes = cx.plan.shapes;
  const Index5& s = cx.shape(0);
  const std::int64_t slabs = (s[2] + cx.depth - 1) / cx.depth;
  std::vector<std::string> l0Keys;
  for (std::int64_t c = 0; c < s[4]; ++c) {
    for (std::int64_t t = 0; t < s[3]; ++t) {
      for (std::int64_t k = 0; k < slabs; ++k) l0Keys.push_back(level0Record(c, t, k));
    }
  }
  if (cx.out->size(cx.groupKey()) && !cx.out->size(l0Keys[0])) {
    r.alreadyFinalized = true;
    return r;
  }
  std::vector<std::string> missing;
  std::map<std::string, std::uint64_t> objects = readRecords(cx, l0Keys, missing);
  if (!missing.empty()) {
    throw Error(ErrorKind::InvalidData,
                cx.out->describe() + ": level 0 is incomplete: no record " + listSome(missing) +
                    " (re-run the convert parts that own them; a re-run redoes only what is "
                    "missing)");
  }
  std::vector<std::string> records = l0Keys;
  int K = 0;
  if (cx.levels() > 1) {
    std::vector<std::string> firstMissing;
    for (int L = maxFloatLevel(cx); L >= 1 && K == 0; --L) {
      std::vector<std::string> keys;
      for (std::int64_t c = 0; c < s[4]; ++c) {
        for (std::int64_t t = 0; t < s[3]; ++t) {
          for (std::int64_t b = 0; b < blocksAt(cx, L); ++b) {
            keys.push_back(pyramidKey(L, c, t, b, ".json"));
          }
        }
      }
      if (!cx.out->size(keys[0]) && !cx.out->size(keys.back())) continue;  // not this K
      std::vector<std::string> miss;
      auto objs = readRecords(cx, keys, miss);
      if (!miss.empty()) {
        if (firstMissing.empty()) firstMissing = miss;
        continue;
      }
      K = L;
      objects.insert(objs.begin(), objs.end());
      records.insert(records.end(), keys.begin(), keys.end());
    }
    if (K == 0) {
      throw Error(ErrorKind::InvalidData,
                  cx.out->describe() + ": the pyramid stage is incomplete" +
                      (firstMissing.empty() ? std::string(" (no part has run)")
                                            : ": no record " + listSome(firstMissing)) +
                      " (run convert --stage pyramid for every part)");
    }
  }
  r.floatLevel = K;
  // Every object a record lists exists, with the size it was written with.
  std::vector<std::pair<std::string, std::uint64_t>> list(objects.begin(), objects.end());
  std::vector<std::string> bad;
  std::mutex m;
  parallelFor(list.size(), 16, [&](std::size_t i) {
    const auto n = cx.out->size(list[i].first);
    if (n && *n == list[i].second) return;
    std::lock_guard lock(m);
    bad.push_back(list[i].first + (n ? " (size " + std::to_string(*n) + ", not " +
                                           std::to_string(list[i].second) + ")"
                                     : " (missing)"));
  });
  if (!bad.empty()) {
    std::sort(bad.begin(), bad.end());
    throw Error(ErrorKind::InvalidData,
                cx.out->describe() + ": objects written by the parts are missing or damaged: " +
                    listSome(bad) + " (delete the record of their unit and re-run its part)");
  }
  // Levels K+1.. from level K's float values, block after block.
  ZarrWriteCounters counters;
  std::vector<std::unique_ptr<ZarrArrayWriter>> writers;
  for (std::size_t L = 0; L < cx.levels(); ++L) {
    writers.push_back(
        std::make_unique<ZarrArrayWriter>(*cx.out, std::to_string(L), cx.spec(L), &counters));
  }
  if (K > 0 && K + 1 < static_cast<int>(cx.levels())) {
    std::vector<ZarrArrayWriter*> lower;
    for (std::size_t L = static_cast<std::size_t>(K) + 1; L < cx.levels(); ++L) {
      lower.push_back(writers[L].get());
    }
    const Index5& sk = cx.shape(static_cast<std::size_t>(K));
    const std::size_t n = static_cast<std::size_t>(sk[0] * sk[1]);
    for (std::int64_t c = 0; c < s[4]; ++c) {
      for (std::int64_t t = 0; t < s[3]; ++t) {
        ZarrLevelStream stream(lower, sk, cx.plan.dtype, nullptr, t, c);
        for (std::int64_t b = 0; b < blocksAt(cx, K); ++b) {
          const std::string key = pyramidKey(K, c, t, b, ".f64");
          ReadResult f = cx.out->read(key);
          f.throwIfError();
          const std::int64_t planes = std::min((b + 1) * cx.depth, sk[2]) - b * cx.depth;
          if (f.data.size() != n * sizeof(double) * static_cast<std::size_t>(planes)) {
            throw Error(ErrorKind::InvalidData, cx.out->describeKey(key) + ": wrong size");
          }
          for (std::int64_t z = 0; z < planes; ++z) {
            Plane pl(n);
            std::memcpy(pl.data(), f.data.data() + static_cast<std::size_t>(z) * n * sizeof(double),
                        n * sizeof(double));
            stream.pushBasePlane(std::move(pl));
          }
        }
      }
    }
  }
  // Metadata after every chunk; the group (the entry point of a reader) last of all.
  for (auto& w : writers) w->writeMetadata();
  writeNiftiZarrHeaderArray(*cx.out, cx.head.storedHeader, cx.plan, cx.write.zarrVersion);
  writeNiftiZarrGroup(*cx.out, cx.plan, cx.write.zarrVersion);
  // Records first: once level 0's first record is gone, finalize counts as done.
  for (const auto& key : records) cx.out->remove(key);
  for (const auto& [key, size] : objects) {
    if (key.rfind(kPartsPrefix, 0) == 0) cx.out->remove(key);
  }
  r.objectsWritten = counters.objectsWritten.load();
  r.bytesWritten = counters.bytesWritten.load();
  r.unitsTotal = static_cast<std::int64_t>(records.size());
  return r;
}

}  // namespace

std::pair<std::int64_t, std::int64_t> partShare(std::int64_t units, PartIndex p) {
  if (p.count < 1 || p.index < 0 || p.index >= p.count) {
    throw Error(ErrorKind::InvalidArgument, "part " + std::to_string(p.index) + "/" +
                                                std::to_string(p.count) +
                                                ": the index must be in 0..count-1");
  }
  return {units * p.index / p.count, units * (p.index + 1) / p.count};
}

PartResult convertPart(std::shared_ptr<Store> in, const std::string& key, const std::string& name,
                       std::shared_ptr<Store> out, ConvertStage stage, PartIndex p,
                       const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  partShare(1, p);  // validates the part
  Context cx = openContext(std::move(in), key, name, std::move(out), options);
  PartResult r;
  switch (stage) {
    case ConvertStage::Level0:
      r = runLevel0(cx, p);
      break;
    case ConvertStage::Pyramid:
      r = runPyramid(cx, p);
      break;
    case ConvertStage::Finalize:
      r = runFinalize(cx);
      break;
  }
  r.levelShapes = cx.plan.shapes;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

PartResult convertPart(const std::string& inUri, const std::string& outUri, ConvertStage stage,
                       PartIndex p, const ConvertOptions& options) {
  const Uri inU = parseUri(inUri);
  const std::string inKey = inU.basename();
  auto in = openStore(parentUri(inU), options.storeOptions);
  const Uri outU = parseUri(outUri);
  ConvertOptions o = options;
  if (outU.scheme != Scheme::File && o.write.concurrency == 0) o.write.concurrency = 8;
  if (outU.scheme == Scheme::File) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(outU.path, ec);
    if (ec) throw Error(ErrorKind::Io, "cannot create " + outU.path + ": " + ec.message());
  }
  PartResult r =
      convertPart(in, inKey, inU.redacted(), openStore(outU, options.storeOptions), stage, p, o);
  if (stage == ConvertStage::Finalize && outU.scheme == Scheme::File) {
    namespace fs = std::filesystem;
    std::error_code ec;  // the emptied record folders
    fs::remove_all(fs::path(outU.path) / kPartsPrefix, ec);
    // Temporary files of writes a killed part left behind (the file store writes NAME.tmp-PID
    // and renames it); every part has finished by now.
    std::vector<fs::path> stale;
    for (auto it = fs::recursive_directory_iterator(outU.path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string n = it->path().filename().string();
      const auto dot = n.rfind(".tmp-");
      if (dot != std::string::npos && dot + 5 < n.size() &&
          n.find_first_not_of("0123456789", dot + 5) == std::string::npos) {
        stale.push_back(it->path());
      }
    }
    for (const auto& f : stale) fs::remove(f, ec);
  }
  return r;
}

}  // namespace nz
