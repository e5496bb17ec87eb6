#include "write/zarr_nifti_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace nz {

using nlohmann::ordered_json;

namespace {

const char* xformName(int code) {
  switch (code) {
    case 1:
      return "scanner_anat";
    case 2:
      return "aligned_anat";
    case 3:
      return "talairach";
    case 4:
      return "mni_152";
    case 5:
      return "template_other";
    default:
      return "unknown";
  }
}

const char* jniftiTypeName(int code) {
  switch (code) {
    case 2:
      return "uint8";
    case 4:
      return "int16";
    case 8:
      return "int32";
    case 16:
      return "single";
    case 32:
      return "complex64";
    case 64:
      return "double";
    case 256:
      return "int8";
    case 512:
      return "uint16";
    case 768:
      return "uint32";
    case 1024:
      return "int64";
    case 1280:
      return "uint64";
    case 1792:
      return "complex128";
    default:
      return "";
  }
}

// JNIfTI writes an empty string where the NIfTI unit code is unknown.
std::string jnUnit(const std::string& niftiUnit) {
  return niftiUnit == "unknown" ? std::string() : niftiUnit;
}

// niizarr removes newlines, tabs and NULs from text fields (all of them, not only the
// trailing padding).
std::string jsonText(const std::string& field) {
  std::string out;
  for (char c : field)
    if (c != '\n' && c != '\r' && c != '\t' && c != '\0') out += c;
  return out;
}

// niizarr writes non-finite numbers as 0.0.
double finite(double v) { return std::isfinite(v) ? v : 0.0; }

const char* omeSpaceUnit(int u) {
  switch (u & 0x07) {
    case 1:
      return "meter";
    case 3:
      return "micrometer";
    default:
      return "millimeter";  // mm, and niizarr's choice for unknown
  }
}

const char* omeTimeUnit(int u) {
  switch (u & 0x38) {
    case 16:
      return "millisecond";
    case 24:
      return "microsecond";
    case 32:
      return "hertz";
    case 40:
      return "micro";
    case 48:
      return "radian";
    default:
      return "second";
  }
}

}  // namespace

std::string niftiHeaderJsonText(const NiftiHeader& h) {
  ordered_json j;
  j["NIIHeaderSize"] = h.headerSize();
  std::vector<std::int64_t> dim;
  for (int i = 1; i <= h.dim[0] && i < 8; ++i) dim.push_back(h.dim[i]);
  j["Dim"] = dim;
  j["DimInfo"] = {
      {"Freq", h.dimInfo & 3}, {"Phase", (h.dimInfo >> 2) & 3}, {"Slice", (h.dimInfo >> 4) & 3}};
  j["Param1"] = finite(h.intentP1);
  j["Param2"] = finite(h.intentP2);
  j["Param3"] = finite(h.intentP3);
  j["Intent"] = h.intentCode == 1002   ? "label"
                : h.intentCode == 1003 ? "neuronames"
                : h.intentCode == 0    ? ""
                                       : std::to_string(h.intentCode);
  j["DataType"] = jniftiTypeName(h.datatype);
  j["BitDepth"] = h.bitpix;
  j["FirstSliceID"] = h.sliceStart;
  std::vector<double> vox;
  for (int i = 1; i <= h.dim[0] && i < 8; ++i) vox.push_back(finite(h.pixdim[i]));
  j["VoxelSize"] = vox;
  j["Orientation"] = {{"x", h.pixdim[0] == 0 ? "r" : "l"}, {"y", "a"}, {"z", "s"}};
  j["NIIByteOffset"] = finite(h.voxOffset);
  j["ScaleSlope"] = finite(h.sclSlope);
  j["ScaleOffset"] = finite(h.sclInter);
  j["LastSliceID"] = h.sliceEnd;
  j["SliceType"] = h.sliceCode == 0 ? "" : std::to_string(h.sliceCode);
  j["Unit"] = {{"L", jnUnit(niftiSpaceUnit(h.xyztUnits))},
               {"T", jnUnit(niftiTimeUnit(h.xyztUnits))}};
  j["MaxIntensity"] = finite(h.calMax);
  j["MinIntensity"] = finite(h.calMin);
  j["SliceTime"] = finite(h.sliceDuration);
  j["TimeOffset"] = finite(h.toffset);
  j["Description"] = jsonText(h.descrip);
  j["AuxFile"] = jsonText(h.auxFile);
  j["QForm"] = xformName(h.qformCode);
  j["SForm"] = xformName(h.sformCode);
  j["Quatern"] = {{"b", finite(h.quaternB)}, {"c", finite(h.quaternC)}, {"d", finite(h.quaternD)}};
  j["QuaternOffset"] = {
      {"x", finite(h.qoffsetX)}, {"y", finite(h.qoffsetY)}, {"z", finite(h.qoffsetZ)}};
  ordered_json aff = ordered_json::array();
  for (const auto* row : {&h.srowX, &h.srowY, &h.srowZ}) {
    aff.push_back({finite((*row)[0]), finite((*row)[1]), finite((*row)[2]), finite((*row)[3])});
  }
  j["Affine"] = aff;
  j["Name"] = jsonText(h.intentName);
  j["NIIFormat"] = h.magic;
  j["NIFTIExtension"] = {h.extensions.empty() ? 0 : 1, 0, 0, 0};
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace);
}

