#pragma once
// Every bytes-to-bytes codec nzview knows, listed once: its name (Zarr v3 codec name and
// numcodecs id; "numcodecs.<name>" is accepted too), whether nzview decodes it, whether nzview
// writes it (export/convert --compressor, the export dialog), and how its configuration is
// validated and summarised. The --help texts, the dialog and the man page's lists come from
// here (tests/zarr/tst_codec_registry.cpp checks the man page against it).
//
// Adding a codec: its decoder in zarr/codecs.cpp (decodeBytesChain, with a size bound in
// maxEncodedSize), an entry here; for writing, its encoder in write/zarr_encode.cpp.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "zarr/codecs.h"

namespace nz {

struct CodecEntry {
  const char* name;       // "blosc", "zstd", ... ("none" is the writer's no-compressor choice)
  BytesCodec::Kind kind;  // decoder (meaningless when !reads)
  bool reads;             // found in metadata, nzview decodes it
  bool writes;            // offered by --compressor and the export dialog
  // Validates the metadata configuration and writes its summary ("lz4 clevel 5 shuffle");
  // false when the configuration is one nzview cannot decode. `v3`: Zarr v3 spelling.
  bool (*describe)(const nlohmann::json& config, bool v3, std::string& detail);
};

// In the order help texts list them (the writer's default, blosc, first).
const std::vector<CodecEntry>& codecRegistry();
// By name or "numcodecs.<name>"; nullptr when unknown.
const CodecEntry* findCodec(std::string_view name);

// Names of the codecs nzview writes: blosc, zstd, gzip, none.
std::vector<std::string> writableCompressors();
// The same joined: "blosc|zstd|gzip|none" with sep "|", "blosc, zstd, gzip or none" with
// sep ", " and last " or ".
std::string joinWritableCompressors(std::string_view sep, std::string_view last = {});
// Names of the codecs nzview reads (for messages and docs).
std::vector<std::string> readableCodecs();

// A metadata codec (v3 bytes->bytes codec or v2 compressor) by name and configuration; false
// when unknown or its configuration is unsupported.
bool bytesCodecByName(const std::string& name, const nlohmann::json& config, bool v3,
                      BytesCodec& out);

}  // namespace nz
