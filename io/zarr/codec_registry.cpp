#include "zarr/codec_registry.h"

#include <nlohmann/json.hpp>

namespace nz {

namespace {

using json = nlohmann::json;

bool describeBlosc(const json& cfg, bool v3, std::string& detail) {
  detail = cfg.value("cname", std::string("?"));
  if (cfg.contains("clevel")) detail += " clevel " + cfg["clevel"].dump();
  const json shuffle = cfg.value("shuffle", json());
  if (v3 && shuffle.is_string()) {
    detail += " " + shuffle.get<std::string>();
  } else if (shuffle.is_number_integer()) {
    const int s = shuffle.get<int>();
    detail += s == 0 ? " noshuffle" : s == 1 ? " shuffle" : s == 2 ? " bitshuffle" : " autoshuffle";
  }
  return true;
}

bool describeLevel0(const json& cfg, bool, std::string& detail) {
  detail = "level " + cfg.value("level", json(0)).dump();
  return true;
}

bool describeBz2(const json& cfg, bool, std::string& detail) {
  detail = "level " + cfg.value("level", json(9)).dump();
  return true;
}

bool describeLz4(const json& cfg, bool, std::string& detail) {
  detail = "acceleration " + cfg.value("acceleration", json(1)).dump();
  return true;
}

bool describeLzma(const json& cfg, bool, std::string& detail) {
  // Formats 1 (.xz, the default) and 2 (.lzma) carry their own settings; raw needs filters.
  const json format = cfg.value("format", json(1));
  if (format != 1 && format != 2) return false;
  detail = "format " + format.dump();
  return true;
}

bool describeNothing(const json&, bool, std::string& detail) {
  detail.clear();
  return true;
}

}  // namespace

const std::vector<CodecEntry>& codecRegistry() {
  using K = BytesCodec::Kind;
  static const std::vector<CodecEntry> registry = {
      {"blosc", K::Blosc, true, true, describeBlosc},
      {"zstd", K::Zstd, true, true, describeLevel0},
      {"gzip", K::Gzip, true, true, describeLevel0},
      {"zlib", K::Zlib, true, false, describeLevel0},
      {"crc32c", K::Crc32c, true, false, describeNothing},
      {"lz4", K::Lz4, true, false, describeLz4},
      {"bz2", K::Bz2, true, false, describeBz2},
      {"lzma", K::Lzma, true, false, describeLzma},
      {"none", K::Blosc, false, true, describeNothing},
  };
  return registry;
}

const CodecEntry* findCodec(std::string_view name) {
  constexpr std::string_view numcodecs = "numcodecs.";
  if (name.substr(0, numcodecs.size()) == numcodecs) name.remove_prefix(numcodecs.size());
  for (const CodecEntry& e : codecRegistry())
    if (name == e.name) return &e;
  return nullptr;
}

std::vector<std::string> writableCompressors() {
  std::vector<std::string> out;
  for (const CodecEntry& e : codecRegistry())
    if (e.writes) out.emplace_back(e.name);
  return out;
}

std::string joinWritableCompressors(std::string_view sep, std::string_view last) {
  const std::vector<std::string> names = writableCompressors();
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size() && !last.empty()) ? last : sep;
    out += names[i];
  }
  return out;
}

std::vector<std::string> readableCodecs() {
  std::vector<std::string> out;
  for (const CodecEntry& e : codecRegistry())
    if (e.reads) out.emplace_back(e.name);
  return out;
}

bool bytesCodecByName(const std::string& name, const json& config, bool v3, BytesCodec& out) {
  const CodecEntry* e = findCodec(name);
  if (!e || !e->reads) return false;
  BytesCodec c{e->kind, e->name, ""};
  if (!e->describe(config, v3, c.detail)) return false;
  out = std::move(c);
  return true;
}

}  // namespace nz
