#include "session/compact_text.h"

#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace nz::session_detail {

namespace {

const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string deflateBase64Url(const std::string& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<Bytef> packed(size);
  if (compress2(packed.data(), &size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw Error(ErrorKind::InvalidData, "nzview link: could not compress the session");
  std::string out;
  out.reserve(size * 4 / 3 + 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (uLongf i = 0; i < size; ++i) {
    acc = (acc << 8) | packed[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string inflateBase64Url(const std::string& text, std::size_t maxBytes,
                             const std::string& what) {
  std::vector<unsigned char> packed;
  packed.reserve(text.size() * 3 / 4 + 1);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = sextet(c);
    if (v < 0) throw Error(ErrorKind::InvalidData, what + ": not base64url text");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      packed.push_back(static_cast<unsigned char>((acc >> bits) & 255));
    }
  }
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw Error(ErrorKind::InvalidData, what + ": inflate failed");
  zs.next_in = packed.data();
  zs.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (out.size() > maxBytes) {
      inflateEnd(&zs);
      throw Error(ErrorKind::InvalidData,
                  what + ": inflates to more than " + std::to_string(maxBytes) + " bytes");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw Error(ErrorKind::InvalidData, what + ": the compressed session is truncated or corrupt");
  return out;
}

std::string queryEncode(const std::string& s, bool keepComma) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool keep = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
                      c == ':' || c == '@' || (keepComma && c == ',');
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool queryDecode(const std::string& s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace nz::session_detail
