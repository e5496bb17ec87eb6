#pragma once
// Process-wide limits against hostile or broken inputs (documented in README, "When things go
// wrong"). Each is a bound no real dataset reaches; the messages that enforce them name the
// limit and the option that raises it.
#include <cstdint>
#include <map>
#include <string>

namespace nz {

struct InputLimits {
  // Largest metadata object read (zarr.json, .zarray, .zattrs, .zgroup): real ones are KBs.
  // --option metadata.max_bytes=N
  std::uint64_t metadataMaxBytes = std::uint64_t{16} << 20;
  // Deepest JSON nesting accepted anywhere (metadata, ROI files, credentials, token answers).
  // --option json.max_depth=N
  int jsonMaxDepth = 128;
  // Most storage objects one metadata array (the `nifti` header array) may be split into.
  std::uint64_t metadataArrayMaxChunks = 4096;
  // Largest `nifti` header array: a NIfTI-2 header (540 bytes) plus extensions.
  // --option nifti.max_header_bytes=N
  std::uint64_t niftiHeaderMaxBytes = std::uint64_t{64} << 20;
};

// A snapshot of the current limits (thread-safe).
InputLimits inputLimits();
void setInputLimits(const InputLimits& limits);

// Applies the `metadata.max_bytes`, `json.max_depth` and `nifti.max_header_bytes` entries of a
// --option map; throws nz::Error(InvalidArgument) naming the option for a bad value.
void applyInputLimitOptions(const std::map<std::string, std::string>& options);

}  // namespace nz
