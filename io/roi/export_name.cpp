#include "roi/export_name.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "core/error.h"

namespace nz {

namespace {

constexpr std::size_t kMaxStemBytes = 120;

bool keptByte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '+';
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Names Windows reserves for devices, with or without an extension ("nul.nii" is NUL too).
bool windowsDeviceName(const std::string& stem) {
  std::string base = lower(stem.substr(0, stem.find('.')));
  static const std::array<const char*, 4> plain = {"con", "prn", "aux", "nul"};
  for (const char* p : plain)
    if (base == p) return true;
  return base.size() == 4 && (base.rfind("com", 0) == 0 || base.rfind("lpt", 0) == 0) &&
         base[3] >= '0' && base[3] <= '9';
}

bool isUri(const std::string& s) { return s.find("://") != std::string::npos; }

}  // namespace

std::string safeFileStem(std::string_view name) {
  std::string out;
  out.reserve(std::min(name.size(), kMaxStemBytes));
  for (unsigned char c : name) {
    const char k = keptByte(c) ? static_cast<char>(c) : '_';
    if (k == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(k);
  }
  // No hidden files, nothing an argument parser takes for an option, never "." or "..".
  const auto first = out.find_first_not_of("._-");
  out = first == std::string::npos ? std::string() : out.substr(first);
  if (out.size() > kMaxStemBytes) out.resize(kMaxStemBytes);
  while (!out.empty() && (out.back() == '.' || out.back() == '_' || out.back() == '-'))
    out.pop_back();
  if (out.empty()) out = "roi";
  if (windowsDeviceName(out)) out.insert(out.begin(), '_');
  return out;
}

std::string exportPathInDirectory(const std::string& directory, std::string_view name,
                                  const std::string& suffix, std::set<std::string>& used) {
  const std::string base = safeFileStem(name);
  std::string stem = base;
  for (int n = 2; used.count(lower(stem)); ++n) stem = base + "-" + std::to_string(n);
  used.insert(lower(stem));
  const std::string file = stem + suffix;
  if (file.find('/') != std::string::npos || file.find('\\') != std::string::npos)
    throw Error(ErrorKind::InvalidArgument, "export name '" + file + "' is not a file name");

  if (isUri(directory)) {
    // Cloud prefix: keep a query string (a SAS token) after the object path.
    const auto q = directory.find('?');
    std::string head = directory.substr(0, q);
    const std::string query = q == std::string::npos ? std::string() : directory.substr(q);
    if (!head.empty() && head.back() != '/') head.push_back('/');
    return head + file + query;
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(directory.empty() ? "." : directory);
  const fs::path out = dir / file;
  if (out.lexically_normal().parent_path() != (dir / "").lexically_normal().parent_path())
    throw Error(ErrorKind::InvalidArgument,
                "export name '" + file + "' would leave the directory " + directory);
  return out.string();
}

}  // namespace nz
