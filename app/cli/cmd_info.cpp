// nzview-cli info: header, geometry, pyramid and codecs of a scan. Reads metadata only.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "dataset/dataset.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

using nlohmann::json;

const char* kUsage = "nzview-cli info URI [--json] [credential options]";
const char* kDescription =
    "Prints the header of a NIfTI-Zarr, OME-Zarr or NIfTI scan: shape, data type, affine,\n"
    "voxel size, units, intensity scaling, pyramid levels, chunking and codecs. Only metadata\n"
    "is read (no voxel chunk). With --json, one JSON object on stdout.";

int axisIndex(const std::string& name) {
  if (name == "x") return 0;
  if (name == "y") return 1;
  if (name == "z") return 2;
  if (name == "t") return 3;
  if (name == "c") return 4;
  return -1;
}

std::vector<std::string> axesOf(const nz::DatasetInfo& info) {
  if (!info.axes.empty()) return info.axes;
  std::vector<std::string> a{"x", "y", "z"};
  if (info.ndim >= 4) a.push_back("t");
  if (info.ndim >= 5) a.push_back("c");
  return a;
}

json shapeJson(const nz::Index5& s, const std::vector<std::string>& axes) {
  json out = json::array();
  for (const auto& a : axes) {
    int i = axisIndex(a);
    out.push_back(i >= 0 ? s[static_cast<std::size_t>(i)] : 1);
  }
  return out;
}

json number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json affineJson(const nz::Matrix4& m) {
  json rows = json::array();
  for (int r = 0; r < 4; ++r) {
    json row = json::array();
    for (int c = 0; c < 4; ++c) row.push_back(number(m[static_cast<std::size_t>(r * 4 + c)]));
    rows.push_back(row);
  }
  return rows;
}

json infoJson(const nz::DatasetInfo& info, const nz::StoreStats& st, double seconds) {
  auto axes = axesOf(info);
  json j;
  j["uri"] = info.uri;
  j["format"] = info.format;
  j["zarr_format"] = info.zarrFormat ? json(info.zarrFormat) : json(nullptr);
  j["nifti_version"] = info.niftiVersion ? json(info.niftiVersion) : json(nullptr);
  j["header_byte_order"] = info.headerBigEndian ? "big" : "little";
  j["shape"] = shapeJson(info.shape, axes);
  j["axes"] = axes;
  j["dtype"] = nz::dtypeName(info.dtype);
  j["affine"] = affineJson(info.affine);
  j["affine_source"] = info.affineSource;
  json pix = json::array();
  for (double p : info.pixdim) pix.push_back(number(p));
  j["pixdim"] = pix;
  j["spacing"] = {number(info.spacing[0]), number(info.spacing[1]), number(info.spacing[2])};
  j["units"] = {{"space", info.spaceUnit}, {"time", info.timeUnit}};
  j["scl_slope"] = number(info.sclSlope);
  j["scl_inter"] = number(info.sclInter);
  json levels = json::array();
  for (const auto& lv : info.levels) {
    json l;
    l["path"] = lv.path;
    l["shape"] = shapeJson(lv.shape, axes);
    l["chunks"] = shapeJson(lv.chunkShape, axes);
    l["dtype"] = nz::dtypeName(lv.dtype);
    l["codecs"] = lv.codecs;
    l["affine"] = affineJson(lv.affine);
    l["fill_value"] = number(lv.fillValue);
    if (lv.shardShape[0] > 0) l["shards"] = shapeJson(lv.shardShape, axes);
    if (!lv.compressorDetail.empty()) l["compressor"] = lv.compressorDetail;
    levels.push_back(l);
  }
  j["levels"] = levels;
  j["stats"] = {{"requests", st.requests},
                {"bytes", st.bytesReceived},
                {"disk_hits", st.diskHits},
                {"disk_bytes", st.diskBytes},
                {"seconds", seconds}};
  // Extras (the contract allows more fields than the ones above).
  j["sform_code"] = info.sformCode;
  j["qform_code"] = info.qformCode;
  j["intent_code"] = info.intentCode;
  j["description"] = info.description;
  if (!info.levels.empty()) j["fill_value"] = number(info.levels[0].fillValue);
  json extra = json::object();
  if (!info.extraJson.empty()) {
    extra = json::parse(info.extraJson, nullptr, false);
    if (extra.is_discarded()) extra = json::object();
  }
  j["extra"] = extra;
  return j;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string list(const json& a, const char* sep = " x ") {
  std::string s;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i) s += sep;
    s += a[i].is_string() ? a[i].get<std::string>() : a[i].dump();
  }
  return s;
}

