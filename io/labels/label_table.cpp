#include "labels/label_table.h"

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace nz {

namespace {

[[noreturn]] void badLine(const std::string& source, int line, const std::string& why) {
  throw Error(ErrorKind::InvalidData,
              source + ":" + std::to_string(line) + ": bad label table row: " + why);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool parseInt(const std::string& token, std::int64_t& out) {
  if (token.empty()) return false;
  std::size_t used = 0;
  try {
    out = std::stoll(token, &used);
  } catch (...) {
    return false;
  }
  return used == token.size();
}

bool parseDouble(const std::string& token, double& out) {
  if (token.empty()) return false;
  std::size_t used = 0;
  try {
    out = std::stod(token, &used);
  } catch (...) {
    return false;
  }
  return used == token.size() && std::isfinite(out);
}

std::uint8_t colourComponent(const std::string& source, int line, const std::string& token,
                             const char* what) {
  std::int64_t v = 0;
  if (!parseInt(token, v) || v < 0 || v > 255)
    badLine(source, line, std::string(what) + " must be an integer 0..255, got '" + token + "'");
  return static_cast<std::uint8_t>(v);
}

// Up to t.size() whitespace-separated fields of `text` into `t` (their count returned); `more`
// tells whether text holds further fields. Both table formats are rows of this shape.
template <std::size_t N>
std::size_t splitFields(const std::string& text, std::array<std::string, N>& t, bool& more) {
  std::istringstream fields(text);
  std::size_t n = 0;
  while (n < N && fields >> t[n]) ++n;
  std::string extra;
  more = static_cast<bool>(fields >> extra);
  return n;
}

// Columns R, G, B (0..255) starting at `rgb`.
void readRgb(const std::string& source, int line, const std::string* rgb, LabelEntry& e) {
  e.r = colourComponent(source, line, rgb[0], "R");
  e.g = colourComponent(source, line, rgb[1], "G");
  e.b = colourComponent(source, line, rgb[2], "B");
}

// IDX R G B A VIS MSH "LABEL" (ITK-SNAP, Logic/Common/ColorLabelTable.cxx).
void parseItkSnapRow(const std::string& source, int line, const std::string& row,
                     std::map<std::int64_t, LabelEntry>& out) {
  const auto quote = row.find('"');
  if (quote == std::string::npos) badLine(source, line, "the label name must be in double quotes");
  const auto close = row.find('"', quote + 1);
  if (close == std::string::npos) badLine(source, line, "the label name has no closing quote");
  std::array<std::string, 7> t;
  bool more = false;
  const std::size_t n = splitFields(row.substr(0, quote), t, more);
  if (n < 7 || more)
    badLine(source, line, "expected IDX R G B A VIS MSH \"LABEL\" (7 numbers before the name)");
  std::int64_t index = 0;
  if (!parseInt(t[0], index) || index < 0 || index > 65535)
    badLine(source, line, "label index must be an integer 0..65535, got '" + t[0] + "'");
  LabelEntry e;
  readRgb(source, line, &t[1], e);
  if (!parseDouble(t[4], e.alpha) || e.alpha < 0 || e.alpha > 1)
    badLine(source, line, "opacity must be a number 0..1, got '" + t[4] + "'");
  std::int64_t vis = 0, mesh = 0;
  if (!parseInt(t[5], vis) || (vis != 0 && vis != 1))
    badLine(source, line, "visibility must be 0 or 1, got '" + t[5] + "'");
  if (!parseInt(t[6], mesh) || (mesh != 0 && mesh != 1))
    badLine(source, line, "mesh visibility must be 0 or 1, got '" + t[6] + "'");
  e.visible = vis == 1;
  e.name = row.substr(quote + 1, close - quote - 1);
  if (index == 0) return;  // ITK-SNAP: label 0 is always the clear label
  out[index] = e;
}

// index name R G B T [tissue] (FreeSurfer, utils/colortab.cpp): alpha = 255 - T.
void parseFreeSurferRow(const std::string& source, int line, const std::string& row,
                        std::map<std::int64_t, LabelEntry>& out) {
  std::array<std::string, 7> t;
  bool more = false;
  const std::size_t n = splitFields(row, t, more);
  if (n < 6 || more)
    badLine(source, line, "expected 'index name R G B T [tissue-type]' (6 or 7 columns)");
  std::int64_t index = 0;
  if (!parseInt(t[0], index) || index < 0 || index > 0x7fffffff)
    badLine(source, line, "label index must be a non-negative integer, got '" + t[0] + "'");
  LabelEntry e;
  e.name = t[1];
  readRgb(source, line, &t[2], e);
  const std::uint8_t transparency = colourComponent(source, line, t[5], "transparency");
  e.alpha = (255 - transparency) / 255.0;
  std::int64_t tissue = 0;
  if (n == 7 && !parseInt(t[6], tissue))
    badLine(source, line, "tissue type must be an integer, got '" + t[6] + "'");
  if (index == 0) return;  // background stays transparent
  out.emplace(index, e);   // a duplicate index keeps the first entry (as FreeSurfer)
}

}  // namespace

LabelEntry defaultLabelEntry(std::int64_t value) {
  LabelEntry e;
  if (value == 0) {
    e.alpha = 0;
    e.visible = false;
    return e;
  }
  const double golden = 0.618033988749895;
  const double h = std::fmod(0.13 + static_cast<double>(value) * golden, 1.0) * 6.0;
  const double s = (value % 3 == 2) ? 0.55 : 1.0;
  const double v = (value % 2 == 0) ? 0.85 : 1.0;
  const int sector = static_cast<int>(h) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), u = v * (1 - s * (1 - f));
  double r = v, g = u, b = p;
  switch (sector) {
    case 1:
      r = q, g = v, b = p;
      break;
    case 2:
      r = p, g = v, b = u;
      break;
    case 3:
      r = p, g = q, b = v;
      break;
    case 4:
      r = u, g = p, b = v;
      break;
    case 5:
      r = v, g = p, b = q;
      break;
    default:
      break;
  }
  e.r = static_cast<std::uint8_t>(std::lround(r * 255));
  e.g = static_cast<std::uint8_t>(std::lround(g * 255));
  e.b = static_cast<std::uint8_t>(std::lround(b * 255));
  e.name = "Label " + std::to_string(value);
  return e;
}

LabelTable LabelTable::parse(const std::string& text, const std::string& sourceName) {
  LabelTable table;
  table.source_ = sourceName;
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) lines.push_back(l);
  }
  // ITK-SNAP is recognised by its header line or by a quoted name on the first data row.
  bool itk = lines.size() > 1 && trim(lines[1]) == "# ITK-SnAP Label Description File";
  if (!itk)
    for (const std::string& l : lines) {
      const std::string t = trim(l);
      if (t.empty() || t[0] == '#') continue;
      itk = t.find('"') != std::string::npos;
      break;
    }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string t = trim(lines[i]);
    if (t.empty() || t[0] == '#') continue;
    const int lineNo = static_cast<int>(i + 1);
    if (itk)
      parseItkSnapRow(sourceName, lineNo, t, table.entries_);
    else
      parseFreeSurferRow(sourceName, lineNo, t, table.entries_);
  }
  if (table.entries_.empty())
    throw Error(ErrorKind::InvalidData,
                sourceName +
                    ": no label rows found (expected an ITK-SNAP label description file "
                    "or a FreeSurfer colour table)");
  return table;
}

LabelTable LabelTable::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::NotFound, path + ": cannot open the label table");
  std::ostringstream s;
  s << f.rdbuf();
  if (s.str().size() > (std::size_t(64) << 20))
    throw Error(ErrorKind::InvalidData, path + ": label table larger than 64 MiB");
  return parse(s.str(), path);
}

LabelEntry LabelTable::entry(std::int64_t value) const {
  if (value == 0) return defaultLabelEntry(0);
  auto it = entries_.find(value);
  return it != entries_.end() ? it->second : defaultLabelEntry(value);
}

std::string LabelTable::describe(std::int64_t value) const {
  if (value == 0) return "0";
  return std::to_string(value) + " " + entry(value).name;
}

void LabelTable::setVisible(std::int64_t value, bool visible) {
  auto it = entries_.find(value);
  if (it == entries_.end()) it = entries_.emplace(value, defaultLabelEntry(value)).first;
  it->second.visible = visible;
}

}  // namespace nz
