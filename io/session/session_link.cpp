#include "session/session_link.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.h"
#include "core/json_parse.h"
#include "session/compact_text.h"
#include "session/json_fields.h"
#include "session/shareable_uri.h"

namespace nz {

using namespace session_detail;

namespace {

const std::string kWhat = "nzview link";
constexpr std::size_t kMaxLinkBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxInflated = std::size_t{16} << 20;
constexpr std::size_t kMaxParams = 20000;

[[noreturn]] void bad(const std::string& param, const std::string& problem) {
  throw Error(ErrorKind::InvalidData, kWhat + ": " + param + ": " + problem);
}

std::string num(double v, int digits) {
  if (v == 0) return "0";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string mm3(const std::array<double, 3>& p) {
  return num(p[0], 7) + "," + num(p[1], 7) + "," + num(p[2], 7);
}

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto comma = s.find(',', start);
    parts.push_back(
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

double parseNumber(const std::string& s, const std::string& param, double lo, double hi) {
  if (s.empty() || s.size() > 40) bad(param, "expects a number, got \"" + s.substr(0, 40) + "\"");
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || !std::isfinite(v)) bad(param, "expects a number, got \"" + s + "\"");
  if (v < lo || v > hi) bad(param, s + " is out of range [" + num(lo, 6) + ", " + num(hi, 6) + "]");
  return v;
}

std::array<double, 3> parsePoint(const std::vector<std::string>& parts, std::size_t first,
                                 const std::string& param) {
  if (parts.size() < first + 3) bad(param, "expects 3 numbers (x,y,z in mm)");
  return {parseNumber(parts[first], param, -kMaxMm, kMaxMm),
          parseNumber(parts[first + 1], param, -kMaxMm, kMaxMm),
          parseNumber(parts[first + 2], param, -kMaxMm, kMaxMm)};
}

bool parseFlag(const std::string& s, const std::string& param) {
  if (s == "1" || s == "true") return true;
  if (s == "0" || s == "false") return false;
  bad(param, "expects 0 or 1");
}

bool hasOnlyReadableFields(const Session& s) { return !s.rois && !s.rulers && !s.camera3d; }

}  // namespace

bool isSessionLink(const std::string& text) {
  if (text.size() < 7) return false;
  std::string head = text.substr(0, 7);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return head == "nzview:";
}

std::string sessionLinkReadable(const Session& s) {
  std::string q;
  auto add = [&q](const std::string& key, const std::string& value) {
    q += (q.empty() ? "" : "&") + key + "=" + value;
  };
  for (const SessionLayer& l : s.layers) {
    add(l.kind == SessionLayerKind::Labels ? "labels" : "image", queryEncode(shareableUri(l.uri)));
    if (!l.name.empty()) add("name", queryEncode(l.name, false));
    if (!l.labelTable.empty()) add("lut", queryEncode(shareableUri(l.labelTable)));
    if (!l.visible) add("visible", "0");
    if (l.opacity != 1) add("opacity", num(l.opacity, 4));
    if (l.outline) add("outline", "1");
    if (l.linear) add("linear", "1");
    if (!l.colormap.empty()) add("cmap", l.colormap);
    if (l.window) add("window", num((*l.window)[0], 7) + "," + num((*l.window)[1], 7));
    if (!l.hiddenLabels.empty()) {
      std::string h;
      for (auto v : l.hiddenLabels) h += (h.empty() ? "" : ",") + std::to_string(v);
      add("hidden", h);
    }
  }
  if (s.selectedLayer >= 0) add("sel", std::to_string(s.selectedLayer));
  if (s.crosshairMm) add("mm", mm3(*s.crosshairMm));
  if (s.t) add("t", std::to_string(s.t));
  if (s.c) add("c", std::to_string(s.c));
  const bool sameZoom = s.views[0].zoom == s.views[1].zoom && s.views[1].zoom == s.views[2].zoom;
  const bool anyCenter = s.views[0].centerMm || s.views[1].centerMm || s.views[2].centerMm;
  if (sameZoom && !anyCenter) {
    if (s.views[0].zoom > 0) add("zoom", num(s.views[0].zoom, 6));
  } else {
    for (std::size_t i = 0; i < 3; ++i) {
      std::string v = num(s.views[i].zoom, 6);
      if (s.views[i].centerMm) v += "," + mm3(*s.views[i].centerMm);
      add(sessionViewNames()[i], v);
    }
  }
  if (s.layout != "2x2") add("layout", queryEncode(s.layout));
  for (const Bookmark& b : s.bookmarks) {
    std::string v = queryEncode(b.name, false) + "," + mm3(b.crosshairMm);
    if (b.zoom > 0) v += "," + num(b.zoom, 6);
    add("bm", v);
  }
  return "nzview://open?" + q;
}

std::string sessionLinkCompact(const Session& s) {
  return "nzview://open?z=" + deflateBase64Url(sessionToJsonObject(s).dump());
}

std::string sessionLink(const Session& s) {
  const std::string compact = sessionLinkCompact(s);
  if (!hasOnlyReadableFields(s)) return compact;
  std::string readable = sessionLinkReadable(s);
  if (readable.size() <= kLinkSoftLimit || readable.size() <= compact.size()) return readable;
  return compact;
}

Session parseSessionLink(const std::string& link) {
  if (link.size() > kMaxLinkBytes)
    throw Error(ErrorKind::InvalidData, kWhat + ": " + std::to_string(link.size()) +
                                            " characters is too long (at most 1 MiB)");
  if (!isSessionLink(link))
    throw Error(ErrorKind::InvalidData, kWhat + ": does not start with nzview://");
  std::string rest = link.substr(7);
  while (!rest.empty() && rest[0] == '/') rest.erase(0, 1);
  const auto qmark = rest.find('?');
  std::string action = rest.substr(0, qmark);
  while (!action.empty() && action.back() == '/') action.pop_back();
  std::transform(action.begin(), action.end(), action.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (action != "open")
    bad("action", "only nzview://open?… is understood, not \"" + action.substr(0, 40) + "\"");
  if (qmark == std::string::npos) bad("query", "is missing (nothing to open)");
  std::string query = rest.substr(qmark + 1);
  if (const auto hash = query.find('#'); hash != std::string::npos) query.resize(hash);

  struct Param {
    std::string key, value, raw;  // value: percent-decoded; raw: as in the link
  };
  std::vector<Param> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto amp = query.find('&', start);
    const std::string item =
        query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      const auto eq = item.find('=');
      std::string key = item.substr(0, eq), value;
      if (eq == std::string::npos) bad(key.substr(0, 40), "has no value (key=value expected)");
      if (!queryDecode(item.substr(eq + 1), value)) bad(key.substr(0, 40), "has a broken %-escape");
      params.push_back({std::move(key), std::move(value), item.substr(eq + 1)});
      if (params.size() > kMaxParams) bad("query", "has too many parameters");
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }

  for (const auto& [key, value, raw] : params) {
    if (key == "z") {
      if (params.size() != 1) bad("z", "the compact form carries the whole session alone");
      const std::string json = inflateBase64Url(value, kMaxInflated, kWhat + ": z");
      return parseSession(json, kWhat + " (z)");
    }
  }

  Session s;
  for (const auto& [key, value, raw] : params) {
    SessionLayer* last = s.layers.empty() ? nullptr : &s.layers.back();
    auto needLayer = [&](const std::string& k) -> SessionLayer& {
      if (!last) bad(k, "comes before any image= or labels= layer");
      return *last;
    };
    if (key == "image" || key == "uri" || key == "labels") {
      if (value.empty()) bad(key, "is empty");
      if (value.size() > kMaxUriBytes) bad(key, "is longer than 8192 bytes");
      if (value.find('\0') != std::string::npos) bad(key, "contains a NUL byte");
      if (toValidUtf8(value) != value) bad(key, "is not valid UTF-8");
      if (s.layers.size() >= 256) bad(key, "more than 256 layers");
      SessionLayer l;
      l.uri = shareableUri(value);
      l.kind = key == "labels" ? SessionLayerKind::Labels : SessionLayerKind::Image;
      s.layers.push_back(std::move(l));
    } else if (key == "name") {
      if (value.size() > kMaxNameBytes) bad(key, "is longer than 1000 bytes");
      needLayer(key).name = toValidUtf8(value);
    } else if (key == "lut") {
      if (value.size() > kMaxUriBytes || value.find('\0') != std::string::npos ||
          toValidUtf8(value) != value)
        bad(key, "is not a usable path or URI");
      needLayer(key).labelTable = shareableUri(value);
    } else if (key == "visible") {
      needLayer(key).visible = parseFlag(value, key);
    } else if (key == "outline") {
      needLayer(key).outline = parseFlag(value, key);
    } else if (key == "linear") {
      needLayer(key).linear = parseFlag(value, key);
    } else if (key == "opacity") {
      needLayer(key).opacity = parseNumber(value, key, 0, 1);
    } else if (key == "cmap") {
      if (value != "grey" && value != "hot" && value != "viridis" && value != "labels")
        bad(key, "must be grey, hot, viridis or labels");
      needLayer(key).colormap = value;
    } else if (key == "window") {
      const auto parts = splitComma(value);
      if (parts.size() != 2) bad(key, "expects low,high");
      const double lo = parseNumber(parts[0], key, -1e300, 1e300);
      const double hi = parseNumber(parts[1], key, -1e300, 1e300);
      if (!(hi > lo)) bad(key, "high must be greater than low");
      needLayer(key).window = std::array<double, 2>{lo, hi};
    } else if (key == "hidden") {
      SessionLayer& l = needLayer(key);
      for (const std::string& p : splitComma(value)) {
        if (l.hiddenLabels.size() >= 100000) bad(key, "lists more than 100000 labels");
        l.hiddenLabels.push_back(static_cast<std::int64_t>(parseNumber(p, key, -9e15, 9e15)));
      }
    } else if (key == "sel") {
      s.selectedLayer = static_cast<int>(parseNumber(value, key, -1, 255));
    } else if (key == "mm") {
      s.crosshairMm = parsePoint(splitComma(value), 0, key);
    } else if (key == "t") {
      s.t = static_cast<std::int64_t>(parseNumber(value, key, 0, INT32_MAX));
    } else if (key == "c") {
      s.c = static_cast<std::int64_t>(parseNumber(value, key, 0, INT32_MAX));
    } else if (key == "zoom") {
      const auto parts = splitComma(value);
      if (parts.size() != 1 && parts.size() != 3) bad(key, "expects one zoom or three");
      for (std::size_t i = 0; i < 3; ++i)
        s.views[i].zoom = parseNumber(parts[parts.size() == 1 ? 0 : i], key, 0, 1e6);
    } else if (key == "axial" || key == "coronal" || key == "sagittal") {
      const std::size_t i = key == "axial" ? 0 : key == "coronal" ? 1 : 2;
      const auto parts = splitComma(value);
      if (parts.size() != 1 && parts.size() != 4) bad(key, "expects zoom or zoom,x,y,z");
      s.views[i].zoom = parseNumber(parts[0], key, 0, 1e6);
      if (parts.size() == 4) s.views[i].centerMm = parsePoint(parts, 1, key);
    } else if (key == "layout") {
      if (value.empty() || value.size() > 32) bad(key, "must be a short layout name");
      for (unsigned char ch : value)
        if (!(std::isalnum(ch) || ch == '-' || ch == '_')) bad(key, "must be a short layout name");
      s.layout = value;
    } else if (key == "bm") {
      // Split before decoding: a ',' inside the name is written as %2C.
      auto parts = splitComma(raw);
      if (parts.size() != 4 && parts.size() != 5) bad(key, "expects name,x,y,z[,zoom]");
      std::string name;
      (void)queryDecode(parts[0], name);
      parts[0] = toValidUtf8(name);
      if (s.bookmarks.size() >= 10000) bad(key, "more than 10000 bookmarks");
      Bookmark b;
      if (parts[0].size() > kMaxNameBytes) bad(key, "name longer than 1000 bytes");
      b.name = parts[0];
      b.crosshairMm = parsePoint(parts, 1, key);
      if (parts.size() == 5) b.zoom = parseNumber(parts[4], key, 0, 1e6);
      s.bookmarks.push_back(std::move(b));
    } else if (key == "v") {
      if (parseNumber(value, key, 1, 1e6) > kSessionVersion)
        bad(key, "written by a newer nzview (link version " + value + ")");
    }
    // Unknown parameters are ignored: a newer nzview may add some.
  }
  if (s.layers.empty()) bad("image", "is missing (a link names at least one dataset)");
  if (s.selectedLayer >= static_cast<int>(s.layers.size()))
    bad("sel", "names layer " + std::to_string(s.selectedLayer) + " of " +
                   std::to_string(s.layers.size()));
  return s;
}

}  // namespace nz
