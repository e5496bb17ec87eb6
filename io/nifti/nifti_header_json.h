#pragma once
// The stored NIfTI header as JSON, field by field under nibabel's field names (so a test or a
// user can compare it with `nib.load(...).header`), with its extensions listed.
//
//   std::string j = nz::niftiHeaderFieldsJson(header);
//   // {"sizeof_hdr":348,"dim_info":57,...,"descrip":"FSL3.3\u0000 v2.25 ...","extensions":[
//   //   {"code":6,"name":"comment","esize":32,"size":19,"content":"..."}]}
//
// Text fields keep bytes after an embedded NUL (as nibabel shows them); bytes that are not
// UTF-8 become U+FFFD. An extension's content is given when it is JSON (parsed) or text;
// binary payloads are summarised by size. Pure, thread-safe.
#include <string>
#include <vector>

#include "nifti/nifti_header.h"

namespace nz {

// Registered ecode name ("comment", "afni", "dicom", "mrs", ...) or "unknown".
std::string niftiExtensionName(int code);

struct NiftiExtensionSummary {
  int code = 0;
  std::string name;       // niftiExtensionName(code)
  std::size_t esize = 0;  // bytes on disk, 8-byte prefix and padding included
  std::size_t size = 0;   // payload without trailing NULs (what nibabel's get_content gives)
  std::string kind;       // "json" | "text" | "binary"
  std::string content;    // JSON text or plain text; empty for binary
};
std::vector<NiftiExtensionSummary> summarizeNiftiExtensions(const NiftiHeader& h);

std::string niftiHeaderFieldsJson(const NiftiHeader& h);

}  // namespace nz
