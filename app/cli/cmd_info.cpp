// nzview-cli info: header, geometry, pyramid and codecs of a scan. Reads metadata only.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/json_parse.h"
#include "dataset/dataset.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

using nlohmann::json;

const char* kUsage = "nzview-cli info URI [--json] [credential options]";
const char* kDescription =
    "Prints the header of a NIfTI-Zarr, OME-Zarr or NIfTI scan: shape, data type, affine,\n"
    "voxel size, units, intensity scaling, pyramid levels, chunking and codecs. Only metadata\n"
    "is read (no voxel chunk). With --json, one JSON object on stdout.\n"
    "\n"
    "When the scan has a binary NIfTI header, every field of it is shown (dim_info, intent_*,\n"
    "slice_*, cal_min/cal_max, toffset, descrip and aux_file as stored, the Analyze leftovers)\n"
    "and its extensions are listed with code, name, size and content when JSON or text;\n"
    "--json gives them as \"nifti_header\" under nibabel's field names. \"warnings\" lists what\n"
    "was read but looks wrong (OME metadata placed twice and disagreeing, a level whose\n"
    "declared scale does not match its shape, float16 data shown as float32).\n"
    "\n"
    "URI may also be a zipped OME-Zarr (.ozx, read with ranged requests) or an OME-Zarr 0.4,\n"
    "0.5 (\"ome.multiscales\") or 0.6 (coordinateSystems, affine transforms) group.";

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
    for (int c = 0; c < 4; ++c)
      row.push_back(number(m[static_cast<std::size_t>(r) * 4 + static_cast<std::size_t>(c)]));
    rows.push_back(row);
  }
  return rows;
}

json infoJson(const nz::DatasetInfo& info, const nz::StoreStats& st, double seconds) {
  auto axes = axesOf(info);
  json j;
  j["uri"] = nz::toValidUtf8(info.uri);
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
  // Header text is not always UTF-8 (a Latin-1 descrip): shown as Latin-1, never an error.
  j["description"] = nz::toValidUtf8(info.description);
  json warnings = json::array();
  for (const auto& s : info.warnings) warnings.push_back(nz::toValidUtf8(s));
  j["warnings"] = warnings;
  if (!info.levels.empty()) j["fill_value"] = number(info.levels[0].fillValue);
  json extra = json::object();
  if (!info.extraJson.empty()) {
    extra = json::parse(info.extraJson, nullptr, false);
    if (extra.is_discarded()) extra = json::object();
  }
  j["extra"] = extra;
  if (!info.niftiHeaderJson.empty()) {
    json header = json::parse(info.niftiHeaderJson, nullptr, false);
    if (!header.is_discarded()) j["nifti_header"] = header;
  }
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

// A stored text field for a terminal: printable ASCII as is, other bytes as \xNN (so bytes
// after an embedded NUL are visible).
std::string escaped(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

template <typename Row>
void printNiftiFields(const json& h, const Row& row) {
  auto num = [&](const char* k) { return h.contains(k) ? list(json::array({h[k]})) : ""; };
  const int dimInfo = h.value("dim_info", 0);
  row("dim_info", std::to_string(dimInfo) + " (freq " + std::to_string(dimInfo & 3) + ", phase " +
                      std::to_string((dimInfo >> 2) & 3) + ", slice " +
                      std::to_string((dimInfo >> 4) & 3) + ")");
  row("intent", "code " + num("intent_code") + ", name '" +
                    escaped(h.value("intent_name", std::string())) + "', p1 " + num("intent_p1") +
                    ", p2 " + num("intent_p2") + ", p3 " + num("intent_p3"));
  row("slice", "start " + num("slice_start") + ", end " + num("slice_end") + ", code " +
                   num("slice_code") + ", duration " + num("slice_duration"));
  row("cal_min/cal_max", num("cal_min") + " / " + num("cal_max"));
  row("toffset", num("toffset"));
  row("descrip", "'" + escaped(h.value("descrip", std::string())) + "'");
  row("aux_file", "'" + escaped(h.value("aux_file", std::string())) + "'");
  if (h.contains("db_name")) row("db_name", "'" + escaped(h.value("db_name", std::string())) + "'");
  const json& ext = h["extensions"];
  row("extensions", std::to_string(ext.size()));
  for (std::size_t i = 0; i < ext.size(); ++i) {
    const json& e = ext[i];
    std::string v = "code " + e["code"].dump() + " (" + e["name"].get<std::string>() + "), " +
                    e["size"].dump() + " bytes (esize " + e["esize"].dump() + "), " +
                    e["kind"].get<std::string>();
    if (e.contains("content")) {
      std::string c =
          e["content"].is_string() ? e["content"].get<std::string>() : e["content"].dump();
      if (c.size() > 200) c = c.substr(0, 200) + "...";
      v += ": " + escaped(c);
    }
    row("  extension " + std::to_string(i), v);
  }
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
      line += (c ? " " : "") +
              fmt(info.affine[static_cast<std::size_t>(r) * 4 + static_cast<std::size_t>(c)]);
    row(r == 0 ? "affine" : "", line + "]");
  }
  std::string pix;
  for (double p : info.pixdim) pix += (pix.empty() ? "" : " ") + fmt(p);
  row("pixdim", pix);
  if (!info.description.empty()) row("description", info.description);
  if (j.contains("nifti_header")) printNiftiFields(j["nifti_header"], row);
  row("levels", std::to_string(info.levels.size()));
  for (std::size_t i = 0; i < info.levels.size(); ++i) {
    const auto& l = j["levels"][i];
    std::string v = "path " + l["path"].get<std::string>() + "  shape " + list(l["shape"]) +
                    "  chunks " + list(l["chunks"]) + "  " + l["dtype"].get<std::string>() +
                    "  codecs " + list(l["codecs"], ",");
    row("  level " + std::to_string(i), v);
  }
  for (const auto& w : info.warnings) row("warning", w);
  const auto& st = j["stats"];
  row("requests", st["requests"].dump() + " (" + st["bytes"].dump() + " bytes, " +
                      fmt(st["seconds"].get<double>()) + " s)");
}

}  // namespace

int cmdInfo(const Args& args) {
  OptionParser parser("info", {{"--json", false, "", "print one JSON object on stdout", ""}});
  return runOneOperandCommand(parser, kUsage, kDescription, "URI", args, [](const ParsedArgs& a) {
    auto t0 = std::chrono::steady_clock::now();
    // The header is all info reads: no chunk wave to open connections for (unless asked).
    nz::StoreOptions store = a.store;
    store.extra.emplace("http.warm_connections", "0");
    auto ds = nz::openDataset(a.positional[0], store);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const nz::DatasetInfo& info = ds->info();
    // The text table has a row per warning; with --json they also go to stderr for a person.
    if (a.has("--json"))
      for (const auto& w : info.warnings) std::cerr << "warning: " << nz::toValidUtf8(w) << "\n";
    json j = infoJson(info, ds->store().stats(), seconds);
    if (a.has("--json"))
      std::cout << j.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    else
      printTable(info, j);
    return 0;
  });
}

}  // namespace nzcli
