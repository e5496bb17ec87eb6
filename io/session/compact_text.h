#pragma once
// Deflate + base64url for the compact link form, with bounds on the way back in (a hostile
// link cannot inflate to more than `maxBytes`).
#include <cstddef>
#include <string>

namespace nz::session_detail {

std::string deflateBase64Url(const std::string& raw);
// Throws nz::Error(InvalidData) naming `what` for bad base64, a corrupt stream or output over
// maxBytes.
std::string inflateBase64Url(const std::string& text, std::size_t maxBytes,
                             const std::string& what);

// Query-value percent encoding that keeps URLs readable (':', '/', '@', ',' stay as they are;
// '&', '=', '#', '%', '+', spaces and non-ASCII are encoded).
std::string queryEncode(const std::string& s, bool keepComma = true);
// Strict decoding: a '%' not followed by two hex digits is an error (nullopt-like: false).
bool queryDecode(const std::string& s, std::string& out);

}  // namespace nz::session_detail
