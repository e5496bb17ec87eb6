#include "manifest/manifest_list.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace nz {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int axesShown(const Box& b) {
  if (b.begin[4] != 0 || b.end[4] != 1) return 5;
  if (b.begin[3] != 0 || b.end[3] != 1) return 4;
  return 3;
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::vector<ListedManifest> listManifests(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ErrorKind::NotFound, dir + ": not a folder");
  std::vector<ListedManifest> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // A .nii.zarr tree holds no manifests (its sidecar is beside it): do not walk into it.
    if (it->is_directory(ec) && endsWith(name, ".nii.zarr")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !endsWith(name, kManifestSuffix)) continue;
    std::ifstream f(it->path(), std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    ListedManifest l;
    l.manifestPath = rel;
    l.outputPath = rel.substr(0, rel.size() - std::string(kManifestSuffix).size());
    l.manifest = manifestFromJson(text.str(), it->path().string());
    out.push_back(std::move(l));
  }
  if (ec) throw Error(ErrorKind::Io, dir + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.outputPath < b.outputPath; });
  return out;
}

std::string boxText(const Box& box) {
  std::string s;
  for (int a = 0; a < axesShown(box); ++a)
    s += (a ? "," : "") + std::to_string(box.begin[a]) + ":" + std::to_string(box.end[a]);
  return s;
}

std::string shapeText(const Box& box) {
  std::string s;
  for (int a = 0; a < axesShown(box); ++a)
    s += (a ? "x" : "") + std::to_string(box.end[a] - box.begin[a]);
  return s;
}

std::string manifestsCsv(const std::vector<ListedManifest>& list) {
  std::string out = "path,source,box,level,shape,sha256\n";
  for (const auto& l : list) {
    const ExportManifest& m = l.manifest;
    out += csvField(l.outputPath) + "," + csvField(m.source) + "," + csvField(boxText(m.voxelBox)) +
           "," + std::to_string(m.level) + "," + csvField(shapeText(m.voxelBox)) + "," +
           csvField(m.sha256) + "\n";
  }
  return out;
}

}  // namespace nz
