#pragma once
// Small OpenSSL wrappers used by the cloud signers: hashes, HMAC, base64, RS256.
// Everything is a pure function so signers stay testable against published examples.
#include <cstdint>
#include <string>
#include <string_view>

namespace nz::crypto {

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256Hex(std::string_view data);
std::string md5(std::string_view data);                               // raw 16 bytes
std::string hmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string toHex(std::string_view raw);

std::string base64Encode(std::string_view raw);
// Throws nz::Error(InvalidArgument) naming `what` when `text` is not valid base64.
std::string base64Decode(std::string_view text, const std::string& what);
std::string base64UrlEncode(std::string_view raw);  // no padding (JWT)

// RSASSA-PKCS1-v1_5 with SHA-256 over `data` using a PEM private key (PKCS#8 or PKCS#1).
// Throws nz::Error(InvalidArgument) naming `what` when the key cannot be read.
std::string rs256Sign(const std::string& pemPrivateKey, std::string_view data,
                      const std::string& what);

}  // namespace nz::crypto
