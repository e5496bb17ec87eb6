// nzview-cli manifest DIR [--csv|--json]: a folder of exports listed from their manifests.
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/error.h"
#include "manifest/manifest_list.h"

namespace nzcli {

namespace {

const char* kUsage = "nzview-cli manifest DIR [--csv | --json]";
const char* kDescription =
    "Lists every export under the local folder DIR (recursively) from the OUT.nzview.json\n"
    "manifests that nzview-cli export and the viewer write next to their outputs, sorted by\n"
    "path. --csv (the default) prints one CSV table (RFC 4180, header line\n"
    "path,source,box,level,shape,sha256) that a training script reads directly: path is the\n"
    "output relative to DIR, source the URI it was cut from (secrets removed), box the voxel\n"
    "box written at that level as i0:i1,j0:j1,k0:k1 (the --roi syntax), shape WxHxD, sha256\n"
    "the output file's SHA-256 (for a .nii.zarr: the SHA-256 of its sorted \"<sha256>  <key>\"\n"
    "lines). --json prints the manifests themselves as one JSON list.";

}  // namespace

int cmdManifest(const Args& args) {
  OptionParser parser("manifest",
                      {{"--csv", false, "", "print CSV (the default)", ""},
                       {"--json", false, "", "print the manifests as a JSON list", ""}});
  return runOneOperandCommand(
      parser, kUsage, kDescription, "folder", args, [](const ParsedArgs& a) {
        if (a.has("--csv") && a.has("--json"))
          throw nz::Error(nz::ErrorKind::InvalidArgument, "--csv and --json exclude each other");
        const auto list = nz::listManifests(a.positional[0]);
        if (a.has("--json")) {
          nlohmann::json all = nlohmann::json::array();
          for (const auto& l : list) {
            nlohmann::json j = nlohmann::json::parse(nz::manifestToJson(l.manifest));
            j["manifest_path"] = l.manifestPath;
            all.push_back(std::move(j));
          }
          std::cout << all.dump(2) << "\n";
        } else {
          std::cout << nz::manifestsCsv(list);
        }
        return 0;
      });
}

}  // namespace nzcli
