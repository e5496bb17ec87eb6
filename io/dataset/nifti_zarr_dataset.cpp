#include "dataset/nifti_zarr_dataset.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checked.h"
#include "core/json_parse.h"
#include "core/limits.h"
#include "core/thread_pool.h"
#include "dataset/ome_multiscales.h"
#include "nifti/nifti_header_json.h"

namespace nz {

using nlohmann::json;

namespace {

// Axis slots in NIfTI order.
constexpr int kX = 0, kY = 1, kZ = 2, kT = 3, kC = 4;

[[noreturn]] void bad(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::InvalidData, what + ": " + msg);
}

std::string text(const ReadResult& r) { return std::string(r.data.begin(), r.data.end()); }

json parseObject(const ReadResult& r, const std::string& what) {
  json j = parseJson(text(r), what);  // size and nesting bounded (core/json_parse.h)
  if (!j.is_object()) bad(what, "not a JSON object");
  return j;
}

Matrix4 invertScaleTranslate(const Matrix4& p, const std::string& what) {
  Matrix4 r{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  for (int i = 0; i < 3; ++i) {
    const double s = p[i * 4 + i];
    if (s == 0 || !std::isfinite(s)) {
      bad(what, "field multiscales[0].datasets[0] scale is zero (level affines undefined)");
    }
    r[i * 4 + i] = 1.0 / s;
    r[i * 4 + 3] = -p[i * 4 + 3] / s;
  }
  return r;
}

int unitCode(const std::string& u, bool time) {
  if (time) {
    if (u == "second") return 8;
    if (u == "millisecond") return 16;
    if (u == "microsecond") return 24;
    return 0;
  }
  if (u == "meter") return 1;
  if (u == "millimeter") return 2;
  if (u == "micrometer") return 3;
  return 0;
}

// Plain OME-Zarr: a NIfTI header equivalent to the OME geometry (sform = G * P_0).
NiftiHeader synthesiseHeader(const OmeImage& img, const Index5& shape, DType dtype) {
  NiftiHeader h;
  int nd = 3;
  if (shape[kC] > 1) {
    nd = 5;
  } else if (shape[kT] > 1) {
    nd = 4;
  }
  h.dim = {nd, shape[0], shape[1], shape[2], shape[3], shape[4], 1, 1};
  h.datatype = niftiCodeFromDtype(dtype);
  h.bitpix = static_cast<int>(dtypeSize(dtype) * 8);
  const Matrix4 a = mul(img.world, omeLevelMatrix(img, 0));
  int space = 0, time = 0;
  for (std::size_t d = 0; d < img.slotOfDim.size(); ++d) {
    if (img.slotOfDim[d] <= kZ && !space) space = unitCode(img.units[d], false);
    if (img.slotOfDim[d] == kT) {
      time = unitCode(img.units[d], true);
      h.pixdim[4] = img.levels[0].scale[d] * img.timeScale;
    }
  }
  h.xyztUnits = space | time;
  niftiSetAffine(h, a, 1, 0);
  h.qformCode = 0;
  h.pixdim[0] = 1;
  for (int i = 0; i < 3; ++i) h.pixdim[i + 1] = std::abs(a[i * 4 + i]);
  h.sclSlope = 1;
  return h;
}

// Level sanity: the declared scale of level L over level 0 should match the shape ratio up to
// the rounding of odd sizes (n -> ceil(n/f) or floor(n/f)). Early niizarr releases wrote scales
// that do not; such a level is read by its shape (scale s_0*n_0/n_L, translation of the
// centre of an n_0/n_L block) and a warning names it.
void checkLevelScales(OmeImage& img, const std::vector<LevelInfo>& levels,
                      const std::string& what) {
  for (std::size_t L = 1; L < img.levels.size() && L < levels.size(); ++L) {
    std::string axesWrong;
    for (std::size_t d = 0; d < img.slotOfDim.size(); ++d) {
      const int slot = img.slotOfDim[d];
      if (slot > kZ) continue;
      const double n0 = static_cast<double>(levels[0].shape[slot]);
      const double nL = static_cast<double>(levels[L].shape[slot]);
      const double s0 = img.levels[0].scale[d];
      const double declared = s0 != 0 ? img.levels[L].scale[d] / s0 : 0;
      if (!(declared > 0) || nL <= 0) continue;
      const double expected = n0 / declared;
      if (std::abs(expected - nL) < 1.0 + 1e-9) continue;
      const double ratio = n0 / nL;
      img.levels[L].scale[d] = s0 * ratio;
      img.levels[L].translation[d] = img.levels[0].translation[d] + s0 * (ratio - 1) / 2;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s%s (declared x%.6g, shape %g -> %g is x%.6g)",
                    axesWrong.empty() ? "" : ", ",
                    slot == kX   ? "x"
                    : slot == kY ? "y"
                                 : "z",
                    declared, n0, nL, ratio);
      axesWrong += buf;
    }
    if (!axesWrong.empty())
      img.warnings.push_back(what + ": level " + img.levels[L].path +
                             ": declared scale does not match its shape on " + axesWrong +
                             "; read by its shape");
  }
}

LevelInfo makeLevel(const ZarrArrayMeta& m, const NiftiZarrDataset::Level& l,
                    const std::string& path) {
  LevelInfo li;
  li.path = path;
  const auto grid = m.gridShape();
  for (int s = 0; s < 5; ++s) {
    const int d = l.zarrDimOf[s];
    if (d < 0) continue;
    li.shape[s] = m.shape[d];
    li.chunkShape[s] = m.readShape()[d];
    li.gridShape[s] = grid[d];
    if (m.codecs.sharding) li.shardShape[s] = m.chunks[d];
  }
  if (m.codecs.sharding) {
    for (int s = 0; s < 5; ++s) {
      if (li.shardShape[s] == 0) li.shardShape[s] = 1;
    }
  }
  li.dtype = m.dtype;
  li.codecs = m.codecNames;
  li.compressorDetail = m.compressorDetail;
  li.fillValue = m.fillDouble;
  li.isShardedOrNifti = m.codecs.sharding != nullptr;
  li.storedFloat16 = m.storedFloat16;
  if (m.storedFloat16) li.codecs.insert(li.codecs.begin(), "float16");
  return li;
}

struct Opened {
  int zarrFormat = 0;
  json attrs;
  std::string attrsFile;
};

Opened detectGroup(const std::vector<ReadResult>& w, const std::string& uri) {
  Opened o;
  if (w[0].ok()) {
    const std::string what = uri + "/zarr.json";
    const json j = parseObject(w[0], what);
    const auto format = j.find("zarr_format");
    if (format == j.end() || !format->is_number_integer() || format->get<std::int64_t>() != 3)
      bad(what, "field \"zarr_format\" is not 3");
    const auto nodeType = j.find("node_type");
    if (nodeType != j.end() && !nodeType->is_string())
      bad(what, "field \"node_type\" is not a string");
    if (nodeType != j.end() && nodeType->get<std::string>() == "array") {
      throw Error(ErrorKind::Unsupported,
                  what + ": is a Zarr array; open the NIfTI-Zarr / OME-Zarr group that holds it");
    }
    o.zarrFormat = 3;
    const auto attributes = j.find("attributes");
    o.attrs = attributes == j.end() ? json::object() : *attributes;
    o.attrsFile = what;
  } else if (w[1].ok() || w[2].ok()) {
    o.zarrFormat = 2;
    o.attrsFile = uri + "/.zattrs";
    o.attrs = w[2].ok() ? parseObject(w[2], o.attrsFile) : json::object();
  } else {
    throw Error(ErrorKind::NotFound,
                uri + ": not found, or not a Zarr group (no zarr.json, .zgroup or .zattrs)");
  }
  if (!o.attrs.is_object()) bad(o.attrsFile, "attributes are not a JSON object");
  return o;
}

}  // namespace