std::string omeMultiscalesJsonText(const NiftiHeader& h, int ndim,
                                   const std::vector<Index5>& levelShapes, bool withVersion) {
  ordered_json axes = ordered_json::array();
  if (ndim >= 4) {
    axes.push_back({{"name", "t"}, {"type", "time"}, {"unit", omeTimeUnit(h.xyztUnits)}});
  }
  if (ndim == 5) axes.push_back({{"name", "c"}, {"type", "channel"}});
  for (const char* n : {"z", "y", "x"}) {
    axes.push_back({{"name", n}, {"type", "space"}, {"unit", omeSpaceUnit(h.xyztUnits)}});
  }
  // Absolute voxel sizes in zarr order z, y, x; factor f per axis doubles when it shrinks.
  const double pz = std::fabs(h.pixdim[3]), py = std::fabs(h.pixdim[2]),
               px = std::fabs(h.pixdim[1]);
  const double p[3] = {pz, py, px};
  const int nifAxis[3] = {2, 1, 0};
  double f[3] = {1, 1, 1};
  ordered_json datasets = ordered_json::array();
  for (std::size_t L = 0; L < levelShapes.size(); ++L) {
    std::vector<double> scale, trans;
    for (int k = 0; k < ndim - 3; ++k) {
      scale.push_back(1.0);
      trans.push_back(0.0);
    }
    for (int a = 0; a < 3; ++a) {
      if (L > 0 && levelShapes[L][nifAxis[a]] != levelShapes[L - 1][nifAxis[a]]) f[a] *= 2;
      scale.push_back(p[a] * f[a]);
      trans.push_back(p[a] * (f[a] - 1) / 2);
    }
    datasets.push_back(
        {{"path", std::to_string(L)},
         {"coordinateTransformations",
          ordered_json::array({{{"type", "scale"}, {"scale", scale}},
                               {{"type", "translation"}, {"translation", trans}}})}});
  }
  std::vector<double> global;
  if (ndim >= 4) global.push_back(std::isfinite(h.pixdim[4]) ? h.pixdim[4] : 1.0);
  if (ndim == 5) global.push_back(1.0);
  for (int a = 0; a < 3; ++a) global.push_back(1.0);
  ordered_json ms;
  ms["axes"] = axes;
  ms["coordinateTransformations"] = ordered_json::array({{{"type", "scale"}, {"scale", global}}});
  ms["datasets"] = datasets;
  ms["name"] = "";
  ms["type"] = "median window 2x2x2";  // niizarr's label, although the method is Gaussian
  if (withVersion) ms["version"] = "0.4";
  return ms.dump();
}

}  // namespace nz
