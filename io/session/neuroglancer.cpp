#include "session/neuroglancer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/json_parse.h"
#include "session/compact_text.h"
#include "session/json_fields.h"
#include "session/shareable_uri.h"

namespace nz {

using namespace session_detail;
using nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxStateBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxLayers = 256;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct MappedSource {
  std::string uri;     // nzview URI ("" when unsupported)
  std::string reason;  // why not, when uri is empty
};

// The root key-value store of a Neuroglancer source, as an nzview URI.
std::optional<std::string> rootStore(const std::string& url, std::string& reason) {
  const std::string l = lower(url);
  if (startsWith(l, "http://") || startsWith(l, "https://") || startsWith(l, "gs://") ||
      startsWith(l, "s3://"))
    return url;
  if (startsWith(l, "s3+http://") || startsWith(l, "s3+https://"))
    return url.substr(3);  // an S3-compatible endpoint read over plain HTTP(S)
  const auto sep = url.find("://");
  reason = "the store '" + (sep == std::string::npos ? url.substr(0, 40) : url.substr(0, sep)) +
           "' is not supported (http(s), gs and s3 are)";
  return std::nullopt;
}

MappedSource mapSource(const std::string& source) {
  MappedSource m;
  // Legacy single-provider form: zarr2://https://host/x.
  static const std::map<std::string, std::string> legacy = {
      {"zarr://", "zarr:"}, {"zarr2://", "zarr2:"}, {"zarr3://", "zarr3:"}, {"nifti://", "nifti:"}};
  std::string pipeline = source;
  const std::string l = lower(source);
  for (const auto& [prefix, format] : legacy)
    if (startsWith(l, prefix)) pipeline = source.substr(prefix.size()) + "|" + format;
  for (const char* other :
       {"precomputed://", "n5://", "graphene://", "boss://", "dvid://", "render://", "python://",
        "deepzoom://", "brainmaps://", "obj://", "vtk://", "ngauth://"})
    if (startsWith(l, other)) {
      m.reason = std::string("format '") + std::string(other, std::strlen(other) - 3) +
                 "' is not supported (zarr, zarr2, zarr3 and nifti are)";
      return m;
    }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto bar = pipeline.find('|', start);
    parts.push_back(
        pipeline.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  std::string reason;
  auto root = rootStore(parts[0], reason);
  if (!root) {
    m.reason = reason;
    return m;
  }
  std::string uri = *root;
  bool sawFormat = false, zip = false, gzip = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string p = parts[i];
    if (const auto hash = p.find('#'); hash != std::string::npos)
      p.resize(hash);  // #dimension_separator
    const auto colon = p.find(':');
    if (colon == std::string::npos) {
      m.reason = "pipeline step '" + p.substr(0, 40) + "' is not understood";
      return m;
    }
    const std::string scheme = lower(p.substr(0, colon));
    const std::string arg = p.substr(colon + 1);
    if (scheme == "zarr" || scheme == "zarr2" || scheme == "zarr3" || scheme == "nifti") {
      if (sawFormat) {
        m.reason = "two formats in one source";
        return m;
      }
      sawFormat = true;
      if (!arg.empty()) {
        if (zip || scheme == "nifti") {
          m.reason = "a path inside '" + scheme + ":' is not supported here";
          return m;
        }
        std::string sub;
        if (!queryDecode(arg, sub) || sub.find("..") != std::string::npos ||
            sub.find('\0') != std::string::npos || toValidUtf8(sub) != sub) {
          m.reason = "bad path after '" + scheme + ":'";
          return m;
        }
        while (!uri.empty() && uri.back() == '/') uri.pop_back();
        while (!sub.empty() && sub.front() == '/') sub.erase(0, 1);
        uri += "/" + sub;
      }
      if (scheme == "nifti" && gzip && !endsWith(lower(uri), ".gz")) {
        m.reason = "gzip: over a file not named .gz";
        return m;
      }
    } else if (scheme == "gzip" && !sawFormat) {
      gzip = true;  // nzview reads .nii.gz itself
    } else if (scheme == "zip" && !sawFormat && arg.empty() &&
               (endsWith(lower(uri), ".ozx") || endsWith(lower(uri), ".zip"))) {
      zip = true;  // an .ozx is opened as a zipped OME-Zarr
    } else {
      m.reason = "pipeline step '" + scheme + ":" + (arg.empty() ? "" : "…") +
                 "' is not supported (zarr, zarr2, zarr3, nifti, gzip, zip)";
      return m;
    }
  }
  while (uri.size() > 8 && uri.back() == '/') uri.pop_back();
  m.uri = shareableUri(uri);
  return m;
}

std::string sourceUrlOf(const ordered_json& src, std::string& reason) {
  if (src.is_string()) return src.get<std::string>();
  if (src.is_object()) {
    const auto it = src.find("url");
    if (it != src.end() && it->is_string()) {
      if (src.contains("transform")) reason = "its source transform is ignored";
      return it->get<std::string>();
    }
  }
  if (src.is_array() && !src.empty()) return sourceUrlOf(src[0], reason);
  return {};
}

// Percent-decoding that tolerates a stray '%' (Neuroglancer's decodeURIComponent would throw;
// we keep the text and let the JSON parser name the problem).
std::string decodeFragment(const std::string& s) {
  std::string out;
  if (queryDecode(s, out)) return out;
  return s;
}

ordered_json parseStateText(const std::string& text, const std::string& what) {
  std::string body = text;
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) fail(what, "(top level)", "is empty");
  if (body[first] != '{') {
    const auto bang = body.find("#!");
    if (bang == std::string::npos)
      fail(what, "(URL)", "has no '#!' fragment holding a Neuroglancer state");
    body = decodeFragment(body.substr(bang + 2));
    if (!body.empty() && body[0] == '+') body.erase(0, 1);
    if (body.empty() || body[0] != '{') {
      const std::string shown = shareableUri(body.substr(0, 200));
      fail(what, "(URL)",
           "the state is stored elsewhere (" + shown +
               "); nzview does not fetch it: download the JSON and open the file");
    }
  }
  try {
    return parseOrderedJson(body, what);
  } catch (const Error&) {
    // Neuroglancer's old "URL-safe" form: single quotes for double quotes, '_' for ','.
    if (body.find('\'') == std::string::npos) throw;
    std::string fixed = body;
    for (char& c : fixed) {
      if (c == '\'')
        c = '"';
      else if (c == '_')
        c = ',';
    }
    return parseOrderedJson(fixed, what);
  }
}

}  // namespace