NiftiZarrDataset::NiftiZarrDataset(std::shared_ptr<Store> store, DatasetInfo info,
                                   NiftiHeader header, std::vector<Level> levels)
    : Dataset(std::move(store), std::move(info)),
      header_(std::move(header)),
      levels_(std::move(levels)) {}

namespace {

// The image subgroup of an OME-Zarr 0.6 scene, as a store of its own (keys under "PATH/").
class PrefixStore final : public Store {
 public:
  PrefixStore(std::shared_ptr<Store> inner, const std::string& path)
      : inner_(std::move(inner)), prefix_(path + "/") {}
  std::string describe() const override {
    return inner_->describe() + "/" + prefix_.substr(0, prefix_.size() - 1);
  }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    inner_->readAsync(prefix_ + key, range, std::move(cancel), std::move(done));
  }
  void readIfChangedAsync(const std::string& key, ByteRange range, const std::string& etag,
                          const std::string& lastModified, CancelToken cancel,
                          ReadCallback done) override {
    inner_->readIfChangedAsync(prefix_ + key, range, etag, lastModified, std::move(cancel),
                               std::move(done));
  }
  std::optional<std::uint64_t> size(const std::string& key) override {
    return inner_->size(prefix_ + key);
  }
  void write(const std::string& key, const Bytes& data) override {
    inner_->write(prefix_ + key, data);
  }
  void remove(const std::string& key) override { inner_->remove(prefix_ + key); }
  StoreStats stats() const override { return inner_->stats(); }

