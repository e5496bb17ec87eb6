#pragma once
// OME-Zarr "multiscales" metadata (NGFF 0.4, 0.5 and 0.6 / RFC-5) read into one geometry:
// the axes mapped to NIfTI slots, each level's scale and translation, and the transform from
// the intrinsic (physical, axis-aligned) space to the world space shown to the user.
//
//   nz::OmeImage img = nz::parseMultiscales(groupAttributes, "scan.ome.zarr/zarr.json");
//   nz::Matrix4 level0 = nz::mul(img.world, nz::omeLevelMatrix(img, 0));
//
// Where the metadata lives: 0.4 at the top of the attributes, 0.5/0.6 under "ome". A group
// with both (niizarr writes both for old Neuroglancer) is read from "ome"; when the two
// disagree a warning says so. 0.6 names "coordinateSystems" instead of "axes"; a level's
// transform is scale, translation, identity or a sequence of them; the multiscales-level
// transforms (scale, translation, identity, affine, rotation, mapAxis, sequence) lead from the
// intrinsic system to named systems, of which "nifti:sform", then "nifti:qform", then the last
// one listed is taken as the world. Pure; errors are nz::Error naming `what` and the field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dataset/dataset.h"

namespace nz {

// Axis slots in NIfTI order.
inline constexpr int kOmeX = 0, kOmeY = 1, kOmeZ = 2, kOmeT = 3, kOmeC = 4;

struct OmeLevel {
  std::string path;
  std::vector<double> scale, translation;  // zarr axis order
};

struct OmeImage {
  std::string version;         // "0.4", "0.5", "0.6..." or "" when not given
  std::vector<int> slotOfDim;  // zarr dim -> NIfTI slot (no z for a 2D image)
  std::vector<std::string> units;
  std::vector<OmeLevel> levels;
  Matrix4 world{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};  // xyz: world from intrinsic
  double timeScale = 1;         // the global transform's factor on t (NIfTI pixdim[4] factor)
  std::string worldSystem;      // 0.6: the coordinate system taken as the world, else ""
  std::string intrinsicSystem;  // 0.6: the system the levels' transforms lead to, else ""
  std::vector<std::string> warnings;
};

OmeImage parseMultiscales(const nlohmann::json& attrs, const std::string& what);

// OME-Zarr 0.6 `scene` (a group relating several images through coordinateTransformations
// whose input/output are {name, path}): the image nzview shows (the first one a transform
// starts from) and that transform into the scene's system. nullopt when the group has no
// scene, or is itself an image. Throws nz::Error naming `what` and the field.
struct OmeScene {
  std::string image;                      // subgroup path of the image shown
  std::vector<std::string> images;        // every image the scene's transforms start from
  std::string inputSystem, outputSystem;  // of the chosen transform
  nlohmann::json transform;               // the chosen transform
  std::string field;                      // its place in the metadata, for messages
};
// With `image` (a subgroup path): the scene's first transform starting from that image instead,
// nullopt when none does.
std::optional<OmeScene> parseScene(const nlohmann::json& attrs, const std::string& what,
                                   const std::string& image = {});
// The chosen scene transform as world(scene) from world(image) in xyz; false (and why) when it
// starts from another system of the image than the one shown, or is not linear/supported.
bool sceneMatrix(const OmeScene& scene, const OmeImage& img, const std::string& what, Matrix4& out,
                 std::string& why);

// P_L = [diag(sx,sy,sz) | (tx,ty,tz)] of level L, from OME values in zarr order.
Matrix4 omeLevelMatrix(const OmeImage& img, std::size_t level);
Matrix4 mul(const Matrix4& a, const Matrix4& b);

}  // namespace nz
