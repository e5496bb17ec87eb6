#include "manifest/manifest.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cloud/crypto.h"
#include "core/error.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace nz {

namespace {

using nlohmann::json;

bool isLocal(const std::string& out) {
  return out.find("://") == std::string::npos || out.rfind("file://", 0) == 0;
}

std::string localPath(const std::string& out) {
  std::string p = out.rfind("file://", 0) == 0 ? parseUri(out).path : out;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

json boxJson(const Box& b, int axes) {
  json j = json::array();
  for (int a = 0; a < axes; ++a) j.push_back({b.begin[a], b.end[a]});
  return j;
}

Box boxFrom(const json& j, const std::string& what) {
  Box b;
  if (!j.is_array() || j.size() < 3 || j.size() > 5)
    throw Error(ErrorKind::InvalidData, what + ": expected 3 to 5 [begin, end] pairs");
  for (std::size_t a = 0; a < j.size(); ++a) {
    const json& p = j[a];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer())
      throw Error(ErrorKind::InvalidData,
                  what + ": axis " + std::to_string(a) + " is not an integer [begin, end] pair");
    b.begin[a] = p[0].get<std::int64_t>();
    b.end[a] = p[1].get<std::int64_t>();
  }
  return b;
}

// Fields read with a clear error naming the manifest and the field.
template <typename T>
T field(const json& j, const char* name, const std::string& what) {
  if (!j.contains(name))
    throw Error(ErrorKind::InvalidData, what + ": missing field '" + name + "'");
  try {
    return j.at(name).get<T>();
  } catch (const json::exception&) {
    throw Error(ErrorKind::InvalidData, what + ": field '" + name + "' has the wrong type");
  }
}

template <typename T>
T fieldOr(const json& j, const char* name, T fallback, const std::string& what) {
  return j.contains(name) && !j.at(name).is_null() ? field<T>(j, name, what) : fallback;
}

// The folder URI holding `output`, and the sidecar's key in it.
std::pair<std::string, std::string> splitParent(const std::string& uriText) {
  const auto q = uriText.find('?');
  std::string head = uriText.substr(0, q);
  const std::string tail = q == std::string::npos ? std::string() : uriText.substr(q);
  while (head.size() > 1 && head.back() == '/') head.pop_back();
  const auto slash = head.rfind('/');
  if (slash == std::string::npos) return {"." + tail, head};
  return {head.substr(0, slash) + tail, head.substr(slash + 1)};
}

double numberAt(const json& list, int i) {
  if (!list.is_array() || static_cast<std::size_t>(i) >= list.size()) return 0;
  const json& v = list[static_cast<std::size_t>(i)];
  return v.is_number() ? v.get<double>() : 0.0;
}

json validatorsJson(const std::vector<ObjectValidator>& list) {
  json validators = json::array();
  for (const auto& v : list) {
    json o = {{"key", v.key}};
    o["size"] = v.size ? json(*v.size) : json(nullptr);
    o["etag"] = v.etag;
    o["last_modified"] = v.lastModified;
    o["version"] = v.version;
    validators.push_back(std::move(o));
  }
  return validators;
}

json objectsJson(const std::vector<ObjectDigest>& list) {
  json objects = json::array();
  for (const auto& d : list)
    objects.push_back({{"key", d.key}, {"size", d.size}, {"sha256", d.sha256}});
  return objects;
}

std::vector<ObjectValidator> validatorsFrom(const json& s, const std::string& what) {
  std::vector<ObjectValidator> out;
  if (!s.contains("validators")) return out;
  if (!s["validators"].is_array())
    throw Error(ErrorKind::InvalidData, what + ": validators is not a list");
  for (const json& v : s["validators"]) {
    ObjectValidator o;
    o.key = field<std::string>(v, "key", what + " validator");
    if (v.contains("size") && !v["size"].is_null())
      o.size = field<std::uint64_t>(v, "size", what + " validator");
    o.etag = fieldOr<std::string>(v, "etag", "", what);
    o.lastModified = fieldOr<std::string>(v, "last_modified", "", what);
    o.version = fieldOr<std::string>(v, "version", "", what);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<ObjectDigest> objectsFrom(const json& o, const std::string& what) {
  std::vector<ObjectDigest> out;
  if (o.contains("objects") && o["objects"].is_array())
    for (const json& d : o["objects"])
      out.push_back({fieldOr<std::string>(d, "key", "", what),
                     fieldOr<std::uint64_t>(d, "size", 0, what),
                     field<std::string>(d, "sha256", what + " output.objects")});
  return out;
}

std::string hexOf(const unsigned char* p, unsigned n) {
  return crypto::toHex(std::string_view(reinterpret_cast<const char*>(p), n));
}

}  // namespace

std::string manifestToJson(const ExportManifest& m) {
  const int axes = m.voxelBox.shape()[4] > 1 || m.roi.end[4] - m.roi.begin[4] > 1   ? 5
                   : m.voxelBox.shape()[3] > 1 || m.roi.end[3] - m.roi.begin[3] > 1 ? 4
                                                                                    : 3;
  const Index5 shape = m.voxelBox.shape();
  const json validators = validatorsJson(m.validators);
  const json objects = objectsJson(m.objects);
  json affine = json::array();
  for (int r = 0; r < 4; ++r)
    affine.push_back(
        {m.affine[r * 4], m.affine[r * 4 + 1], m.affine[r * 4 + 2], m.affine[r * 4 + 3]});
  json world = json::array();
  for (const auto& w : m.worldBox) world.push_back({w[0], w[1]});
  json j = {{"nzview_manifest", m.manifestVersion},
            {"nzview_version", m.nzviewVersion},
            {"source",
             {{"uri", m.source},
              {"format", m.sourceFormat},
              {"validators", validators},
              {"validators_error", m.validatorsError}}},
            {"request",
             {{"level", m.level},
              {"roi", boxJson(m.roi, axes)},
              {"crop_or_pad", m.cropOrPad ? json(*m.cropOrPad) : json(nullptr)},
              {"pad_mode", m.padMode},
              {"pad_value", m.padValue},
              {"pad_value_raw", m.padValueRaw}}},
            {"result",
             {{"voxel_box", boxJson(m.voxelBox, axes)},
              {"shape", json(std::vector<std::int64_t>(shape.begin(), shape.begin() + axes))},
              {"world_box", world},
              {"affine", affine},
              {"dtype", m.dtype},
              {"scl_slope", m.sclSlope},
              {"scl_inter", m.sclInter}}},
            {"output",
             {{"path", m.output},
              {"format", m.format},
              {"gzip_level", m.gzipLevel},
              {"zarr_version", m.zarrVersion},
              {"chunk", m.chunk},
              {"shard", m.shard},
              {"compressor", m.compressor},
              {"byte_order", m.byteOrder},
              {"sha256", m.sha256},
              {"objects", objects}}}};
  if (m.labels) {
    const PairedLabels& l = *m.labels;
    j["with"] = {{"role", "image"},
                 {"labels",
                  {{"uri", l.source},
                   {"format", l.sourceFormat},
                   {"validators", validatorsJson(l.validators)},
                   {"validators_error", l.validatorsError}}},
                 {"output",
                  {{"path", l.output},
                   {"dtype", l.dtype},
                   {"resampling", "nearest"},
                   {"sha256", l.sha256},
                   {"objects", objectsJson(l.objects)}}}};
  } else if (m.role == "labels") {
    j["with"] = {{"role", "labels"}, {"image_output", m.pairedImage}};
  }
  return j.dump(2) + "\n";
}

ExportManifest manifestFromJson(const std::string& text, const std::string& what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::InvalidData, what + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("nzview_manifest"))
    throw Error(ErrorKind::InvalidData, what + ": not an nzview manifest (no 'nzview_manifest')");
  ExportManifest m;
  m.manifestVersion = field<int>(j, "nzview_manifest", what);
  if (m.manifestVersion != kManifestVersion)
    throw Error(ErrorKind::Unsupported,
                what + ": manifest version " + std::to_string(m.manifestVersion) +
                    " (this nzview reads " + std::to_string(kManifestVersion) + ")");
  m.nzviewVersion = fieldOr<std::string>(j, "nzview_version", "", what);
  for (const char* part : {"source", "request", "result", "output"})
    if (!j.contains(part) || !j[part].is_object())
      throw Error(ErrorKind::InvalidData, what + ": missing object '" + part + "'");
  const json& s = j["source"];
  m.source = field<std::string>(s, "uri", what + " source");
  m.sourceFormat = fieldOr<std::string>(s, "format", "", what);
  m.validatorsError = fieldOr<std::string>(s, "validators_error", "", what);
  m.validators = validatorsFrom(s, what + ": source");
  const json& r = j["request"];
  m.level = field<int>(r, "level", what + " request");
  m.roi = boxFrom(r.value("roi", json()), what + ": request.roi");
  if (r.contains("crop_or_pad") && !r["crop_or_pad"].is_null())
    m.cropOrPad = field<std::array<std::int64_t, 3>>(r, "crop_or_pad", what + " request");
  m.padMode = fieldOr<std::string>(r, "pad_mode", "constant", what);
  m.padValue = fieldOr<double>(r, "pad_value", 0.0, what);
  m.padValueRaw = fieldOr<double>(r, "pad_value_raw", 0.0, what);
  const json& res = j["result"];
  m.voxelBox = boxFrom(res.value("voxel_box", json()), what + ": result.voxel_box");
  if (res.contains("affine") && res["affine"].is_array() && res["affine"].size() == 4) {
    for (int row = 0; row < 4; ++row)
      for (int c = 0; c < 4; ++c) m.affine[row * 4 + c] = numberAt(res["affine"][row], c);
  }
  if (res.contains("world_box") && res["world_box"].is_array() && res["world_box"].size() == 3)
    for (int a = 0; a < 3; ++a)
      for (int e = 0; e < 2; ++e) m.worldBox[a][e] = numberAt(res["world_box"][a], e);
  m.dtype = fieldOr<std::string>(res, "dtype", "", what);
  m.sclSlope = fieldOr<double>(res, "scl_slope", 0.0, what);
  m.sclInter = fieldOr<double>(res, "scl_inter", 0.0, what);
  const json& o = j["output"];
  m.output = field<std::string>(o, "path", what + " output");
  m.format = field<std::string>(o, "format", what + " output");
  m.gzipLevel = fieldOr<int>(o, "gzip_level", 6, what);
  m.zarrVersion = fieldOr<int>(o, "zarr_version", 3, what);
  m.chunk = fieldOr<std::int64_t>(o, "chunk", 64, what);
  m.shard = fieldOr<std::int64_t>(o, "shard", 0, what);
  m.compressor = fieldOr<std::string>(o, "compressor", "", what);
  m.byteOrder = fieldOr<std::string>(o, "byte_order", "little", what);
  if (m.byteOrder != "little" && m.byteOrder != "big")
    throw Error(
        ErrorKind::InvalidData,
        what + ": output.byte_order must be \"little\" or \"big\", not \"" + m.byteOrder + "\"");
  m.sha256 = fieldOr<std::string>(o, "sha256", "", what);
  m.objects = objectsFrom(o, what);
  if (j.contains("with")) {
    const json& w = j["with"];
    if (!w.is_object()) throw Error(ErrorKind::InvalidData, what + ": 'with' is not an object");
    m.role = field<std::string>(w, "role", what + " with");
    if (m.role == "image") {
      for (const char* part : {"labels", "output"})
        if (!w.contains(part) || !w[part].is_object())
          throw Error(ErrorKind::InvalidData,
                      what + ": missing object 'with." + std::string(part) + "'");
      PairedLabels l;
      const json& ls = w["labels"];
      l.source = field<std::string>(ls, "uri", what + " with.labels");
      l.sourceFormat = fieldOr<std::string>(ls, "format", "", what);
      l.validatorsError = fieldOr<std::string>(ls, "validators_error", "", what);
      l.validators = validatorsFrom(ls, what + ": with.labels");
      const json& lo = w["output"];
      l.output = field<std::string>(lo, "path", what + " with.output");
      l.dtype = fieldOr<std::string>(lo, "dtype", "", what);
      l.sha256 = field<std::string>(lo, "sha256", what + " with.output");
      l.objects = objectsFrom(lo, what + " with");
      m.labels = std::move(l);
    } else if (m.role == "labels") {
      m.pairedImage = field<std::string>(w, "image_output", what + " with");
    } else {
      throw Error(ErrorKind::InvalidData,
                  what + ": with.role must be \"image\" or \"labels\", not \"" + m.role + "\"");
    }
  }
  return m;
}

std::string manifestPathFor(const std::string& output) {
  const auto q = output.find('?');
  std::string head = output.substr(0, q);
  while (head.size() > 1 && head.back() == '/') head.pop_back();
  return head + kManifestSuffix + (q == std::string::npos ? std::string() : output.substr(q));
}

std::array<std::array<double, 2>, 3> worldBoxOf(const Matrix4& a, const Box& box) {
  std::array<std::array<double, 2>, 3> w;
  for (auto& e : w)
    e = {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (int corner = 0; corner < 8; ++corner) {
    double v[3];
    for (int i = 0; i < 3; ++i)
      v[i] = static_cast<double>((corner >> i) & 1 ? box.end[i] - 1 : box.begin[i]);
    for (int r = 0; r < 3; ++r) {
      const double x = a[r * 4] * v[0] + a[r * 4 + 1] * v[1] + a[r * 4 + 2] * v[2] + a[r * 4 + 3];
      w[r][0] = std::min(w[r][0], x);
      w[r][1] = std::max(w[r][1], x);
    }
  }
  return w;
}

std::vector<ObjectValidator> collectValidators(Dataset& dataset) {
  if (!dataset.sharedStore()) return {};  // a dataset made in memory (tests): nothing to check
  const DatasetInfo& info = dataset.info();
  std::vector<std::string> keys;
  if (info.format == "nifti") {
    keys.push_back(parseUri(info.uri).basename());
  } else if (info.zarrFormat == 3) {
    keys = {"zarr.json", "nifti/zarr.json", "nifti/c/0"};
    for (const auto& l : info.levels) keys.push_back(l.path + "/zarr.json");
  } else {
    keys = {".zgroup", ".zattrs", "nifti/.zarray", "nifti/0"};
    for (const auto& l : info.levels) keys.push_back(l.path + "/.zarray");
  }
  // What the open read is taken as it was then (the version the voxels come from), without a
  // request beside the chunk wave; only what the open did not read whole is asked for.
  std::vector<std::optional<ObjectValidator>> found(keys.size());
  std::vector<bool> absent(keys.size(), false);
  std::vector<std::size_t> ask;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& seen = dataset.objectsSeenAtOpen();
    const auto it = std::find_if(seen.begin(), seen.end(),
                                 [&](const SeenObject& s) { return s.object.key == keys[i]; });
    if (it == seen.end() || (!it->missing && !it->object.size))
      ask.push_back(i);
    else if (it->missing)
      absent[i] = true;
    else
      found[i] = it->object;
  }
  // The rest all at once (one round trip), a few bytes each: the answer carries the validators
  // and the whole size. (Not one byte: s3rver answers "bytes=0-0" with the whole object.)
  std::vector<ReadResult> results(keys.size());
  if (!ask.empty()) {
    std::mutex mutex;
    std::condition_variable cv;
    std::size_t pending = ask.size();
    for (const std::size_t i : ask) {
      dataset.store().readAsync(keys[i], ByteRange::span(0, 16), {}, [&, i](ReadResult r) {
        std::lock_guard lock(mutex);
        results[i] = std::move(r);
        if (--pending == 0) cv.notify_all();
      });
    }
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return pending == 0; });
  }
  for (const std::size_t i : ask) {
    ReadResult& r = results[i];
    if (r.missing()) {
      absent[i] = true;
      continue;
    }
    r.throwIfError();
    found[i] = objectVersionOf(keys[i], r, false);
  }
  std::vector<ObjectValidator> out;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (!absent[i] && found[i]) out.push_back(std::move(*found[i]));
  return out;
}

