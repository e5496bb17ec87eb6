#include "roi/export_replay.h"

#include <filesystem>
#include "roi/export_with.h"

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

namespace {

// DIR joined with the file name of `recorded` (query strings kept on DIR's side).
std::string inDirectory(const std::string& dir, const std::string& recorded) {
  std::string path = recorded.substr(0, recorded.find('?'));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string name =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const auto q = dir.find('?');
  std::string head = dir.substr(0, q);
  const std::string query = q == std::string::npos ? std::string() : dir.substr(q);
  if (!head.empty() && head.back() != '/') head += '/';
  return head + name + query;
}

void refuseExisting(const std::string& out) {
  std::error_code ec;
  if (out.find("://") == std::string::npos && std::filesystem::exists(out, ec))
    throw Error(ErrorKind::InvalidArgument, "the recorded output " + out +
                                                " exists; give -o OUT to replay elsewhere (or "
                                                "remove it)");
}

std::string joined(const std::vector<std::string>& list) {
  std::string text;
  for (const auto& c : list) text += (text.empty() ? "" : "; ") + c;
  return text;
}

}  // namespace

ReplayResult replayExport(const ExportManifest& m, const ReplayOptions& options,
                          CancelToken cancel) {
  if (m.role == "labels")
    throw Error(ErrorKind::InvalidArgument,
                "this manifest is the label map of an `export --with` pair (image " +
                    m.pairedImage + "): replay the image's manifest " +
                    manifestPathFor(m.pairedImage) + ", which rebuilds and checks both files");
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
  if (!result.changes.empty() && !options.allowChanged)
    throw Error(ErrorKind::InvalidData, "the source " + redactSecrets(source) +
                                            " changed since the export (" + joined(result.changes) +
                                            "); --allow-changed replays it anyway");
  std::shared_ptr<Dataset> labels;
  std::vector<std::string> labelChanges;
  if (m.labels) {
    const std::string labelsSource =
        options.labelsSource.empty() ? m.labels->source : options.labelsSource;
    if (options.labelsSource.empty() && labelsSource.find("REDACTED") != std::string::npos)
      throw Error(ErrorKind::InvalidArgument,
                  "the manifest's label map " + labelsSource +
                      " had a secret in it (removed); give it again with --with URI");
    labels = openDataset(labelsSource, options.base.store);
    requireLabelDataset(labels->info());
    labelChanges = compareValidators(m.labels->validators, collectValidators(*labels));
    if (!m.labels->validatorsError.empty())
      labelChanges.insert(labelChanges.begin(),
                          "the export could not record the label map's validators (" +
                              m.labels->validatorsError + ")");
    if (!labelChanges.empty() && !options.allowChanged)
      throw Error(ErrorKind::InvalidData, "the label map " + redactSecrets(labelsSource) +
                                              " changed since the export (" + joined(labelChanges) +
                                              "); --allow-changed replays it anyway");
    for (const auto& c : labelChanges) result.changes.push_back("label map: " + c);
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
  oo.bigEndian = m.byteOrder == "big";
  oo.manifest = &result.manifest;
  if (options.output.empty() && m.output.find("REDACTED") != std::string::npos)
    throw Error(ErrorKind::InvalidArgument,
                "the manifest's output " + m.output + " had a secret in it; give -o OUT");
  if (m.labels) {
    // A pair: -o is a directory receiving both files under their recorded names.
    if (options.output.empty() && m.labels->output.find("REDACTED") != std::string::npos)
      throw Error(ErrorKind::InvalidArgument, "the manifest's label output " + m.labels->output +
                                                  " had a secret in it; give -o DIR");
    const std::string out =
        options.output.empty() ? m.output : inDirectory(options.output, m.output);
    const std::string labelsOut =
        options.output.empty() ? m.labels->output : inDirectory(options.output, m.labels->output);
    // Never replace the recorded outputs unasked (a manifest may come from someone else).
    if (options.output.empty()) {
      refuseExisting(out);
      refuseExisting(labelsOut);
    } else if (options.output.find("://") == std::string::npos) {
      std::filesystem::create_directories(options.output);
    }
    oo.manifest = nullptr;
    const PairExportResult pair =
        runPairExport(*dataset, *labels, plan, out, labelsOut, oo, cancel);
    result.manifest = pair.image;
    result.output = redactSecrets(out);
    result.labelsOutput = redactSecrets(labelsOut);
    const bool imageSame = pair.image.sha256 == m.sha256;
    const bool labelsSame = pair.labels.sha256 == m.labels->sha256;
    result.identical = imageSame && labelsSame;
    if (!result.identical && result.changes.empty())
      throw Error(ErrorKind::InvalidData,
                  "the replay wrote " +
                      (imageSame ? result.labelsOutput + " with SHA-256 " + pair.labels.sha256 +
                                       " but the manifest records " + m.labels->sha256
                                 : result.output + " with SHA-256 " + pair.image.sha256 +
                                       " but the manifest records " + m.sha256) +
                      " although the sources are unchanged (a different nzview version or codec "
                      "library?)");
    return result;
  }
  const std::string out = options.output.empty() ? m.output : options.output;
  // Never replace the recorded output unasked (a manifest may come from someone else).
  if (options.output.empty()) refuseExisting(out);
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
