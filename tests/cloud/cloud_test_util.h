#pragma once
// Shared bits of the cloud tests: a clean credential environment per test, the fixture state
// directories (keys generated at server start) and small file helpers.
#include <QtTest>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "store/store.h"

namespace nztest {

// Every variable the cloud credential chains read: cleared so the host's setup never leaks in.
inline const std::vector<const char*>& cloudEnvNames() {
  static const std::vector<const char*> names = {"AZURE_STORAGE_CONNECTION_STRING",
                                                 "AZURE_STORAGE_ACCOUNT_NAME",
                                                 "AZURE_STORAGE_ACCOUNT",
                                                 "AZURE_STORAGE_ACCOUNT_KEY",
                                                 "AZURE_STORAGE_SAS_TOKEN",
                                                 "AZURE_CLIENT_ID",
                                                 "AZURE_TENANT_ID",
                                                 "AZURE_CLIENT_SECRET",
                                                 "AZURE_AUTHORITY_HOST",
                                                 "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                                                 "IDENTITY_ENDPOINT",
                                                 "IDENTITY_HEADER",
                                                 "AWS_ACCESS_KEY_ID",
                                                 "AWS_SECRET_ACCESS_KEY",
                                                 "AWS_SESSION_TOKEN",
                                                 "AWS_PROFILE",
                                                 "AWS_REGION",
                                                 "AWS_DEFAULT_REGION",
                                                 "AWS_ENDPOINT_URL",
                                                 "AWS_ENDPOINT_URL_S3",
                                                 "AWS_SHARED_CREDENTIALS_FILE",
                                                 "AWS_CONFIG_FILE",
                                                 "GOOGLE_APPLICATION_CREDENTIALS",
                                                 "CLOUDSDK_CONFIG",
                                                 "GCE_METADATA_HOST",
                                                 "STORAGE_EMULATOR_HOST",
                                                 "CURL_CA_BUNDLE",
                                                 "SSL_CERT_FILE"};
  return names;
}

// Clears the cloud variables and points HOME at an empty temporary directory; restores all
// on destruction.
class CleanEnv {
 public:
  CleanEnv() {
    for (const char* n : cloudEnvNames()) save(n), ::unsetenv(n);
    save("HOME");
    save("PATH");
    home_ = std::filesystem::temp_directory_path() /
            ("nz-cloud-home-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(home_);
    std::filesystem::create_directories(home_);
    ::setenv("HOME", home_.c_str(), 1);
    // No real az CLI may answer during tests.
    ::setenv("PATH", "/usr/bin:/bin", 1);
  }
  ~CleanEnv() {
    for (auto& [k, v] : saved_) {
      if (v)
        ::setenv(k.c_str(), v->c_str(), 1);
      else
        ::unsetenv(k.c_str());
    }
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);
  }
  CleanEnv(const CleanEnv&) = delete;
  CleanEnv& operator=(const CleanEnv&) = delete;
  const std::filesystem::path& home() const { return home_; }
  void set(const char* name, const std::string& value) {
    if (!saved_.count(name)) save(name);
    ::setenv(name, value.c_str(), 1);
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  void save(const char* n) {
    if (saved_.count(n)) return;
    const char* v = std::getenv(n);
    saved_[n] = v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
  std::filesystem::path home_;
};

inline std::string serverState(const char* server) {
  const char* s = std::getenv("NZ_CLOUD_STATE");
  std::string base = s ? s : std::string(NZ_BINARY_DIR) + "/test-servers";
  return base + "/" + server;
}

// KEY=VALUE lines of a state file written by a fixture script.
inline std::map<std::string, std::string> readEnvFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

inline nz::Bytes readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return nz::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline nz::Bytes randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  nz::Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

inline nz::Bytes slice(const nz::Bytes& b, std::size_t off, std::size_t len) {
  return nz::Bytes(b.begin() + off, b.begin() + off + len);
}

// Files of a small NIfTI-Zarr tree to upload: tests/data/refdata/*.nii.zarr when present
// (relative key -> bytes), else a synthetic tree with the same shape of keys.
inline std::map<std::string, nz::Bytes> sampleTree() {
  std::map<std::string, nz::Bytes> files;
  std::filesystem::path ref = std::filesystem::path(NZ_TEST_DATA_DIR) / "refdata";
  std::error_code ec;
  if (std::filesystem::is_directory(ref, ec)) {
    for (const auto& dir : std::filesystem::directory_iterator(ref, ec)) {
      if (dir.path().extension() != ".zarr" || !dir.is_directory()) continue;
      for (const auto& f : std::filesystem::recursive_directory_iterator(dir.path(), ec)) {
        if (!f.is_regular_file() || f.file_size() > (8u << 20)) continue;
        files[std::filesystem::relative(f.path(), dir.path()).generic_string()] =
            readFile(f.path().string());
        if (files.size() >= 40) return files;
      }
      if (!files.empty()) return files;
    }
  }
  auto text = [](const std::string& s) { return nz::Bytes(s.begin(), s.end()); };
  files[".zgroup"] = text("{\"zarr_format\": 2}");
  files[".zattrs"] =
      text("{\"multiscales\": [{\"version\": \"0.4\", \"datasets\": [{\"path\": \"0\"}]}]}");
  files["nifti/.zarray"] =
      text("{\"zarr_format\": 2, \"shape\": [348], \"chunks\": [348], \"dtype\": \"|u1\"}");
  files["nifti/0"] = randomBytes(348, 1);
  files["0/.zarray"] = text(
      "{\"zarr_format\": 2, \"shape\": [64, 64, 64], \"chunks\": [32, 32, 32], \"dtype\": "
      "\"<i2\"}");
  for (int i = 0; i < 8; ++i)
    files["0/" + std::to_string(i >> 2) + "." + std::to_string((i >> 1) & 1) + "." +
          std::to_string(i & 1)] = randomBytes(65536, 10 + i);
  return files;
}

// Every byte of `text` that matches `secret` (for leak checks).
inline bool contains(const std::string& text, const std::string& secret) {
  return !secret.empty() && text.find(secret) != std::string::npos;
}

}  // namespace nztest
