#pragma once
// Strict number parsing for user-given text (CLI flags, --option values, URIs): the whole text
// must be the number, and it must lie in [min, max]; no silent truncation to 32 bits, no
// wrapping, no "12abc". Errors are nz::Error(InvalidArgument) naming `what` and the range.
//
//   int level = static_cast<int>(nz::parseIntInRange(text, 0, 64, "--level"));
#include <cstdint>
#include <string>

namespace nz {

std::int64_t parseIntInRange(const std::string& text, std::int64_t min, std::int64_t max,
                             const std::string& what);
std::uint64_t parseUnsignedInRange(const std::string& text, std::uint64_t min, std::uint64_t max,
                                   const std::string& what);
// A finite decimal number (no NaN/inf) in [min, max].
double parseDoubleInRange(const std::string& text, double min, double max, const std::string& what);

}  // namespace nz
