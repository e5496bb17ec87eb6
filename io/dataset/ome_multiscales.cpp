#include "dataset/ome_multiscales.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nz {

using nlohmann::json;

namespace {

// Homogeneous (n+1)x(n+1) matrix in zarr axis order.
using Mat = std::vector<std::vector<double>>;

[[noreturn]] void bad(const std::string& what, const std::string& msg) {
  throw Error(ErrorKind::InvalidData, what + ": " + msg);
}

Mat identity(std::size_t n) {
  Mat m(n + 1, std::vector<double>(n + 1, 0.0));
  for (std::size_t i = 0; i <= n; ++i) m[i][i] = 1;
  return m;
}

Mat times(const Mat& a, const Mat& b) {
  const std::size_t n = a.size();
  Mat r(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t j = 0; j < n; ++j) r[i][j] += a[i][k] * b[k][j];
  return r;
}

double finiteNumber(const json& v, const std::string& field, const std::string& what) {
  if (!v.is_number()) bad(what, "field " + field + " holds a non-number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) bad(what, "field " + field + " is not finite");
  return d;
}

std::vector<double> numbers(const json& v, std::size_t n, const std::string& field,
                            const std::string& type, const std::string& what) {
  if (!v.is_array() || v.size() != n)
    bad(what, "field " + field + " " + type + " does not have " + std::to_string(n) + " numbers");
  std::vector<double> out;
  for (const auto& x : v) out.push_back(finiteNumber(x, field + " " + type, what));
  return out;
}

// The name of a 0.6 input/output: a string (0.6.dev2/dev3) or {"name": ..., "path": ...}.
std::string systemName(const json& t, const char* key) {
  const auto it = t.find(key);
  if (it == t.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return it->value("name", std::string());
  return "";
}

// An affine given as rows of n+1 numbers (or n rows of n for a rotation), or flat.
Mat matrixRows(const json& v, std::size_t n, bool linearOnly, const std::string& field,
               const std::string& what) {
  std::vector<double> flat;
  std::size_t cols = 0;
  if (v.is_array() && !v.empty() && v[0].is_array()) {
    if (v.size() != n)
      bad(what, "field " + field + " has " + std::to_string(v.size()) + " rows for " +
                    std::to_string(n) + " axes");
    cols = v[0].size();
    for (const auto& row : v) {
      if (!row.is_array() || row.size() != cols)
        bad(what, "field " + field + " rows differ in length");
      for (const auto& x : row) flat.push_back(finiteNumber(x, field, what));
    }
  } else if (v.is_array()) {
    for (const auto& x : v) flat.push_back(finiteNumber(x, field, what));
    cols = flat.size() / std::max<std::size_t>(n, 1);
    if (cols * n != flat.size()) cols = 0;
  }
  if (!(cols == n + 1 || (linearOnly && cols == n)))
    bad(what, "field " + field + " is not a " + std::to_string(n) + "x" + std::to_string(n + 1) +
                  " matrix");
  Mat m = identity(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) m[i][j] = flat[i * cols + j];
    if (cols == n + 1) m[i][n] = flat[i * cols + n];
  }
  return m;
}

// One transform (or a sequence) as a matrix; false (and a reason) when it is not linear or
// not supported.
bool transformMatrix(const json& t, std::size_t n, const std::string& field,
                     const std::string& what, Mat& out, std::string& why) {
  if (!t.is_object()) bad(what, "field " + field + " is not an object");
  const std::string type = t.value("type", std::string());
  out = identity(n);
  if (t.contains("path") && type != "sequence") {
    why = type + " stored in a binary array (path) is not supported";
    return false;
  }
  if (type == "identity") return true;
  if (type == "scale" || type == "translation") {
    const auto v = numbers(t.value(type, json()), n, field, type, what);
    for (std::size_t i = 0; i < n; ++i) {
      if (type == "scale")
        out[i][i] = v[i];
      else
        out[i][n] = v[i];
    }
    return true;
  }
  if (type == "affine" || type == "rotation") {
    out = matrixRows(t.value(type, json()), n, type == "rotation", field + " " + type, what);
    return true;
  }
  if (type == "mapAxis") {
    const json& v = t.value("mapAxis", json());
    if (!v.is_array() || v.size() != n) {
      why = "mapAxis is not a list of " + std::to_string(n) + " axis indices";
      return false;
    }
    Mat m(n + 1, std::vector<double>(n + 1, 0.0));
    m[n][n] = 1;
    for (std::size_t i = 0; i < n; ++i) {
      if (!v[i].is_number_integer() || v[i].get<std::int64_t>() < 0 ||
          v[i].get<std::int64_t>() >= static_cast<std::int64_t>(n)) {
        why = "mapAxis holds an invalid axis index";
        return false;
      }
      m[i][static_cast<std::size_t>(v[i].get<std::int64_t>())] = 1;
    }
    out = m;
    return true;
  }
  if (type == "byDimension") {
    // Each entry maps some input axes to some output axes with its own transform (indices;
    // "inputAxes"/"outputAxes" in 0.6rc0, "input_axes"/"output_axes" in the dev releases).
    // Every output axis must be written once; linear entries only (square: k axes to k).
    const json& list = t.value("transformations", json());
    if (!list.is_array()) bad(what, "field " + field + ".transformations is not a list");
    Mat m(n + 1, std::vector<double>(n + 1, 0.0));
    m[n][n] = 1;
    std::vector<bool> written(n, false);
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::string f = field + ".transformations[" + std::to_string(k) + "]";
      const json& e = list[k];
      if (!e.is_object()) bad(what, "field " + f + " is not an object");
      const json& in = e.contains("inputAxes") ? e["inputAxes"] : e.value("input_axes", json());
      const json& outAxes =
          e.contains("outputAxes") ? e["outputAxes"] : e.value("output_axes", json());
      auto indices = [&](const json& v, const char* name) {
        std::vector<std::size_t> r;
        if (!v.is_array() || v.empty())
          bad(what, "field " + f + "." + name + " is not a list of axis indices");
        for (const auto& x : v) {
          if (!x.is_number_integer() || x.get<std::int64_t>() < 0 ||
              x.get<std::int64_t>() >= static_cast<std::int64_t>(n))
            bad(what, "field " + f + "." + name + " holds an axis index outside 0.." +
                          std::to_string(n - 1));
          r.push_back(static_cast<std::size_t>(x.get<std::int64_t>()));
        }
        return r;
      };
      const auto ia = indices(in, "inputAxes"), oa = indices(outAxes, "outputAxes");
      if (ia.size() != oa.size()) {
        why = "byDimension entry " + std::to_string(k) + " maps " + std::to_string(ia.size()) +
              " input axes to " + std::to_string(oa.size()) + " output axes";
        return false;
      }
      Mat sub;
      if (!transformMatrix(e.value("transformation", json()), ia.size(), f + ".transformation",
                           what, sub, why))
        return false;
      for (std::size_t i = 0; i < oa.size(); ++i) {
        if (written[oa[i]])
          bad(what,
              "field " + f + " writes output axis " + std::to_string(oa[i]) + " a second time");
        written[oa[i]] = true;
        for (std::size_t j = 0; j < ia.size(); ++j) m[oa[i]][ia[j]] = sub[i][j];
        m[oa[i]][n] = sub[i][ia.size()];
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      if (!written[i]) {
        why = "byDimension leaves output axis " + std::to_string(i) + " undefined";
        return false;
      }
    out = m;
    return true;
  }
  if (type == "sequence") {
    const json& list = t.value("transformations", json());
    if (!list.is_array()) bad(what, "field " + field + ".transformations is not a list");
    for (std::size_t k = 0; k < list.size(); ++k) {
      Mat step;
      if (!transformMatrix(list[k], n, field + ".transformations[" + std::to_string(k) + "]", what,
                           step, why))
        return false;
      out = times(step, out);  // applied first to last
    }
    return true;
  }
  why = "transform type \"" + type + "\" is not supported";
  return false;
}

// Zarr-order (n+1)x(n+1) matrix -> xyz Matrix4; t/c rows and columns only give the time
// factor (`mixes`: space depends on t or c, which is ignored).
Matrix4 toXyz(const Mat& world, const std::vector<int>& slotOfDim, bool& mixes, double* timeScale) {
  const std::size_t n = slotOfDim.size();
  Matrix4 r{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  int dimOf[5] = {-1, -1, -1, -1, -1};
  for (std::size_t d = 0; d < n; ++d) dimOf[slotOfDim[d]] = static_cast<int>(d);
  mixes = false;
  for (int i = 0; i < 3; ++i) {
    if (dimOf[i] < 0) continue;
    const auto di = static_cast<std::size_t>(dimOf[i]);
    for (int j = 0; j < 3; ++j)
      if (dimOf[j] >= 0) r[i * 4 + j] = world[di][static_cast<std::size_t>(dimOf[j])];
    r[i * 4 + 3] = world[di][n];
    for (int s : {kOmeT, kOmeC})
      if (dimOf[s] >= 0 && world[di][static_cast<std::size_t>(dimOf[s])] != 0) mixes = true;
  }
  if (timeScale && dimOf[kOmeT] >= 0) {
    const auto dt = static_cast<std::size_t>(dimOf[kOmeT]);
    *timeScale = world[dt][dt];
  }
  return r;
}

int slotForAxis(const json& axis, const std::string& what, std::size_t i) {
  std::string name, type;
  if (axis.is_string()) {
    name = axis.get<std::string>();
  } else if (axis.is_object()) {
    name = axis.value("name", std::string());
    type = axis.value("type", std::string());
  }
  if (name == "x") return kOmeX;
  if (name == "y") return kOmeY;
  if (name == "z") return kOmeZ;
  if (name == "t" || name == "time" || type == "time") return kOmeT;
  if (name == "c" || name == "channel" || type == "channel") return kOmeC;
  throw Error(ErrorKind::Unsupported, what + ": multiscales axes[" + std::to_string(i) + "] \"" +
                                          name + "\" is not one of x, y, z, t, c");
}

// Which multiscales list to read: "ome" (0.5+) wins over a top-level copy.
const json* findMultiscales(const json& attrs, const std::string& what,
                            std::vector<std::string>& warnings) {
  const json* inOme = nullptr;
  const json* top = nullptr;
  if (attrs.contains("ome") && attrs["ome"].is_object() && attrs["ome"].contains("multiscales"))
    inOme = &attrs["ome"]["multiscales"];
  if (attrs.contains("multiscales")) top = &attrs["multiscales"];
  if (inOme && top && *inOme != *top) {
    warnings.push_back(what + ": \"ome.multiscales\" and the top-level \"multiscales\" disagree; " +
                       "using \"ome.multiscales\" (OME-Zarr 0.5)");
  }
  return inOme ? inOme : top;
}

// Level transforms: a diagonal matrix (scale, translation, identity or a sequence of them).
void levelTransform(const json& list, std::size_t n, const std::string& field,
                    const std::string& what, std::vector<double>& scale,
                    std::vector<double>& translation) {
  scale.assign(n, 1.0);
  translation.assign(n, 0.0);
  if (list.is_null()) return;
  if (!list.is_array()) bad(what, "field " + field + " is not a list");
  Mat m = identity(n);
  for (std::size_t k = 0; k < list.size(); ++k) {
    Mat step;
    std::string why;
    const std::string f = field + "[" + std::to_string(k) + "]";
    if (!transformMatrix(list[k], n, f, what, step, why))
      throw Error(ErrorKind::Unsupported, what + ": field " + f + ": " + why);
    m = times(step, m);
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && m[i][j] != 0)
        throw Error(ErrorKind::Unsupported, what + ": field " + field +
                                                " rotates or shears a level (only scale and " +
                                                "translation are allowed per level)");
    }
    scale[i] = m[i][i];
    translation[i] = m[i][n];
  }
}

}  // namespace

Matrix4 mul(const Matrix4& a, const Matrix4& b) {
  Matrix4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k) r[i * 4 + j] += a[i * 4 + k] * b[k * 4 + j];
  return r;
}