bool looksLikeNeuroglancer(const std::string& text) {
  if (text.find("#!{") != std::string::npos || text.find("#!+{") != std::string::npos ||
      text.find("#!%7B") != std::string::npos || text.find("#!%7b") != std::string::npos)
    return true;
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{' &&
         text.find("\"layers\"") != std::string::npos &&
         text.find("\"nzview_session\"") == std::string::npos;
}

NeuroglancerImport parseNeuroglancerState(const std::string& text, const std::string& what) {
  if (text.size() > kMaxStateBytes)
    throw Error(ErrorKind::InvalidData,
                what + ": " + std::to_string(text.size()) + " bytes is too large (at most 16 MiB)");
  const ordered_json state = parseStateText(text, what);
  if (!state.is_object()) fail(what, "(top level)", "must be a JSON object");
  NeuroglancerImport out;
  Session& s = out.session;

  // Layers: an array of objects with "name", or (old states) an object keyed by name.
  const auto layersIt = state.find("layers");
  if (layersIt == state.end()) fail(what, "layers", "is missing");
  std::vector<std::pair<std::string, const ordered_json*>> layers;
  if (layersIt->is_array()) {
    for (const auto& l : *layersIt) {
      std::string name;
      if (l.is_object() && l.contains("name") && l["name"].is_string()) name = l["name"];
      layers.emplace_back(name, &l);
    }
  } else if (layersIt->is_object()) {
    for (auto it = layersIt->begin(); it != layersIt->end(); ++it)
      layers.emplace_back(it.key(), &it.value());
  } else {
    fail(what, "layers", "must be an array or an object");
  }
  if (layers.size() > kMaxLayers)
    fail(what, "layers", "has " + std::to_string(layers.size()) + " entries (at most 256)");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string path = "layers[" + std::to_string(i) + "]";
    const ordered_json& l = *layers[i].second;
    const std::string name = layers[i].first.substr(0, kMaxNameBytes);
    const std::string label = "layer '" + (name.empty() ? path : name) + "'";
    if (!l.is_object()) fail(what, path, "must be an object");
    std::string type = "image";  // Neuroglancer guesses the type from old states' sources
    if (l.contains("type")) type = stringField(l["type"], 64, what, path + ".type");
    if (type != "image" && type != "segmentation") {
      out.unsupported.push_back(label + ": type '" + type + "' is not a volume nzview shows");
      continue;
    }
    if (l.contains("archived") && l["archived"].is_boolean() && l["archived"].get<bool>()) {
      out.unsupported.push_back(label + ": archived");
      continue;
    }
    if (!l.contains("source")) fail(what, path + ".source", "is missing");
    std::string note;
    const std::string url = sourceUrlOf(l["source"], note);
    if (url.empty()) fail(what, path + ".source", "must be a URL string or an object with url");
    if (url.size() > kMaxUriBytes) fail(what, path + ".source", "is longer than 8192 bytes");
    const MappedSource m = mapSource(url);
    if (m.uri.empty()) {
      out.unsupported.push_back(label + ": " + m.reason);
      continue;
    }
    if (!note.empty()) out.unsupported.push_back(label + ": " + note);
    SessionLayer layer;
    layer.uri = m.uri;
    layer.name = name;
    layer.kind = type == "segmentation" ? SessionLayerKind::Labels : SessionLayerKind::Image;
    if (l.contains("visible") && l["visible"].is_boolean()) layer.visible = l["visible"];
    const char* alphaKey = type == "segmentation" ? "selectedAlpha" : "opacity";
    if (l.contains(alphaKey) && l[alphaKey].is_number()) {
      const double a = l[alphaKey].get<double>();
      if (a >= 0 && a <= 1) layer.opacity = a;
    } else {
      layer.opacity = type == "segmentation" ? 0.5 : (s.layers.empty() ? 1.0 : 0.5);
    }
    if (type == "image" && l.contains("shaderControls") && l["shaderControls"].is_object()) {
      const auto& c = l["shaderControls"];
      if (c.contains("normalized") && c["normalized"].is_object() &&
          c["normalized"].contains("range") && c["normalized"]["range"].is_array() &&
          c["normalized"]["range"].size() == 2 && c["normalized"]["range"][0].is_number() &&
          c["normalized"]["range"][1].is_number()) {
        const double lo = c["normalized"]["range"][0], hi = c["normalized"]["range"][1];
        if (std::isfinite(lo) && std::isfinite(hi) && hi > lo)
          layer.window = std::array<double, 2>{lo, hi};
      }
    }
    names.push_back(name);
    s.layers.push_back(std::move(layer));
  }
  if (s.layers.empty()) {
    std::string list;
    for (const auto& u : out.unsupported) list += (list.empty() ? "" : "; ") + u;
    fail(what, "layers",
         "no layer nzview can open" + (list.empty() ? std::string() : " (" + list + ")"));
  }
  // The reference (first layer) sets the grid: the first image, when there is one.
  const auto firstImage = std::find_if(s.layers.begin(), s.layers.end(), [](const SessionLayer& l) {
    return l.kind == SessionLayerKind::Image;
  });
  if (firstImage != s.layers.end() && firstImage != s.layers.begin()) {
    const auto index = firstImage - s.layers.begin();
    std::rotate(s.layers.begin(), firstImage, firstImage + 1);
    std::rotate(names.begin(), names.begin() + index, names.begin() + index + 1);
  }
  s.layers[0].opacity = 1;

  // Position: one value per global dimension, in units of that dimension's scale.
  double canonicalMm = 0;
  std::array<std::optional<double>, 3> xyz;
  const auto dims = state.find("dimensions");
  const auto pos = state.find("position");
  if (dims != state.end()) {
    if (!dims->is_object()) fail(what, "dimensions", "must be an object");
    std::size_t i = 0;
    for (auto it = dims->begin(); it != dims->end(); ++it, ++i) {
      const std::string path = "dimensions." + it.key();
      const auto& d = it.value();
      if (!d.is_array() || d.size() != 2 || !d[1].is_string())
        fail(what, path, "must be [scale, unit]");
      const double scale = numberIn(d[0], 1e-30, 1e30, what, path + "[0]");
      const std::string unit = d[1];
      const std::string key = lower(it.key());
      const int axis = key == "x" ? 0 : key == "y" ? 1 : key == "z" ? 2 : -1;
      if (axis < 0) continue;
      double toMm = 1;
      if (unit == "m")
        toMm = 1e3;
      else if (unit == "mm" || unit.empty())
        toMm = 1;
      else if (unit == "um" || unit == "µm")
        toMm = 1e-3;
      else if (unit == "nm")
        toMm = 1e-6;
      else
        fail(what, path + "[1]", "unit '" + unit + "' is not a length");
      const double mmPerUnit = scale * toMm;
      canonicalMm = canonicalMm == 0 ? mmPerUnit : std::min(canonicalMm, mmPerUnit);
      if (pos != state.end()) {
        if (!pos->is_array()) fail(what, "position", "must be an array of numbers");
        if (i < pos->size())
          xyz[axis] = number((*pos)[i], what, "position[" + std::to_string(i) + "]") * mmPerUnit;
      }
    }
  }
  if (xyz[0] && xyz[1] && xyz[2]) {
    std::array<double, 3> mm{*xyz[0], *xyz[1], *xyz[2]};
    for (std::size_t i = 0; i < 3; ++i)
      if (!(std::fabs(mm[i]) <= kMaxMm)) fail(what, "position", "is out of range");
    s.crosshairMm = mm;
  } else if (pos != state.end()) {
    out.unsupported.push_back("position: no x, y, z dimensions to place it (view centred)");
  }
  if (const auto scale = state.find("crossSectionScale"); scale != state.end()) {
    const double css = numberIn(*scale, 1e-12, 1e12, what, "crossSectionScale");
    // crossSectionScale: canonical voxels (the smallest dimension scale) per screen pixel.
    if (canonicalMm > 0) {
      const double zoom = 1.0 / (css * canonicalMm);
      if (zoom > 0 && zoom <= 1e6)
        for (auto& v : s.views) v.zoom = zoom;
    }
  }
  if (const auto sel = state.find("selectedLayer"); sel != state.end() && sel->is_object()) {
    if (sel->contains("layer") && (*sel)["layer"].is_string()) {
      const std::string want = (*sel)["layer"];
      for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == want) s.selectedLayer = static_cast<int>(i);
    }
  }
  if (const auto o = state.find("crossSectionOrientation"); o != state.end() && o->is_array()) {
    const bool identity = o->size() == 4 && (*o)[0] == 0 && (*o)[1] == 0 && (*o)[2] == 0;
    if (!identity)
      out.unsupported.push_back("crossSectionOrientation: oblique planes are shown axis-aligned");
  }
  return out;
}

