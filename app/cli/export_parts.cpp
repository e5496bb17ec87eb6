#include "cli/export_parts.h"

#include <filesystem>
#include <map>

#include "core/error.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

// Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, newlines
// and "" for a quote). Each record keeps the line it starts on.
std::vector<std::pair<std::size_t, std::vector<std::string>>> splitCsv(const std::string& text,
                                                                       const std::string& what) {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> out;
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, any = false;
  std::size_t line = 1, start = 1;
  auto endRecord = [&] {
    if (any || !field.empty() || !rec.empty()) {
      rec.push_back(field);
      out.emplace_back(start, rec);
    }
    rec.clear();
    field.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        if (ch == '\n') ++line;
        field += ch;
      }
      continue;
    }
    if (ch == '"') {
      quoted = any = true;
    } else if (ch == ',') {
      rec.push_back(field);
      field.clear();
      any = true;
    } else if (ch == '\n') {
      endRecord();
      start = ++line;
    } else if (ch != '\r') {
      field += ch;
      any = true;
    }
  }
  if (quoted) {
    throw Error(ErrorKind::InvalidData,
                what + ": line " + std::to_string(start) + ": a quote is not closed");
  }
  endRecord();
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

}  // namespace

std::vector<ExportListRow> parseExportList(const std::string& text, const std::string& what) {
  auto records = splitCsv(text, what);
  std::vector<ExportListRow> rows;
  std::map<std::string, std::size_t> col;
  bool header = true;
  const char* known[] = {"uri", "name", "box", "level", "crop_or_pad", "pad_mode", "pad_value"};
  for (const auto& record : records) {
    const std::size_t line = record.first;
    const std::vector<std::string>& fields = record.second;
    if (!fields.empty() && trim(fields[0]).rfind('#', 0) == 0) continue;
    if (header) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string name = trim(fields[i]);
        if (std::find(std::begin(known), std::end(known), name) == std::end(known)) {
          throw Error(ErrorKind::InvalidData,
                      what + ": line " + std::to_string(line) + ": unknown column '" + name +
                          "' (columns: uri, name, box, level, crop_or_pad, pad_mode, pad_value)");
        }
        col[name] = i;
      }
      for (const char* need : {"uri", "name", "box"}) {
        if (!col.count(need)) {
          throw Error(ErrorKind::InvalidData,
                      what + ": the header line has no '" + std::string(need) + "' column");
        }
      }
      header = false;
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= fields.size() ? "" : trim(fields[it->second]);
    };
    ExportListRow r;
    r.line = line;
    r.uri = get("uri");
    r.name = get("name");
    r.box = get("box");
    r.cropOrPad = get("crop_or_pad");
    r.padMode = get("pad_mode");
    r.padValue = get("pad_value");
    const std::string level = get("level");
    for (const auto& [field, value] : {std::pair{"uri", r.uri}, {"box", r.box}}) {
      if (value.empty()) {
        throw Error(ErrorKind::InvalidData,
                    what + ": line " + std::to_string(line) + ": empty " + field);
      }
    }
    if (!level.empty()) {
      if (level.size() > 3 || level.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(ErrorKind::InvalidData,
                    what + ": line " + std::to_string(line) + ": level must be 0..999");
      }
      r.level = std::stoi(level);
    }
    rows.push_back(std::move(r));
  }
  if (header) throw Error(ErrorKind::InvalidData, what + ": no header line (uri,name,box,...)");
  return rows;
}

bool exportOutputExists(const std::string& out, const nz::StoreOptions& options) {
  const nz::Uri u = nz::parseUri(out);
  const bool zarr = out.size() >= 9 && out.compare(out.size() - 9, 9, ".nii.zarr") == 0;
  if (u.scheme == nz::Scheme::File) {
    const std::filesystem::path p(u.path);
    return zarr ? std::filesystem::exists(p / "zarr.json") || std::filesystem::exists(p / ".zgroup")
                : std::filesystem::is_regular_file(p);
  }
  if (zarr) {
    auto store = nz::openStore(u, options);
    return store->size("zarr.json").has_value() || store->size(".zgroup").has_value();
  }
  nz::Uri parent = u;
  const auto slash = parent.path.rfind('/');
  const std::string key = slash == std::string::npos ? parent.path : parent.path.substr(slash + 1);
  parent.path = slash == std::string::npos ? std::string() : parent.path.substr(0, slash);
  const auto s2 = parent.original.rfind('/');
  if (s2 != std::string::npos && parent.original.find('?') == std::string::npos) {
    parent.original = parent.original.substr(0, s2);
  }
  return nz::openStore(parent, options)->size(key).has_value();
}

}  // namespace nzcli