std::vector<std::string> compareValidators(const std::vector<ObjectValidator>& recorded,
                                           const std::vector<ObjectValidator>& now) {
  std::vector<std::string> diffs;
  auto show = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  for (const auto& r : recorded) {
    auto it = std::find_if(now.begin(), now.end(), [&](const auto& n) { return n.key == r.key; });
    if (it == now.end()) {
      diffs.push_back(r.key + ": no longer exists");
      continue;
    }
    if (r.size != it->size)
      diffs.push_back(r.key + ": size " + (r.size ? std::to_string(*r.size) : "?") + " -> " +
                      (it->size ? std::to_string(*it->size) : "?"));
    if (r.etag != it->etag)
      diffs.push_back(r.key + ": ETag " + show(r.etag) + " -> " + show(it->etag));
    if (r.lastModified != it->lastModified)
      diffs.push_back(r.key + ": last modified " + show(r.lastModified) + " -> " +
                      show(it->lastModified));
    if (r.version != it->version)
      diffs.push_back(r.key + ": version " + show(r.version) + " -> " + show(it->version));
  }
  for (const auto& n : now)
    if (std::none_of(recorded.begin(), recorded.end(),
                     [&](const auto& r) { return r.key == n.key; }))
      diffs.push_back(n.key + ": new since the export");
  return diffs;
}