void printTable(const nz::DatasetInfo& info, const json& j) {
  auto row = [](const std::string& k, const std::string& v) {
    std::cout << k << std::string(k.size() < 18 ? 18 - k.size() : 1, ' ') << v << "\n";
  };
  row("uri", info.uri);
  row("format",
      info.format + (info.zarrFormat ? " (zarr v" + std::to_string(info.zarrFormat) + ")" : ""));
  row("nifti header", info.niftiVersion ? "NIfTI-" + std::to_string(info.niftiVersion) + ", " +
                                              (info.headerBigEndian ? "big" : "little") + "-endian"
                                        : std::string("none (synthesised)"));
  row("shape", list(j["shape"]) + "  (" + list(j["axes"], ",") + ")");
  row("dtype", nz::dtypeName(info.dtype));
  row("spacing", fmt(info.spacing[0]) + " x " + fmt(info.spacing[1]) + " x " +
                     fmt(info.spacing[2]) + " " + info.spaceUnit);
  row("units", "space " + info.spaceUnit + ", time " + info.timeUnit);
  row("scaling", info.hasScaling()
                     ? "value = raw * " + fmt(info.sclSlope) + " + " + fmt(info.sclInter)
                     : "none (scl_slope " + fmt(info.sclSlope) + ")");
  row("affine source", info.affineSource + " (sform_code " + std::to_string(info.sformCode) +
                           ", qform_code " + std::to_string(info.qformCode) + ")");
  for (int r = 0; r < 4; ++r) {
    std::string line = "[";
    for (int c = 0; c < 4; ++c)
      line += (c ? " " : "") + fmt(info.affine[static_cast<std::size_t>(r * 4 + c)]);
    row(r == 0 ? "affine" : "", line + "]");
  }
  std::string pix;
  for (double p : info.pixdim) pix += (pix.empty() ? "" : " ") + fmt(p);
  row("pixdim", pix);
  if (!info.description.empty()) row("description", info.description);
  row("levels", std::to_string(info.levels.size()));
  for (std::size_t i = 0; i < info.levels.size(); ++i) {
    const auto& l = j["levels"][i];
    std::string v = "path " + l["path"].get<std::string>() + "  shape " + list(l["shape"]) +
                    "  chunks " + list(l["chunks"]) + "  " + l["dtype"].get<std::string>() +
                    "  codecs " + list(l["codecs"], ",");
    row("  level " + std::to_string(i), v);
  }
  const auto& st = j["stats"];
  row("requests", st["requests"].dump() + " (" + st["bytes"].dump() + " bytes, " +
                      fmt(st["seconds"].get<double>()) + " s)");
}

}  // namespace

int cmdInfo(const Args& args) {
  OptionParser parser("info", {{"--json", false, "", "print one JSON object on stdout", ""}});
  try {
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kUsage, kDescription);
      return 0;
    }
    if (a.positional.size() != 1)
      throw nz::Error(nz::ErrorKind::InvalidArgument,
                      a.positional.empty() ? "info needs a URI (see nzview-cli info --help)"
                                           : "info takes one URI (see nzview-cli info --help)");
    auto t0 = std::chrono::steady_clock::now();
    auto ds = nz::openDataset(a.positional[0], a.store);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const nz::DatasetInfo& info = ds->info();
    json j = infoJson(info, ds->store().stats(), seconds);
    if (a.has("--json"))
      std::cout << j.dump(1) << "\n";
    else
      printTable(info, j);
    return 0;
  } catch (const std::exception& e) {
    return reportError(e);
  }
}

}  // namespace nzcli
