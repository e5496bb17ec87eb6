#include "cloud/credential_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nz::cloud {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string homeDir() {
  if (auto h = env("HOME")) return *h;
  return "/";
}

std::optional<std::string> readTextFile(const std::string& path) {
  // Credential and config files: regular files of sane size only (a FIFO or /dev/zero named
  // as a credentials file must not block or exhaust memory).
  constexpr std::uintmax_t kMaxTextFileBytes = 16u << 20;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::is_regular_file(status)) return std::nullopt;
  if (std::filesystem::file_size(path, ec) > kMaxTextFileBytes || ec) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tildePath(const std::string& path) {
  std::string home = homeDir();
  if (home.size() > 1 && path.rfind(home + "/", 0) == 0) return "~" + path.substr(home.size());
  return path;
}

}  // namespace nz::cloud