Matrix4 omeLevelMatrix(const OmeImage& img, std::size_t level) {
  Matrix4 p{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const OmeLevel& l = img.levels[level];
  for (std::size_t d = 0; d < img.slotOfDim.size(); ++d) {
    const int slot = img.slotOfDim[d];
    if (slot > kOmeZ) continue;
    p[slot * 4 + slot] = l.scale[d];
    p[slot * 4 + 3] = l.translation[d];
  }
  return p;
}

OmeImage parseMultiscales(const json& attrs, const std::string& what) {
  OmeImage img;
  const json* ms = findMultiscales(attrs, what, img.warnings);
  if (!ms || !ms->is_array() || ms->empty() || !(*ms)[0].is_object()) {
    throw Error(ErrorKind::InvalidData,
                what + ": no OME \"multiscales\" metadata (not an OME-Zarr / NIfTI-Zarr image)");
  }
  const json& m = (*ms)[0];
  if (attrs.contains("ome") && attrs["ome"].is_object())
    img.version = attrs["ome"].value("version", std::string());
  if (img.version.empty() && m.contains("version") && m["version"].is_string())
    img.version = m["version"].get<std::string>();

  const json& ds = m.value("datasets", json());
  if (!ds.is_array() || ds.empty()) bad(what, "field multiscales[0].datasets is empty");

  // Axes: "axes" (0.4/0.5), or the intrinsic system of "coordinateSystems" (0.6), i.e. the one
  // the levels' transforms lead to.
  json axes = m.value("axes", json());
  std::string intrinsic;
  const json& systems = m.value("coordinateSystems", json());
  if (axes.is_null() && systems.is_array() && !systems.empty()) {
    const json& t0 = ds[0].is_object() ? ds[0].value("coordinateTransformations", json()) : json();
    if (t0.is_array() && !t0.empty() && t0.back().is_object())
      intrinsic = systemName(t0.back(), "output");
    const json* chosen = &systems[0];
    for (const auto& s : systems)
      if (s.is_object() && s.value("name", std::string()) == intrinsic) chosen = &s;
    if (!chosen->is_object())
      bad(what, "field multiscales[0].coordinateSystems[0] is not an object");
    axes = chosen->value("axes", json());
    if (intrinsic.empty()) intrinsic = chosen->value("name", std::string());
  }
  if (!axes.is_array() || axes.size() < 2 || axes.size() > 5)
    bad(what, "field multiscales[0].axes must list 2 to 5 axes");
  std::array<bool, 5> seen{};
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int s = slotForAxis(axes[i], what, i);
    if (seen[s]) bad(what, "field multiscales[0].axes names an axis twice");
    seen[s] = true;
    img.slotOfDim.push_back(s);
    img.units.push_back(axes[i].is_object() && axes[i].contains("unit") &&
                                axes[i]["unit"].is_string()
                            ? axes[i]["unit"].get<std::string>()
                            : std::string());
  }
  if (!seen[kOmeX] || !seen[kOmeY]) bad(what, "field multiscales[0].axes lacks x or y");
  const std::size_t n = axes.size();

  for (std::size_t i = 0; i < ds.size(); ++i) {
    const std::string f = "multiscales[0].datasets[" + std::to_string(i) + "]";
    if (!ds[i].is_object() || !ds[i].contains("path") || !ds[i]["path"].is_string())
      bad(what, "field " + f + ".path is missing");
    OmeLevel l;
    l.path = ds[i]["path"].get<std::string>();
    while (!l.path.empty() && l.path.back() == '/') l.path.pop_back();
    if (l.path.empty() || l.path.find("..") != std::string::npos)
      bad(what, "field " + f + ".path is invalid");
    levelTransform(ds[i].value("coordinateTransformations", json()), n,
                   f + ".coordinateTransformations", what, l.scale, l.translation);
    img.levels.push_back(std::move(l));
  }

  // Transforms after the levels: 0.4/0.5 apply all of them in order; 0.6 lists edges from the
  // intrinsic system to named ones, one of which is the world.
  const json& global = m.value("coordinateTransformations", json());
  Mat world = identity(n);
  if (!global.is_null()) {
    const std::string field = "multiscales[0].coordinateTransformations";
    if (!global.is_array()) bad(what, "field " + field + " is not a list");
    bool named = false;
    for (const auto& t : global) named = named || (t.is_object() && t.contains("output"));
    std::vector<std::size_t> chosen;
    if (!named) {
      for (std::size_t k = 0; k < global.size(); ++k) chosen.push_back(k);
    } else {
      std::size_t pick = global.size();
      int rank = -1;
      for (std::size_t k = 0; k < global.size(); ++k) {
        const std::string in = systemName(global[k], "input");
        if (!in.empty() && !intrinsic.empty() && in != intrinsic) continue;
        const std::string out = systemName(global[k], "output");
        const int r = out == "nifti:sform" ? 3 : out == "nifti:qform" ? 2 : 1;
        if (r >= rank) {  // ties: the last one listed ("best" is listed last)
          rank = r;
          pick = k;
        }
      }
      if (pick < global.size()) {
        chosen.push_back(pick);
        img.worldSystem = systemName(global[pick], "output");
      }
    }
    for (std::size_t k : chosen) {
      Mat step;
      std::string why;
      const std::string f = field + "[" + std::to_string(k) + "]";
      if (!transformMatrix(global[k], n, f, what, step, why)) {
        img.warnings.push_back(what + ": " + f + " ignored: " + why);
        img.worldSystem.clear();
        world = identity(n);
        break;
      }
      world = times(step, world);
    }
  }
  bool mixes = false;
  img.world = toXyz(world, img.slotOfDim, mixes, &img.timeScale);
  img.intrinsicSystem = intrinsic;
  if (mixes)
    img.warnings.push_back(what + ": the world transform mixes time or channel into space; " +
                           "that part is ignored");
  return img;
}

