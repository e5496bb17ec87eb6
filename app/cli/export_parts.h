#pragma once
// What `nzview-cli export` needs to run as an array-job worker: the CSV list of many sources
// (`--rois LIST.csv`) and the resume rule (an output that already exists is complete, since
// every export is atomic, and is skipped).
//
//   auto rows = nzcli::parseExportList(text, "rois.csv");
//   if (nzcli::exportOutputExists(out, storeOptions)) { /* skip */ }
#include <cstddef>
#include <string>
#include <vector>

#include "store/store_options.h"

namespace nzcli {

// One line of an export list. Columns (first line: the header naming them, any order):
//   uri          the source dataset (any URI or path nzview reads)        required
//   name         the ROI name (the output file is DIR/<safe name>.<fmt>)  required
//   box          i0:i1,j0:j1,k0:k1[,t0:t1] as --roi (quote it: "...")    required
//   level        pyramid level (default 0)
//   crop_or_pad  W,H,D (quoted), empty for none
//   pad_mode     as --pad-mode (default constant)
//   pad_value    as --pad-value (default 0)
// Fields follow RFC 4180 (double quotes around fields holding commas, "" for a quote).
// Empty lines and lines starting with # are ignored.
struct ExportListRow {
  std::size_t line = 0;  // 1-based, for messages
  std::string uri, name, box, cropOrPad, padMode, padValue;
  int level = 0;
};

// Throws nz::Error(InvalidData) naming `what`, the line and the column.
std::vector<ExportListRow> parseExportList(const std::string& text, const std::string& what);

// True when OUT (a local path or a cloud URI; .nii.zarr: its group metadata) exists.
bool exportOutputExists(const std::string& out, const nz::StoreOptions& options);

}  // namespace nzcli
