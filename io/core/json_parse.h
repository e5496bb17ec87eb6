#pragma once
// The one way the project parses JSON it reads (metadata, ROI files, credential files, token
// and metadata-server answers): size and nesting depth are bounded before nlohmann builds
// anything, so 100k nested arrays are an error, not a stack overflow, and a 2 GB attribute
// file is refused before it costs memory. Limits come from core/limits.h.
//
//   nlohmann::json j = nz::parseJson(text, "scan.zarr/.zattrs");  // throws nz::Error
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nz {

// Parses `text`; nz::Error(InvalidData) naming `what` when it is too large, nested deeper than
// the limit, or malformed.
nlohmann::json parseJson(std::string_view text, const std::string& what);
nlohmann::ordered_json parseOrderedJson(std::string_view text, const std::string& what);

// The same without exceptions: nullopt and `*error` set (for callers that fall back).
std::optional<nlohmann::json> tryParseJson(std::string_view text, const std::string& what,
                                           std::string* error = nullptr);

// Deepest nesting of arrays/objects in `text` (strings skipped); stops counting at `stopAt`.
std::size_t jsonNestingDepth(std::string_view text, std::size_t stopAt);

// `text` as valid UTF-8: valid sequences kept, every other byte read as Latin-1 (so a
// Latin-1 NIfTI `descrip` shows right, and JSON output never fails on it).
std::string toValidUtf8(std::string_view text);

}  // namespace nz
