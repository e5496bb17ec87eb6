#pragma once
// Turns user-chosen names (ROI names typed in the viewer or read from an ROI-set file) into
// output paths that stay inside the directory the user chose: a name is never a path. Used by
// `nzview-cli export --rois` and by the viewer's export defaults.
//
//   std::set<std::string> used;
//   std::string out = nz::exportPathInDirectory("/data/out", "../../etc/passwd", ".nii.gz", used);
//   // -> "/data/out/etc_passwd.nii.gz"
#include <set>
#include <string>
#include <string_view>

namespace nz {

// One safe file-name stem: ASCII letters, digits, '-', '_', '.' and '+' are kept; every other
// byte (path separators, ':', controls, spaces, non-ASCII) becomes '_', runs of '_' collapse;
// leading and trailing '.', '-', '_' are dropped (no hidden files, no option-like
// names, no "." or ".."); at most 120 bytes; Windows device names (CON, NUL, COM1, ...) get a
// '_' prefix; an empty result becomes "roi".
std::string safeFileStem(std::string_view name);

// `directory` joined with safeFileStem(name) + suffix. `directory` is a local path or a cloud
// URI prefix (az://, s3://, gs://, https://; joined with '/', query string kept at the end).
// Stems already in `used` (case-insensitively) get "-2", "-3", ... so two ROIs never write the
// same file; the chosen stem is added to `used`. Throws nz::Error(InvalidArgument) when the
// result would not be directly inside `directory` (defence in depth; cannot happen for stems
// made by safeFileStem).
std::string exportPathInDirectory(const std::string& directory, std::string_view name,
                                  const std::string& suffix, std::set<std::string>& used);

}  // namespace nz
