#pragma once
// Shared bits of the HTTP tests: where the fixture servers are and what they serve.
#include <QtTest>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "core/bytes.h"

namespace nztest {

inline const char* kHttp = "http://127.0.0.1:18080";
inline const char* kHttps = "https://127.0.0.1:18443";
inline const char* kHttps11 = "https://127.0.0.1:18444";  // the same over HTTP/1.1 only
inline const char* kFault = "http://127.0.0.1:18095";

inline std::string stateDir() {
  const char* s = std::getenv("NZ_HTTP_STATE");
  return s ? s : std::string(NZ_BINARY_DIR) + "/test-servers/nginx";
}
inline std::string caFile() { return stateDir() + "/certs/ca.crt"; }

inline nz::Bytes readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return nz::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
// The 4 MiB random object served at /scratch/blob4m.bin.
inline const nz::Bytes& blob() {
  static const nz::Bytes b = readFile(stateDir() + "/scratch/blob4m.bin");
  return b;
}
inline nz::Bytes slice(const nz::Bytes& b, std::size_t off, std::size_t len) {
  return nz::Bytes(b.begin() + off, b.begin() + off + len);
}

// A unique token so the fault proxy's per-URL counters never collide between runs.
inline std::string token() {
  static int n = 0;
  return std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
         std::to_string(++n);
}

struct Stopwatch {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

}  // namespace nztest