std::optional<OmeScene> parseScene(const json& attrs, const std::string& what,
                                   const std::string& image) {
  if (!attrs.contains("ome") || !attrs["ome"].is_object() || !attrs["ome"].contains("scene"))
    return std::nullopt;
  if (attrs["ome"].contains("multiscales")) return std::nullopt;  // an image: read it as one
  const json& sc = attrs["ome"]["scene"];
  const std::string field = "ome.scene.coordinateTransformations";
  if (!sc.is_object() || !sc.contains("coordinateTransformations") ||
      !sc["coordinateTransformations"].is_array() || sc["coordinateTransformations"].empty())
    bad(what, "field " + field +
                  " is missing or empty (an OME-Zarr 0.6 scene relates images "
                  "through it)");
  OmeScene scene;
  const json& list = sc["coordinateTransformations"];
  for (std::size_t k = 0; k < list.size(); ++k) {
    const json& t = list[k];
    if (!t.is_object() || !t.contains("input") || !t["input"].is_object()) continue;
    const std::string path = t["input"].value("path", std::string());
    if (path.empty()) continue;
    if (path.find("..") != std::string::npos || path.front() == '/' || path.find('?') != path.npos)
      bad(what, "field " + field + "[" + std::to_string(k) + "].input.path is invalid");
    if (std::find(scene.images.begin(), scene.images.end(), path) == scene.images.end())
      scene.images.push_back(path);
    if (scene.transform.is_null() && (image.empty() || path == image)) {
      scene.transform = t;
      scene.field = field + "[" + std::to_string(k) + "]";
      scene.image = path;
      scene.inputSystem = systemName(t, "input");
      scene.outputSystem = systemName(t, "output");
    }
  }
  if (scene.image.empty() && !image.empty()) return std::nullopt;  // not one of its images
  if (scene.image.empty())
    bad(what, "field " + field + " names no image (no transform whose input has a \"path\")");
  return scene;
}

bool sceneMatrix(const OmeScene& scene, const OmeImage& img, const std::string& what, Matrix4& out,
                 std::string& why) {
  const std::string own = img.worldSystem.empty() ? img.intrinsicSystem : img.worldSystem;
  if (!scene.inputSystem.empty() && !own.empty() && scene.inputSystem != own) {
    why = "it starts from the image's system \"" + scene.inputSystem + "\", not \"" + own +
          "\" that nzview shows";
    return false;
  }
  Mat m;
  if (!transformMatrix(scene.transform, img.slotOfDim.size(), scene.field, what, m, why))
    return false;
  bool mixes = false;
  out = toXyz(m, img.slotOfDim, mixes, nullptr);
  if (mixes) {
    why = "it mixes time or channel into space";
    return false;
  }
  return true;
}

}  // namespace nz