 private:
  std::shared_ptr<Store> inner_;
  std::string prefix_;
};

// How many groups up an image opened by its own URI looks for the scene holding it (a scene's
// image paths may have several components: "images/brainA").
constexpr int kSceneSearchDepth = 3;

// The OME-Zarr 0.6 scene of a group above an image opened by its own URI (not through the
// scene) with the transform that starts from that image; `where` gets the group's URI. A group
// above that cannot be read or parsed leaves the image as it is, with a warning.
std::optional<OmeScene> sceneAbove(const AncestorGroups& ancestors, std::string& where,
                                   std::vector<std::string>& warnings) {
  for (int up = 1; up <= kSceneSearchDepth; ++up) {
    std::optional<AncestorGroup> a;
    try {
      a = ancestors(up);
    } catch (const std::exception&) {
      return std::nullopt;  // not readable with these credentials: the image opens as it is
    }
    if (!a || !a->zarrJson.ok()) return std::nullopt;  // no group there: the hierarchy ends
    const std::string what = a->uri + "/zarr.json";
    try {
      const json j = parseObject(a->zarrJson, what);
      const json attrs = j.value("attributes", json::object());
      if (auto sc = parseScene(attrs, what, a->relativePath)) {
        where = a->uri;
        return sc;
      }
      if (attrs.is_object() && attrs.contains("ome")) return std::nullopt;  // an OME node
    } catch (const std::exception& e) {
      warnings.push_back(what + ": OME-Zarr scene above the image not read: " + e.what());
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::shared_ptr<NiftiZarrDataset> openNiftiZarrImpl(std::shared_ptr<Store> store,
                                                    const std::string& uri, const OmeScene* scene,
                                                    const AncestorGroups* ancestors) {
  // Wave 1: the metadata whose keys are known before anything is read (indices 3 and 4, the
  // header array's metadata, are used below). Five keys: a fresh host's first burst is six
  // transfers (http/transfer_scheduler.h), and a seventh would wait a round trip for a free
  // slot. The header chunk's key depends on the header array's metadata: it rides wave 2, which
  // the levels' metadata needs anyway.
  const std::vector<std::string> keys = {"zarr.json", ".zgroup", ".zattrs", "nifti/zarr.json",
                                         "nifti/.zarray"};
  // Metadata objects and the header chunk are bounded (core/limits.h): a 2 GB .zattrs is
  // refused after reading at most the limit.
  const InputLimits limits = inputLimits();
  const std::uint64_t metaCap = limits.metadataMaxBytes, headerCap = limits.niftiHeaderMaxBytes;
  std::vector<ReadResult> w =
      store->readManyBounded(keys, {metaCap, metaCap, metaCap, metaCap, metaCap});
  for (const auto& r : w) {
    if (!r.ok() && !r.missing()) r.throwIfError();
  }
  const Opened g = detectGroup(w, uri);
  // An OME-Zarr 0.6 scene (no image of its own): open the image its first transform starts
  // from, placed in the scene's coordinate system.
  if (!scene)
    if (const auto sc = parseScene(g.attrs, g.attrsFile))
      return openNiftiZarrImpl(std::make_shared<PrefixStore>(store, sc->image),
                               uri + "/" + sc->image, &*sc, nullptr);
  OmeImage img = parseMultiscales(g.attrs, g.attrsFile);
  const bool hasHeader = w[3].ok() || w[4].ok();
  std::string where;
  std::optional<OmeScene> above;
  if (scene) {
    where = uri.substr(0, uri.size() - scene->image.size() - 1);
  } else if (ancestors && *ancestors && !hasHeader && !img.intrinsicSystem.empty()) {
    // An OME-Zarr 0.6 image opened by its own URI: placed as the scene above it places it.
    // (Scenes are 0.6 only; a NIfTI header would give the geometry anyway.)
    above = sceneAbove(*ancestors, where, img.warnings);
    if (above) scene = &*above;
  }
  if (scene) {
    std::string others;
    for (const auto& p : scene->images)
      if (p != scene->image) others += (others.empty() ? "" : ", ") + p;
    Matrix4 s{};
    std::string why;
    if (hasHeader) {
      img.warnings.push_back(where + ": OME-Zarr scene: " + scene->field + " not applied to " +
                             scene->image + " (its binary NIfTI header gives the geometry)");
    } else if (!sceneMatrix(*scene, img, where + "/zarr.json", s, why)) {
      img.warnings.push_back(where + ": OME-Zarr scene: " + scene->field + " not applied: " + why);
    } else {
      img.world = mul(s, img.world);
      img.worldSystem = scene->outputSystem;
      img.warnings.push_back(where + ": OME-Zarr scene: showing image " + scene->image +
                             " in the scene's system \"" + scene->outputSystem + "\"" +
                             (others.empty() ? "" : " (the scene also holds " + others + ")"));
    }
  }

  // The header array's metadata, matching the group's format first.
  std::optional<ZarrArrayMeta> headerMeta;
  std::string headerWhat;
  const int v3 = 3, v4 = 4;
  for (int pass = 0; pass < 2 && !headerMeta; ++pass) {
    const bool tryV3 = (g.zarrFormat == 3) == (pass == 0);
    const ReadResult& r = w[tryV3 ? v3 : v4];
    if (!r.ok()) continue;
    headerWhat = uri + (tryV3 ? "/nifti/zarr.json" : "/nifti/.zarray");
    headerMeta =
        tryV3 ? parseZarrArrayV3(text(r), headerWhat) : parseZarrArrayV2(text(r), headerWhat);
  }

  // Wave 2: every level's array metadata (and the header chunks when they were not guessable).
  std::vector<std::string> keys2;
  for (const auto& l : img.levels) {
    keys2.push_back(l.path + (g.zarrFormat == 3 ? "/zarr.json" : "/.zarray"));
  }
  std::shared_ptr<ZarrArray> headerArray;
  int headerChunkSlot = -1;  // index into keys2
  if (headerMeta) {
    // The header array is a NIfTI header plus extensions: bound its size and its chunk count
    // before anything is allocated or requested (shape = chunks = [2^31], or 200 million
    // one-byte chunks, are refused here).
    const std::uint64_t headerBytes =
        checkedMul(checkedProduct(headerMeta->shape, headerWhat, "shape"), headerMeta->itemSize,
                   headerWhat, "shape × item size");
    if (headerBytes > limits.niftiHeaderMaxBytes)
      bad(headerWhat, "the NIfTI header array is " + std::to_string(headerBytes) +
                          " bytes, more than the limit of " +
                          std::to_string(limits.niftiHeaderMaxBytes) +
                          " (raise it with --option nifti.max_header_bytes=N)");
    const std::uint64_t nchunks = checkedProduct(headerMeta->gridShape(), headerWhat, "chunk grid");
    if (nchunks > limits.metadataArrayMaxChunks)
      bad(headerWhat, "the NIfTI header array is split into " + std::to_string(nchunks) +
                          " chunks, more than the limit of " +
                          std::to_string(limits.metadataArrayMaxChunks));
    headerArray = std::make_shared<ZarrArray>(store, "nifti", *headerMeta);
    if (nchunks == 1 && !headerMeta->codecs.sharding) {
      headerChunkSlot = static_cast<int>(keys2.size());
      keys2.push_back(
          headerMeta->chunkKey("nifti", std::vector<std::int64_t>(headerMeta->ndim(), 0)));
    }
  }
  std::vector<std::uint64_t> caps2(keys2.size(), metaCap);
  if (headerChunkSlot >= 0) caps2[static_cast<std::size_t>(headerChunkSlot)] = headerCap;
  std::vector<ReadResult> w2 = store->readManyBounded(keys2, caps2);
  for (std::size_t i = 0; i < w2.size(); ++i) {
    if (w2[i].missing() && static_cast<int>(i) != headerChunkSlot) {
      throw Error(ErrorKind::InvalidData, store->describeKey(keys2[i]) +
                                              ": missing (named by multiscales datasets[].path)");
    }
    w2[i].throwIfError();
  }

  // Levels.
  DatasetInfo info;
  info.uri = uri;
  info.zarrFormat = g.zarrFormat;
  std::vector<NiftiZarrDataset::Level> levels;
  for (std::size_t i = 0; i < img.levels.size(); ++i) {
    const std::string what = store->describeKey(keys2[i]);
    ZarrArrayMeta m = g.zarrFormat == 3 ? parseZarrArrayV3(text(w2[i]), what)
                                        : parseZarrArrayV2(text(w2[i]), what);
    if (m.ndim() != img.slotOfDim.size()) {
      bad(what, "has " + std::to_string(m.ndim()) + " dimensions but multiscales axes lists " +
                    std::to_string(img.slotOfDim.size()));
    }
    if (m.rawBytes) throw Error(ErrorKind::Unsupported, what + ": byte-string dtype for voxels");
    NiftiZarrDataset::Level l;
    for (std::size_t d = 0; d < img.slotOfDim.size(); ++d)
      l.zarrDimOf[img.slotOfDim[d]] = static_cast<int>(d);
    const LevelInfo li = makeLevel(m, l, img.levels[i].path);
    l.array = std::make_shared<ZarrArray>(store, img.levels[i].path, std::move(m));
    info.levels.push_back(li);
    levels.push_back(std::move(l));
  }
  checkLevelScales(img, info.levels, g.attrsFile);
  if (info.levels[0].storedFloat16)
    img.warnings.push_back(uri + ": stored as float16; read and shown as float32, and exports " +
                           "write float32 (NIfTI has no float16 type)");
  info.warnings.insert(info.warnings.end(), img.warnings.begin(), img.warnings.end());
  const LevelInfo& l0 = info.levels[0];
  info.shape = l0.shape;
  info.dtype = l0.dtype;
  info.axes = {"x", "y", "z"};
  info.ndim = 3;
  for (int s : {kT, kC}) {
    if (levels[0].zarrDimOf[s] >= 0) {
      info.axes.push_back(s == kT ? "t" : "c");
      ++info.ndim;
    }
  }

  // Header: binary NIfTI (wins over JSON and OME) or synthesised from OME.
  NiftiHeader header;
  if (headerArray) {
    Bytes raw;
    const std::string what = uri + "/nifti";
    if (headerChunkSlot >= 0) {
      const ReadResult& r = w2[static_cast<std::size_t>(headerChunkSlot)];
      if (r.ok()) {
        ZarrChunk c = headerArray->decodeStored(r.data, what);
        raw = std::move(c.data);
        std::size_t total = headerMeta->itemSize;
        for (auto s : headerMeta->shape) total *= static_cast<std::size_t>(s);
        raw.resize(std::min(raw.size(), total));  // chunk may overhang the array
      } else {
        bad(what, "the header chunk is missing");
      }
    } else {
      raw = headerArray->readAllBlocking();
    }
    header = parseNiftiHeader(raw.data(), raw.size(), what);
    info.format = "nifti-zarr";
    info.niftiVersion = header.version;
    info.headerBigEndian = header.bigEndian;
    fillInfoFromNiftiHeader(info, header, what);
    info.niftiHeader = std::make_shared<const NiftiHeader>(header);
    info.niftiHeaderJson = niftiHeaderFieldsJson(header);
  } else {
    header = synthesiseHeader(img, info.shape, info.dtype);
    info.format = "ome-zarr";
    info.niftiVersion = 0;
    fillInfoFromNiftiHeader(info, header, g.attrsFile);
    info.affineSource = "sform";
  }

  // Per-level affines: A_L = A_0 * P_0^-1 * P_L (niizarr's rule).
  const Matrix4 p0inv = invertScaleTranslate(omeLevelMatrix(img, 0), g.attrsFile);
  const Matrix4 a0p0 = mul(info.affine, p0inv);
  for (std::size_t i = 0; i < info.levels.size(); ++i) {
    info.levels[i].affine = mul(a0p0, omeLevelMatrix(img, i));
    for (double v : info.levels[i].affine) {
      if (!std::isfinite(v))
        bad(g.attrsFile, "level " + img.levels[i].path + " affine is not finite");
    }
  }
  info.extraJson = "{}";
  auto dataset = std::make_shared<NiftiZarrDataset>(store, std::move(info), std::move(header),
                                                    std::move(levels));
  // Every read above was whole (a bounded read that fitted): an export's manifest takes these
  // validators instead of asking again beside the chunk wave.
  std::vector<SeenObject> seen;
  for (std::size_t i = 0; i < keys.size(); ++i) seen.push_back(seenObjectOf(keys[i], w[i], true));
  for (std::size_t i = 0; i < keys2.size(); ++i)
    seen.push_back(seenObjectOf(keys2[i], w2[i], true));
  dataset->setObjectsSeenAtOpen(std::move(seen));
  return dataset;
}

}  // namespace

std::shared_ptr<NiftiZarrDataset> openNiftiZarrDataset(std::shared_ptr<Store> store,
                                                       const std::string& name,
                                                       const AncestorGroups& ancestors) {
  const std::string uri = name.empty() ? store->describe() : name;
  try {
    return openNiftiZarrImpl(std::move(store), uri, nullptr, &ancestors);
  } catch (const json::exception& e) {
    // A field of an unexpected JSON type that no check above named: still one clear error.
    throw Error(ErrorKind::InvalidData, uri + ": invalid group metadata (" + e.what() + ")");
  }
}

void NiftiZarrDataset::readChunkAsync(int level, const Index5& chunk, CancelToken cancel,
                                      ChunkCallback done) {
  if (level < 0 || level >= static_cast<int>(levels_.size())) {
    ChunkResult r;
    r.errorKind = ErrorKind::InvalidArgument;
    r.error = info_.uri + ": level " + std::to_string(level) + " does not exist";
    ThreadPool::shared().post([done, r] { done(r); });
    return;
  }
  const Level& l = levels_[level];
  const LevelInfo& li = info_.levels[level];
  const Box box = chunkBox(level, chunk);
  std::vector<std::int64_t> zidx(l.array->meta().ndim());
  for (int s = 0; s < 5; ++s) {
    if (l.zarrDimOf[s] >= 0) zidx[l.zarrDimOf[s]] = chunk[s];
  }
  const DType dtype = li.dtype;
  const Index5 readShape = li.chunkShape;
  const std::array<int, 5> dimOf = l.zarrDimOf;
  auto array = l.array;
  l.array->readChunkAsync(
      std::move(zidx), std::move(cancel), [=](ZarrChunk c, std::exception_ptr err) {
        ChunkResult r;
        r.box = box;
        if (err) {
          try {
            std::rethrow_exception(err);
          } catch (const Error& e) {
            r.errorKind = e.kind();
            r.error = e.what();
          } catch (const std::exception& e) {
            r.errorKind = ErrorKind::InvalidData;
            r.error = e.what();
          }
          done(std::move(r));
          return;
        }
        auto v = std::make_shared<Volume>();
        v->dtype = dtype;
        v->shape = box.shape();
        const std::size_t es = dtypeSize(dtype);
        r.ok = true;
        r.missing = c.missing;
        r.storedBytes = c.storedBytes;
        if (c.missing) {
          v->data.resize(v->voxelCount() * es);
          fillElements(v->data.data(), dtype, v->voxelCount(), array->meta().fillValue.data());
        } else {
          // Element strides of each NIfTI axis inside the decoded chunk.
          std::array<std::int64_t, 5> st{0, 0, 0, 0, 0};
          for (int s = 0; s < 5; ++s) {
            if (dimOf[s] >= 0) st[s] = c.strides[dimOf[s]];
          }
          bool natural = v->shape == readShape;
          std::int64_t expect = 1;
          for (int s = 0; s < 5 && natural; ++s) {
            if (readShape[s] > 1 && st[s] != expect) natural = false;
            expect *= readShape[s];
          }
          if (natural) {
            v->data = std::move(c.data);  // full interior chunk: no copy
          } else {
            v->data.resize(v->voxelCount() * es);
            std::uint8_t* out = v->data.data();
            const std::uint8_t* in = c.data.data();
            const auto& sh = v->shape;
            for (std::int64_t ci = 0; ci < sh[4]; ++ci) {
              for (std::int64_t ti = 0; ti < sh[3]; ++ti) {
                for (std::int64_t zi = 0; zi < sh[2]; ++zi) {
                  for (std::int64_t yi = 0; yi < sh[1]; ++yi) {
                    const std::int64_t src = ci * st[4] + ti * st[3] + zi * st[2] + yi * st[1];
                    std::uint8_t* dst = out + v->offsetOf(0, yi, zi, ti, ci) * es;
                    if (st[0] == 1) {
                      std::memcpy(dst, in + src * es, static_cast<std::size_t>(sh[0]) * es);
                    } else {
                      for (std::int64_t xi = 0; xi < sh[0]; ++xi) {
                        std::memcpy(dst + xi * es, in + (src + xi * st[0]) * es, es);
                      }
                    }
                  }
                }
              }
            }
          }
        }
        r.volume = std::move(v);
        done(std::move(r));
      });
}

}  // namespace nz
