#include "roi/export_replay.h"

#include <filesystem>

#include "core/error.h"
#include "uri/uri.h"

namespace nz {

ExportRequest requestFromManifest(const ExportManifest& m) {
  ExportRequest req;
  req.level = m.level;
  req.roi = m.roi;
  req.cropOrPad = m.cropOrPad;
  try {
    req.padMode = padModeFromName(m.padMode);
  } catch (const Error&) {
    throw Error(ErrorKind::InvalidData, "manifest: unknown pad_mode '" + m.padMode + "'");
  }
  req.padValue = m.padValue;
  return req;
}

ReplayResult replayExport(const ExportManifest& m, const ReplayOptions& options,
                          CancelToken cancel) {
  const std::string source = options.source.empty() ? m.source : options.source;
  if (options.source.empty() && m.source.find("REDACTED") != std::string::npos)
    throw Error(ErrorKind::InvalidArgument,
                "the manifest's source " + m.source +
                    " had a secret in it (removed); give the source again with --source URI or "
                    "the credential flags");
  auto dataset = openDataset(source, options.base.store);
  ReplayResult result;
  result.changes = compareValidators(m.validators, collectValidators(*dataset));
  if (!m.validatorsError.empty())
    result.changes.insert(
        result.changes.begin(),
        "the export could not record the source's validators (" + m.validatorsError + ")");
  if (!result.changes.empty() && !options.allowChanged) {
    std::string list;
    for (const auto& c : result.changes) list += (list.empty() ? "" : "; ") + c;
    throw Error(ErrorKind::InvalidData, "the source " + redactSecrets(source) +
                                            " changed since the export (" + list +
                                            "); --allow-changed replays it anyway");
  }
  const ExportPlan plan = planExport(dataset->info(), requestFromManifest(m));
  if (plan.outBox.begin != m.voxelBox.begin || plan.outBox.end != m.voxelBox.end)
    throw Error(ErrorKind::InvalidData,
                "the manifest's voxel box does not follow from its request on " +
                    redactSecrets(source) + " (was the level's shape changed?)");
  ExportOutputOptions oo = options.base;
  oo.gzipLevel = m.gzipLevel;
  oo.zarrVersion = m.zarrVersion;
  oo.chunk = m.chunk;
  oo.shard = m.shard;
  oo.compressor = m.compressor;
  oo.manifest = &result.manifest;
  const std::string out = options.output.empty() ? m.output : options.output;
  if (options.output.empty() && m.output.find("REDACTED") != std::string::npos)
    throw Error(ErrorKind::InvalidArgument,
                "the manifest's output " + m.output + " had a secret in it; give -o OUT");
  // Never replace the recorded output unasked (a manifest may come from someone else).
  std::error_code ec;
  if (options.output.empty() && out.find("://") == std::string::npos &&
      std::filesystem::exists(out, ec))
    throw Error(ErrorKind::InvalidArgument, "the recorded output " + out +
                                                " exists; give -o OUT to replay elsewhere (or "
                                                "remove it)");
  runExport(*dataset, plan, out, oo, cancel);
  result.output = redactSecrets(out);
  result.identical = result.manifest.sha256 == m.sha256;
  if (!result.identical && result.changes.empty())
    throw Error(ErrorKind::InvalidData,
                "the replay wrote " + result.output + " with SHA-256 " + result.manifest.sha256 +
                    " but the manifest records " + m.sha256 +
                    " although the source is unchanged (a different nzview version or codec "
                    "library?)");
  return result;
}

}  // namespace nz
