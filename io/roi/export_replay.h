#pragma once
// `nzview-cli export --replay MANIFEST`: rebuilds an export from its manifest (the same source,
// level, box, crop/pad, pad value, format and codec settings), refusing when the source's
// validators (ETag, Last-Modified, version, size) differ from the recorded ones unless told
// otherwise, and checking that the bytes written have the recorded SHA-256.
#include <string>
#include <vector>

#include "core/cancel.h"
#include "manifest/manifest.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"

namespace nz {

struct ReplayOptions {
  std::string output;  // empty: the manifest's output path
  std::string source;  // empty: the manifest's source URI (override when it held a SAS)
  // Pairs (`export --with`): the label map to read instead of the recorded one. A pair's
  // `output` is a directory: both files are rebuilt in it under their recorded names.
  std::string labelsSource;
  bool allowChanged = false;
  ExportOutputOptions base;  // credentials (store), memory bound, metrics; codecs come from m
};

struct ReplayResult {
  std::string output;                // written (redacted)
  std::vector<std::string> changes;  // validator differences (only with allowChanged)
  bool identical = false;            // the SHA-256 matches the manifest's
  ExportManifest manifest;           // of the new output
  std::string labelsOutput;          // pairs: the label map written (redacted)
};

// The request a manifest describes. Throws nz::Error(InvalidData) for unknown pad modes.
ExportRequest requestFromManifest(const ExportManifest& m);

// Throws nz::Error(InvalidData) naming every change when the source changed and !allowChanged,
// and when the replay of an unchanged source writes different bytes. The manifest of a pair's
// image replays both files and checks both sources and both digests; the label output's own
// manifest is refused with a pointer to the image's.
ReplayResult replayExport(const ExportManifest& m, const ReplayOptions& options,
                          CancelToken cancel = {});

}  // namespace nz
