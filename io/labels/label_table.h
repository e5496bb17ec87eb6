#pragma once
// Colour table of a label (segmentation) layer: value -> colour, opacity, visibility, name.
// Reads ITK-SNAP label description files and FreeSurfer `*LUT.txt` colour tables; values the
// table does not list get a distinct default colour and the name "Label N" (as ITK-SNAP does
// for values present in a segmentation), label 0 is background (transparent, unnamed).
#include <cstdint>
#include <map>
#include <string>

namespace nz {

struct LabelEntry {
  std::uint8_t r = 0, g = 0, b = 0;
  double alpha = 1;  // 0..1
  bool visible = true;
  std::string name;
};

class LabelTable {
 public:
  enum class Format { ItkSnap, FreeSurfer };

  // Parses `text` (ITK-SNAP when its second line is "# ITK-SnAP Label Description File" or its
  // first data line has the ITK-SNAP column layout, FreeSurfer otherwise). Throws nz::Error
  // (InvalidData) naming `sourceName` and the 1-based line of the first bad row.
  static LabelTable parse(const std::string& text, const std::string& sourceName);
  // Reads and parses a file (nz::Error Io/NotFound naming the path when it cannot be read).
  static LabelTable load(const std::string& path);

  // The entry for `value`: the table's, else the default one (0: transparent background).
  LabelEntry entry(std::int64_t value) const;
  // "17 Left-Hippocampus"; "5 Label 5" for values the table does not name; "0" for background.
  std::string describe(std::int64_t value) const;
  // Hides or shows one label (it is added with its default entry when absent).
  void setVisible(std::int64_t value, bool visible);
  const std::map<std::int64_t, LabelEntry>& entries() const { return entries_; }
  std::map<std::int64_t, LabelEntry>& entries() { return entries_; }
  const std::string& source() const { return source_; }  // file it came from ("" = defaults)

 private:
  std::map<std::int64_t, LabelEntry> entries_;
  std::string source_;
};

// Distinct colour for label `value` (golden-ratio hue steps, full saturation alternating with
// lighter tones, so neighbouring values differ clearly). Value 0 is transparent black.
LabelEntry defaultLabelEntry(std::int64_t value);

}  // namespace nz
