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
  bool allowChanged = false;
  ExportOutputOptions base;  // credentials (store), memory bound, metrics; codecs come from m
};

struct ReplayResult {
  std::string output;                // written (redacted)
  std::vector<std::string> changes;  // validator differences (only with allowChanged)
  bool identical = false;            // the SHA-256 matches the manifest's
  ExportManifest manifest;           // of the new output
};

// The request a manifest describes. Throws nz::Error(InvalidData) for unknown pad modes.
ExportRequest requestFromManifest(const ExportManifest& m);

// Throws nz::Error(InvalidData) naming every change when the source changed and !allowChanged,
// and when the replay of an unchanged source writes different bytes.
ReplayResult replayExport(const ExportManifest& m, const ReplayOptions& options,
                          CancelToken cancel = {});

}  // namespace nz
