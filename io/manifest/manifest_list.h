#pragma once
// Lists a local folder of exports by their manifests (`nzview-cli manifest DIR --csv`): one row
// per *.nzview.json found under DIR (recursively, sorted by path), with the output's path
// (DIR-relative, as a training script opens it), source, voxel box, level, shape and SHA-256.
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"

namespace nz {

struct ListedManifest {
  std::string outputPath;    // DIR-relative path of the output (the manifest's name minus suffix)
  std::string manifestPath;  // DIR-relative path of the manifest
  ExportManifest manifest;
};

// Throws nz::Error(NotFound) when DIR is not a folder, nz::Error(InvalidData) naming the file
// for a manifest that cannot be read.
std::vector<ListedManifest> listManifests(const std::string& dir);

// "i0:i1,j0:j1,k0:k1[,t0:t1[,c0:c1]]" (the --roi syntax; t/c only when not 0:1).
std::string boxText(const Box& box);
// "60x55x40" (t and c only when not 1).
std::string shapeText(const Box& box);

// RFC 4180 CSV with header path,source,box,level,shape,sha256 (CRLF-free: '\n' line ends).
std::string manifestsCsv(const std::vector<ListedManifest>& list);

}  // namespace nz
