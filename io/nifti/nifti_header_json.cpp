#include "nifti/nifti_header_json.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace nz {

using nlohmann::ordered_json;

namespace {

ordered_json number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// Printable ASCII, whitespace and well-formed UTF-8 only (no other control bytes).
bool looksLikeText(const std::string& s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    if (c >= 0xc2 && c < 0xe0)
      extra = 1;
    else if (c >= 0xe0 && c < 0xf0)
      extra = 2;
    else if (c >= 0xf0 && c < 0xf5)
      extra = 3;
    else
      return false;
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::string niftiExtensionName(int code) {
  static const char* const names[] = {"ignore",
                                      nullptr,
                                      "dicom",
                                      nullptr,
                                      "afni",
                                      nullptr,
                                      "comment",
                                      nullptr,
                                      "xcede",
                                      nullptr,
                                      "jimdiminfo",
                                      nullptr,
                                      "workflow_fwds",
                                      nullptr,
                                      "freesurfer",
                                      nullptr,
                                      "pypickle",
                                      nullptr,
                                      "mind_ident",
                                      nullptr,
                                      "b_value",
                                      nullptr,
                                      "spherical_direction",
                                      nullptr,
                                      "dt_component",
                                      nullptr,
                                      "shc_degreeorder",
                                      nullptr,
                                      "voxbo",
                                      nullptr,
                                      "caret",
                                      nullptr,
                                      "cifti",
                                      nullptr,
                                      "variable_frame_timing",
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      "eval",
                                      nullptr,
                                      "matlab",
                                      nullptr,
                                      "quantiphyse",
                                      nullptr,
                                      "mrs"};
  constexpr int n = static_cast<int>(sizeof names / sizeof names[0]);
  if (code >= 0 && code < n && names[code]) return names[code];
  return "unknown";
}

std::vector<NiftiExtensionSummary> summarizeNiftiExtensions(const NiftiHeader& h) {
  std::vector<NiftiExtensionSummary> out;
  for (const auto& e : h.extensions) {
    NiftiExtensionSummary s;
    s.code = e.code;
    s.name = niftiExtensionName(e.code);
    s.esize = (e.data.size() + 8 + 15) / 16 * 16;
    std::size_t n = e.data.size();
    while (n > 0 && e.data[n - 1] == 0) --n;
    s.size = n;
    const std::string text(reinterpret_cast<const char*>(e.data.data()), n);
    const ordered_json parsed = ordered_json::parse(text, nullptr, false);
    if (!text.empty() && !parsed.is_discarded() && (parsed.is_object() || parsed.is_array())) {
      s.kind = "json";
      s.content = parsed.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    } else if (looksLikeText(text)) {
      s.kind = "text";
      s.content = text;
    } else {
      s.kind = "binary";
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string niftiHeaderFieldsJson(const NiftiHeader& h) {
  ordered_json j;
  const bool v1 = h.version == 1;
  j["sizeof_hdr"] = h.headerSize();
  if (v1) {
    j["data_type"] = h.dataTypeName;
    j["db_name"] = h.dbName;
    j["extents"] = h.extents;
    j["session_error"] = h.sessionError;
    j["regular"] = h.regular ? std::string(1, static_cast<char>(h.regular)) : std::string();
  }
  j["dim_info"] = h.dimInfo;
  j["dim"] = h.dim;
  j["intent_p1"] = number(h.intentP1);
  j["intent_p2"] = number(h.intentP2);
  j["intent_p3"] = number(h.intentP3);
  j["intent_code"] = h.intentCode;
  j["datatype"] = h.datatype;
  j["bitpix"] = h.bitpix;
  j["slice_start"] = h.sliceStart;
  ordered_json pix = ordered_json::array();
  for (double p : h.pixdim) pix.push_back(number(p));
  j["pixdim"] = pix;
  j["vox_offset"] = number(h.voxOffset);
  j["scl_slope"] = number(h.sclSlope);
  j["scl_inter"] = number(h.sclInter);
  j["slice_end"] = h.sliceEnd;
  j["slice_code"] = h.sliceCode;
  j["xyzt_units"] = h.xyztUnits;
  j["cal_max"] = number(h.calMax);
  j["cal_min"] = number(h.calMin);
  j["slice_duration"] = number(h.sliceDuration);
  j["toffset"] = number(h.toffset);
  if (v1) {
    j["glmax"] = h.glmax;
    j["glmin"] = h.glmin;
  }
  j["descrip"] = h.descrip;
  j["aux_file"] = h.auxFile;
  j["qform_code"] = h.qformCode;
  j["sform_code"] = h.sformCode;
  j["quatern_b"] = number(h.quaternB);
  j["quatern_c"] = number(h.quaternC);
  j["quatern_d"] = number(h.quaternD);
  j["qoffset_x"] = number(h.qoffsetX);
  j["qoffset_y"] = number(h.qoffsetY);
  j["qoffset_z"] = number(h.qoffsetZ);
  for (const auto& [name, row] : {std::pair{"srow_x", &h.srowX}, std::pair{"srow_y", &h.srowY},
                                  std::pair{"srow_z", &h.srowZ}}) {
    ordered_json r = ordered_json::array();
    for (double v : *row) r.push_back(number(v));
    j[name] = r;
  }
  j["intent_name"] = h.intentName;
  j["magic"] = h.magic;
  if (!v1) {
    j["eol_check"] = h.eolCheck;
    j["unused_str"] = h.unusedStr;
  }
  ordered_json ext = ordered_json::array();
  for (const auto& s : summarizeNiftiExtensions(h)) {
    ordered_json e;
    e["code"] = s.code;
    e["name"] = s.name;
    e["esize"] = s.esize;
    e["size"] = s.size;
    e["kind"] = s.kind;
    if (s.kind == "json")
      e["content"] = ordered_json::parse(s.content, nullptr, false);
    else if (s.kind == "text")
      e["content"] = s.content;
    ext.push_back(std::move(e));
  }
  j["extensions"] = ext;
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace nz