std::string treeDigest(std::vector<ObjectDigest> objects) {
  std::sort(objects.begin(), objects.end(),
            [](const ObjectDigest& a, const ObjectDigest& b) { return a.key < b.key; });
  std::string lines;
  for (const auto& d : objects) lines += d.sha256 + "  " + d.key + "\n";
  return crypto::sha256Hex(lines);
}

ObjectDigest digestOutputFile(const std::string& output, const StoreOptions& options) {
  if (!isLocal(output)) {
    const auto [parent, key] = splitParent(output);
    auto store = openStore(parseUri(parent), options);
    ReadResult r = store->read(key);
    if (!r.throwIfError())
      throw Error(ErrorKind::NotFound, redactSecrets(output) + ": not found after the export");
    return {"", r.data.size(),
            crypto::sha256Hex(
                std::string_view(reinterpret_cast<const char*>(r.data.data()), r.data.size()))};
  }
  const std::string path = localPath(output);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(ErrorKind::Io, path + ": cannot read the output for its SHA-256");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw Error(ErrorKind::Io, "OpenSSL SHA-256 failed");
  std::vector<unsigned char> buf(std::size_t{1} << 20);
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n > 0) EVP_DigestUpdate(ctx.get(), buf.data(), n);
    total += n;
    if (n < buf.size()) break;
  }
  if (std::ferror(f.get())) throw Error(ErrorKind::Io, path + ": read error while hashing");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return {"", total, hexOf(md, len)};
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw Error(ErrorKind::Io, "OpenSSL SHA-256 failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const std::uint8_t* data, std::size_t n) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
  size_ += n;
}

ObjectDigest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  return {"", size_, hexOf(md, len)};
}

void writeManifestFor(const std::string& output, const ExportManifest& m,
                      const StoreOptions& options) {
  const std::string text = manifestToJson(m);
  if (isLocal(output)) {
    const std::string path = localPath(output) + kManifestSuffix;
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << text;
      if (!f.flush()) throw Error(ErrorKind::Io, "cannot write the manifest " + path);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::remove(tmp.c_str());
      throw Error(ErrorKind::Io, "cannot write the manifest " + path);
    }
    return;
  }
  const auto [parent, key] = splitParent(output);
  auto store = openStore(parseUri(parent), options);
  store->write(key + kManifestSuffix, Bytes(text.begin(), text.end()));
}

}  // namespace nz