std::string neuroglancerFragmentEncode(const std::string& json) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(json.size() * 2);
  for (unsigned char c : json) {
    const bool keep = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
                      c == '?' || c == ':' || c == '@' || c == '&' || c == '=' || c == '+' ||
                      c == '$' || c == '#';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

NeuroglancerExport neuroglancerExport(const Session& s, const std::string& baseUrl) {
  NeuroglancerExport out;
  ordered_json state = ordered_json::object();
  state["dimensions"] = {{"x", {1e-3, "m"}}, {"y", {1e-3, "m"}}, {"z", {1e-3, "m"}}};
  if (s.crosshairMm) state["position"] = *s.crosshairMm;
  if (s.views[0].zoom > 0) state["crossSectionScale"] = 1.0 / s.views[0].zoom;
  ordered_json layers = ordered_json::array();
  std::set<std::string> used;
  std::string selected;
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const SessionLayer& l = s.layers[i];
    const std::string uri = shareableUri(l.uri);
    const std::string lu = lower(uri);
    std::string name = l.name;
    if (name.empty()) {
      const auto slash = uri.rfind('/');
      name = slash == std::string::npos ? uri : uri.substr(slash + 1);
    }
    name = toValidUtf8(name);
    if (!startsWith(lu, "http://") && !startsWith(lu, "https://")) {
      out.skipped.push_back(name + " (" + uri + "): Neuroglancer links carry http(s) sources only");
      continue;
    }
    std::string unique = name;
    for (int n = 2; used.count(unique); ++n) unique = name + " (" + std::to_string(n) + ")";
    used.insert(unique);
    std::string source;
    if (endsWith(lu, ".nii.gz"))
      source = uri + "|gzip:|nifti:";
    else if (endsWith(lu, ".nii"))
      source = uri + "|nifti:";
    else if (endsWith(lu, ".ozx"))
      source = uri + "|zip:|zarr3:";
    else
      source = uri + "/|zarr:";
    ordered_json layer = {{"type", l.kind == SessionLayerKind::Labels ? "segmentation" : "image"},
                          {"source", toValidUtf8(source)}};
    if (l.kind == SessionLayerKind::Image) {
      layer["opacity"] = l.opacity;
      if (l.window) layer["shaderControls"] = {{"normalized", {{"range", *l.window}}}};
    } else {
      layer["selectedAlpha"] = l.opacity;
    }
    if (!l.visible) layer["visible"] = false;
    layer["name"] = unique;
    layers.push_back(std::move(layer));
    if (static_cast<int>(i) == s.selectedLayer) selected = unique;
  }
  state["layers"] = std::move(layers);
  if (!selected.empty()) state["selectedLayer"] = {{"layer", selected}, {"visible", true}};
  state["layout"] = "4panel";
  out.stateJson = state.dump(2);
  if (!state["layers"].empty()) {
    std::string base = baseUrl.empty() ? "https://neuroglancer-demo.appspot.com/" : baseUrl;
    if (const auto hash = base.find('#'); hash != std::string::npos) base.resize(hash);
    out.url = base + "#!" + neuroglancerFragmentEncode(state.dump());
  }
  return out;
}

}  // namespace nz
