#include "session/session.h"

#include "core/error.h"
#include "core/json_parse.h"
#include "roi/roi_set.h"
#include "session/json_fields.h"
#include "session/shareable_uri.h"

namespace nz {

using namespace session_detail;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxSessionBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxLayers = 256;
constexpr std::size_t kMaxBookmarks = 10000;
constexpr std::size_t kMaxHiddenLabels = 100000;

const char* kindName(SessionLayerKind k) {
  return k == SessionLayerKind::Labels ? "labels" : "image";
}

bool validColormap(const std::string& s) {
  return s.empty() || s == "grey" || s == "hot" || s == "viridis" || s == "labels";
}

bool validLayout(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

SessionLayer parseLayer(const json& j, const std::string& what, const std::string& path) {
  if (!j.is_object()) fail(what, path, "must be an object");
  SessionLayer l;
  const json* uri = member(j, "uri");
  if (!uri) fail(what, path + ".uri", "is missing");
  l.uri = shareableUri(stringField(*uri, kMaxUriBytes, what, path + ".uri"));
  if (l.uri.empty()) fail(what, path + ".uri", "is empty");
  if (const json* k = member(j, "kind")) {
    const std::string s = stringField(*k, 16, what, path + ".kind");
    if (s == "image")
      l.kind = SessionLayerKind::Image;
    else if (s == "labels")
      l.kind = SessionLayerKind::Labels;
    else
      fail(what, path + ".kind", "must be \"image\" or \"labels\", not \"" + s + "\"");
  }
  if (const json* v = member(j, "name"))
    l.name = stringField(*v, kMaxNameBytes, what, path + ".name");
  if (const json* v = member(j, "visible")) l.visible = boolean(*v, what, path + ".visible");
  if (const json* v = member(j, "opacity")) l.opacity = numberIn(*v, 0, 1, what, path + ".opacity");
  if (const json* v = member(j, "outline")) l.outline = boolean(*v, what, path + ".outline");
  if (const json* v = member(j, "interpolation")) {
    const std::string s = stringField(*v, 16, what, path + ".interpolation");
    if (s != "nearest" && s != "linear")
      fail(what, path + ".interpolation", "must be \"nearest\" or \"linear\"");
    l.linear = s == "linear";
  }
  if (const json* v = member(j, "colormap")) {
    l.colormap = stringField(*v, 16, what, path + ".colormap");
    if (!validColormap(l.colormap))
      fail(what, path + ".colormap",
           "must be one of grey, hot, viridis, labels, not \"" + l.colormap + "\"");
  }
  if (const json* v = member(j, "window")) {
    if (!v->is_array() || v->size() != 2)
      fail(what, path + ".window", "must be [low, high] (two numbers)");
    const double lo = number((*v)[0], what, path + ".window[0]");
    const double hi = number((*v)[1], what, path + ".window[1]");
    if (!(hi > lo)) fail(what, path + ".window", "high must be greater than low");
    l.window = std::array<double, 2>{lo, hi};
  }
  if (const json* v = member(j, "label_table")) {
    l.labelTable = shareableUri(stringField(*v, kMaxUriBytes, what, path + ".label_table"));
  }
  if (const json* v = member(j, "hidden_labels")) {
    if (!v->is_array()) fail(what, path + ".hidden_labels", "must be an array of integers");
    if (v->size() > kMaxHiddenLabels)
      fail(what, path + ".hidden_labels",
           "lists " + std::to_string(v->size()) + " labels (at most 100000)");
    for (std::size_t i = 0; i < v->size(); ++i)
      l.hiddenLabels.push_back(integerIn((*v)[i], INT64_MIN, INT64_MAX, what,
                                         path + ".hidden_labels[" + std::to_string(i) + "]"));
  }
  return l;
}

json layerJson(const SessionLayer& l) {
  json j = {{"uri", toValidUtf8(shareableUri(l.uri))}, {"kind", kindName(l.kind)}};
  if (!l.name.empty()) j["name"] = toValidUtf8(l.name);
  j["visible"] = l.visible;
  j["opacity"] = l.opacity;
  if (l.kind == SessionLayerKind::Labels) j["outline"] = l.outline;
  if (l.kind == SessionLayerKind::Image) j["interpolation"] = l.linear ? "linear" : "nearest";
  if (!l.colormap.empty()) j["colormap"] = l.colormap;
  if (l.window) j["window"] = {(*l.window)[0], (*l.window)[1]};
  if (!l.labelTable.empty()) j["label_table"] = toValidUtf8(shareableUri(l.labelTable));
  if (!l.hiddenLabels.empty()) j["hidden_labels"] = l.hiddenLabels;
  return j;
}

}  // namespace

const std::array<const char*, 3>& sessionViewNames() {
  static const std::array<const char*, 3> names{"axial", "coronal", "sagittal"};
  return names;
}

Session sessionFromJsonObject(const json& j, const std::string& what) {
  if (!j.is_object()) fail(what, "(top level)", "must be a JSON object");
  const json* version = member(j, "nzview_session");
  if (!version) fail(what, "nzview_session", "is missing (not an nzview session file)");
  const auto v = integerIn(*version, 1, 1000000, what, "nzview_session");
  if (v > kSessionVersion)
    fail(what, "nzview_session",
         "version " + std::to_string(v) + " was written by a newer nzview (this one reads " +
             std::to_string(kSessionVersion) + ")");
  Session s;
  const json* layers = member(j, "layers");
  if (!layers || !layers->is_array() || layers->empty())
    fail(what, "layers", "must be a non-empty array (the first layer is the image)");
  if (layers->size() > kMaxLayers)
    fail(what, "layers", "has " + std::to_string(layers->size()) + " entries (at most 256)");
  for (std::size_t i = 0; i < layers->size(); ++i)
    s.layers.push_back(parseLayer((*layers)[i], what, "layers[" + std::to_string(i) + "]"));
  if (const json* x = member(j, "selected_layer"))
    s.selectedLayer = static_cast<int>(
        integerIn(*x, -1, static_cast<std::int64_t>(s.layers.size()) - 1, what, "selected_layer"));
  if (const json* x = member(j, "crosshair_mm")) s.crosshairMm = point3(*x, what, "crosshair_mm");
  if (const json* x = member(j, "t")) s.t = integerIn(*x, 0, INT32_MAX, what, "t");
  if (const json* x = member(j, "c")) s.c = integerIn(*x, 0, INT32_MAX, what, "c");
  if (const json* views = member(j, "views")) {
    if (!views->is_object()) fail(what, "views", "must be an object (axial, coronal, sagittal)");
    for (std::size_t i = 0; i < 3; ++i) {
      const std::string name = sessionViewNames()[i];
      const json* view = member(*views, name.c_str());
      if (!view) continue;
      const std::string path = "views." + name;
      if (!view->is_object()) fail(what, path, "must be an object");
      if (const json* z = member(*view, "zoom"))
        s.views[i].zoom = numberIn(*z, 0, 1e6, what, path + ".zoom");
      if (const json* c = member(*view, "center_mm"))
        s.views[i].centerMm = point3(*c, what, path + ".center_mm");
    }
  }
  if (const json* x = member(j, "layout")) {
    s.layout = stringField(*x, 32, what, "layout");
    if (!validLayout(s.layout))
      fail(what, "layout", "must be a short name of letters, digits, '-' or '_'");
  }
  if (const json* x = member(j, "camera_3d")) {
    if (!x->is_object()) fail(what, "camera_3d", "must be an object");
    s.camera3d = *x;
  }
  if (const json* x = member(j, "rulers")) {
    if (!x->is_array()) fail(what, "rulers", "must be an array of objects");
    for (std::size_t i = 0; i < x->size(); ++i)
      if (!(*x)[i].is_object())
        fail(what, "rulers[" + std::to_string(i) + "]", "must be an object");
    s.rulers = *x;
  }
  if (const json* x = member(j, "rois")) {
    if (!x->is_object()) fail(what, "rois", "must be an object (an nzview ROI list)");
    try {
      (void)parseRoiSet(x->dump(), "rois");
    } catch (const Error& e) {
      fail(what, "rois", e.what());
    }
    json rois = *x;
    if (rois.contains("source") && rois["source"].is_string())
      rois["source"] = shareableUri(rois["source"].get<std::string>());
    s.rois = std::move(rois);
  }
  if (const json* x = member(j, "bookmarks")) {
    if (!x->is_array()) fail(what, "bookmarks", "must be an array");
    if (x->size() > kMaxBookmarks)
      fail(what, "bookmarks", "has " + std::to_string(x->size()) + " entries (at most 10000)");
    for (std::size_t i = 0; i < x->size(); ++i) {
      const std::string path = "bookmarks[" + std::to_string(i) + "]";
      const json& b = (*x)[i];
      if (!b.is_object()) fail(what, path, "must be an object");
      Bookmark bm;
      if (const json* n = member(b, "name"))
        bm.name = stringField(*n, kMaxNameBytes, what, path + ".name");
      const json* p = member(b, "crosshair_mm");
      if (!p) fail(what, path + ".crosshair_mm", "is missing");
      bm.crosshairMm = point3(*p, what, path + ".crosshair_mm");
      if (const json* z = member(b, "zoom")) bm.zoom = numberIn(*z, 0, 1e6, what, path + ".zoom");
      s.bookmarks.push_back(std::move(bm));
    }
  }
  return s;
}

json sessionToJsonObject(const Session& s) {
  json j = {{"nzview_session", kSessionVersion}, {"nzview_version", NZVIEW_VERSION}};
  json layers = json::array();
  for (const SessionLayer& l : s.layers) layers.push_back(layerJson(l));
  j["layers"] = std::move(layers);
  j["selected_layer"] = s.selectedLayer;
  if (s.crosshairMm) j["crosshair_mm"] = *s.crosshairMm;
  j["t"] = s.t;
  j["c"] = s.c;
  json views = json::object();
  for (std::size_t i = 0; i < 3; ++i) {
    json v = {{"zoom", s.views[i].zoom}};
    if (s.views[i].centerMm) v["center_mm"] = *s.views[i].centerMm;
    views[sessionViewNames()[i]] = std::move(v);
  }
  j["views"] = std::move(views);
  j["layout"] = s.layout;
  if (s.camera3d) j["camera_3d"] = *s.camera3d;
  if (s.rulers) j["rulers"] = *s.rulers;
  if (s.rois) {
    json rois = *s.rois;
    if (rois.contains("source") && rois["source"].is_string())
      rois["source"] = shareableUri(rois["source"].get<std::string>());
    j["rois"] = std::move(rois);
  }
  json bookmarks = json::array();
  for (const Bookmark& b : s.bookmarks)
    bookmarks.push_back(
        {{"name", toValidUtf8(b.name)}, {"crosshair_mm", b.crosshairMm}, {"zoom", b.zoom}});
  j["bookmarks"] = std::move(bookmarks);
  return j;
}

Session parseSession(const std::string& text, const std::string& what) {
  if (text.size() > kMaxSessionBytes)
    throw Error(ErrorKind::InvalidData, what + ": " + std::to_string(text.size()) +
                                            " bytes is too large for a session (at most 16 MiB)");
  const json j = parseJson(text, what);
  return sessionFromJsonObject(j, what);
}

std::string sessionJson(const Session& s) { return sessionToJsonObject(s).dump(2) + "\n"; }

bool looksLikeSession(const std::string& text) {
  const auto brace = text.find_first_not_of(" \t\r\n");
  if (brace == std::string::npos || text[brace] != '{') return false;
  return text.find("\"nzview_session\"") != std::string::npos;
}

}  // namespace nz
