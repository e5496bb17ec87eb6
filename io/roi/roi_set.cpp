#include "roi/roi_set.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/json_parse.h"

namespace nz {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxRois = 10000;
constexpr std::size_t kMaxNameBytes = 1000;
constexpr std::int64_t kMaxCoordinate = std::int64_t(1) << 40;  // far past any real volume

[[noreturn]] void bad(const std::string& what, const std::string& field, const std::string& why) {
  throw Error(ErrorKind::InvalidData, what + ": " + field + " " + why);
}

std::int64_t integer(const json& v, const std::string& what, const std::string& field) {
  if (!v.is_number_integer()) bad(what, field, "must be an integer");
  const std::int64_t x = v.get<std::int64_t>();
  if (x < -kMaxCoordinate || x > kMaxCoordinate) bad(what, field, "is out of range");
  return x;
}

NamedRoi parseRoi(const json& r, const std::string& what, const std::string& at,
                  const DatasetInfo* info) {
  if (!r.is_object()) bad(what, at, "must be an object");
  NamedRoi out;
  const auto name = r.find("name");
  if (name == r.end() || !name->is_string()) bad(what, at + ".name", "must be a string");
  out.name = name->get<std::string>();
  if (out.name.size() > kMaxNameBytes) bad(what, at + ".name", "is longer than 1000 bytes");

  ExportRequest& req = out.request;
  if (const auto l = r.find("level"); l != r.end()) {
    const std::int64_t level = integer(*l, what, at + ".level");
    if (level < 0) bad(what, at + ".level", "must be >= 0");
    if (info && level >= static_cast<std::int64_t>(info->levels.size()))
      bad(what, at + ".level",
          std::to_string(level) + " does not exist (levels 0.." +
              std::to_string(info->levels.size() - 1) + ")");
    req.level = static_cast<int>(std::min<std::int64_t>(level, 1 << 20));
  }

  const auto boxIt = r.find("box");
  if (boxIt == r.end() || !boxIt->is_array() || boxIt->size() < 3 || boxIt->size() > 5)
    bad(what, at + ".box", "must be a list of 3 to 5 [begin, end] ranges");
  Box box;
  if (info) {
    const Index5& shape = info->levels[static_cast<std::size_t>(req.level)].shape;
    for (int a = 3; a < 5; ++a) box.end[a] = shape[a];
  }
  for (std::size_t a = 0; a < boxIt->size(); ++a) {
    const std::string f = at + ".box[" + std::to_string(a) + "]";
    const json& range = (*boxIt)[a];
    if (!range.is_array() || range.size() != 2) bad(what, f, "must be [begin, end]");
    box.begin[a] = integer(range[0], what, f);
    box.end[a] = integer(range[1], what, f);
    if (box.end[a] <= box.begin[a]) bad(what, f, "is empty (end must be greater than begin)");
  }
  req.roi = box;

  if (const auto c = r.find("crop_or_pad"); c != r.end() && !c->is_null()) {
    if (!c->is_array() || c->size() != 3) bad(what, at + ".crop_or_pad", "must be [W, H, D]");
    std::array<std::int64_t, 3> target{};
    for (std::size_t a = 0; a < 3; ++a) {
      target[a] = integer((*c)[a], what, at + ".crop_or_pad");
      if (target[a] <= 0) bad(what, at + ".crop_or_pad", "sizes must be positive");
    }
    req.cropOrPad = target;
  }
  if (const auto m = r.find("pad_mode"); m != r.end()) {
    if (!m->is_string()) bad(what, at + ".pad_mode", "must be a string");
    try {
      req.padMode = padModeFromName(m->get<std::string>());
    } catch (const Error& e) {
      bad(what, at + ".pad_mode", e.what());
    }
  }
  if (const auto v = r.find("pad_value"); v != r.end()) {
    if (!v->is_number() || !std::isfinite(v->get<double>()))
      bad(what, at + ".pad_value", "must be a finite number");
    req.padValue = v->get<double>();
  }
  return out;
}

}  // namespace

RoiSet parseRoiSet(const std::string& jsonText, const std::string& what, const DatasetInfo* info) {
  std::string problem;
  const auto parsed = tryParseJson(jsonText, what, &problem);  // size and depth bounded
  if (!parsed) {
    // Keep the ROI file wording ("not valid JSON") for syntax errors; limits say their own.
    const auto at = problem.find(": malformed JSON");
    if (at != std::string::npos) problem.replace(at, 16, ": not valid JSON");
    throw Error(ErrorKind::InvalidData, problem);
  }
  const json& doc = *parsed;
  if (!doc.is_object()) bad(what, "the document", "must be a JSON object");
  const auto version = doc.find("nzview_rois");
  if (version == doc.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1)
    bad(what, "nzview_rois", "must be 1 (not an nzview ROI file?)");
  RoiSet set;
  if (const auto s = doc.find("source"); s != doc.end() && s->is_string())
    set.source = s->get<std::string>();
  const auto rois = doc.find("rois");
  if (rois == doc.end() || !rois->is_array()) bad(what, "rois", "must be a list");
  if (rois->size() > kMaxRois) bad(what, "rois", "has more than 10000 entries");
  for (std::size_t i = 0; i < rois->size(); ++i)
    set.rois.push_back(parseRoi((*rois)[i], what, "rois[" + std::to_string(i) + "]", info));
  return set;
}

std::string roiSetJson(const RoiSet& set) {
  json rois = json::array();
  for (const NamedRoi& r : set.rois) {
    const ExportRequest& q = r.request;
    const Box box = q.roi.value_or(Box{});
    int axes = std::clamp(set.ndim, 3, 5);
    if (set.ndim == 0)
      for (int a = 3; a < 5; ++a)
        if (!(box.begin[a] == 0 && box.end[a] == 1)) axes = a + 1;
    json ranges = json::array();
    for (int a = 0; a < axes; ++a) ranges.push_back({box.begin[a], box.end[a]});
    json o = {{"name", r.name}, {"level", q.level}, {"box", ranges}};
    if (q.cropOrPad) o["crop_or_pad"] = *q.cropOrPad;
    o["pad_mode"] = padModeName(q.padMode);
    o["pad_value"] = q.padValue;
    rois.push_back(std::move(o));
  }
  const json doc = {{"nzview_rois", 1}, {"source", set.source}, {"rois", rois}};
  // Invalid UTF-8 in a name (typed or pasted) is replaced rather than throwing.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace nz
