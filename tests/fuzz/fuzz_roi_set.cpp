// libFuzzer target: ROI files (io/roi/roi_set.h, `nzview-cli export --rois`, the viewer's Load
// ROIs) and the export names made from them (io/roi/export_name.h). Properties beyond "no
// crash": a parsed set survives roiSetJson -> parseRoiSet unchanged, and every name becomes a
// single path component directly inside the chosen directory.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/error.h"
#include "fuzz_common.h"
#include "roi/export_name.h"
#include "roi/roi_set.h"

namespace {

bool sameRequest(const nz::ExportRequest& a, const nz::ExportRequest& b) {
  return a.level == b.level && a.roi.has_value() == b.roi.has_value() &&
         (!a.roi || (a.roi->begin == b.roi->begin && a.roi->end == b.roi->end)) &&
         a.cropOrPad == b.cropOrPad && a.padMode == b.padMode && a.padValue == b.padValue;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = nzfuzz::asString(data, size);
  std::set<std::string> used;
  const std::string out = nz::exportPathInDirectory("/out", text, ".nii.gz", used);
  if (out.rfind("/out/", 0) != 0 || out.find('/', 5) != std::string::npos || out.find("..", 5) == 5)
    std::abort();
  nz::RoiSet set;
  try {
    set = nz::parseRoiSet(text, "fuzz.json");
  } catch (const nz::Error&) {
    return 0;
  }
  set.ndim = 5;  // keep every range, so the round trip is exact
  const nz::RoiSet back = nz::parseRoiSet(nz::roiSetJson(set), "again.json");
  if (back.rois.size() != set.rois.size()) std::abort();
  for (std::size_t i = 0; i < set.rois.size(); ++i) {
    // Names with invalid UTF-8 are replaced on output; the boxes and settings must survive.
    if (!sameRequest(set.rois[i].request, back.rois[i].request)) std::abort();
  }
  return 0;
}
