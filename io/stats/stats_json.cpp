#include "stats/stats_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "core/json_parse.h"
#include "roi/roi_box.h"

namespace nz {

namespace {

using nlohmann::json;

json number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json boxJson(const Box& b, int ndim) {
  json a = json::array();
  for (int i = 0; i < std::max(3, std::min(ndim, 5)); ++i) a.push_back({b.begin[i], b.end[i]});
  return a;
}

std::string percentileKey(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

}  // namespace

std::string statNumber(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string roiStatsJson(const RoiStats& s, int ndim, int indent) {
  json j;
  j["uri"] = toValidUtf8(s.uri);
  j["level"] = s.level;
  j["roi"] = boxJson(s.box, ndim);
  j["roi_text"] = roiText(s.box, ndim);
  j["voxels"] = s.voxels;
  j["nan_count"] = s.nanCount;
  j["valid_voxels"] = s.valid;
  j["voxel_volume_mm3"] = number(s.voxelVolume);
  j["volume_mm3"] = number(s.volume);
  j["scaled"] = s.scaled;
  j["min"] = number(s.min);
  j["max"] = number(s.max);
  j["mean"] = number(s.mean);
  j["std"] = number(s.std);
  j["median"] = number(s.median);
  json p = json::object();
  for (const auto& [pct, v] : s.percentiles) p[percentileKey(pct)] = number(v);
  j["percentiles"] = p;
  j["passes"] = s.passes;
  if (!s.labels.empty()) {
    json labels = json::array();
    for (const LabelStats& l : s.labels) {
      json row;
      row["label"] = l.label;
      row["voxels"] = l.voxels;
      row["volume_mm3"] = number(l.volume);
      row["bbox"] = boxJson(l.bbox, ndim);
      row["min"] = number(l.min);
      row["max"] = number(l.max);
      row["mean"] = number(l.mean);
      row["std"] = number(l.std);
      row["nan_count"] = l.nanCount;
      labels.push_back(row);
    }
    j["labels"] = labels;
  }
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string roiStatsText(const RoiStats& s, int ndim) {
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    out += k + std::string(k.size() < 14 ? 14 - k.size() : 1, ' ') + v + "\n";
  };
  row("uri", s.uri);
  row("level", std::to_string(s.level));
  row("roi", roiText(s.box, ndim));
  row("voxels", std::to_string(s.voxels) + " (" + std::to_string(s.nanCount) + " NaN)");
  row("volume", statNumber(s.volume) + " mm^3 (voxel " + statNumber(s.voxelVolume) + " mm^3)");
  row("scaled", s.scaled ? "yes (scl_slope/scl_inter applied)" : "no");
  row("min", statNumber(s.min));
  row("max", statNumber(s.max));
  row("mean", statNumber(s.mean));
  row("std", statNumber(s.std));
  row("median", statNumber(s.median));
  for (const auto& [p, v] : s.percentiles) row("p" + percentileKey(p), statNumber(v));
  if (!s.labels.empty()) {
    out +=
        "\nlabel        voxels     volume_mm3     mean           min            max            "
        "bbox\n";
    for (const LabelStats& l : s.labels) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "%-12lld %-10llu %-14s %-14s %-14s %-14s ",
                    static_cast<long long>(l.label), static_cast<unsigned long long>(l.voxels),
                    statNumber(l.volume).c_str(), statNumber(l.mean).c_str(),
                    statNumber(l.min).c_str(), statNumber(l.max).c_str());
      out += buf + roiText(l.bbox, 3) + "\n";
    }
  }
  return out;
}

}  // namespace nz
