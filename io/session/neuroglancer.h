#pragma once
// Neuroglancer JSON state in and out (facts: Neuroglancer's viewer_state schema and data source
// docs). In: a state file, the state JSON itself, or a Neuroglancer URL whose fragment holds it
// (`https://<host>/#!{…}`, `#!+{…}`, the old URL-safe quoting). Layers of type image and
// segmentation whose source is zarr/zarr2/zarr3/nifti over http(s), gs or s3 — legacy
// (`zarr2://https://…`) or pipeline (`https://…|zarr2:`) form — become nzview layers (image /
// labels); position (x, y, z through `dimensions`) becomes the crosshair in mm and
// crossSectionScale the zoom. Everything else is listed in `unsupported`, never dropped
// silently. Out: a Neuroglancer URL for the layers on http(s) (others are listed as skipped).
#include <string>
#include <vector>

#include "session/session.h"

namespace nz {

struct NeuroglancerImport {
  Session session;
  std::vector<std::string> unsupported;  // one line per layer (or setting) not carried over
};

// Throws nz::Error(InvalidData) with one message naming the field ("Neuroglancer state:
// layers[2].source: …") when nothing usable is found or the state is malformed; a state whose
// only layers are unsupported fails with the list. `what` names the file or "Neuroglancer link".
NeuroglancerImport parseNeuroglancerState(const std::string& text, const std::string& what);

// True for a JSON object with Neuroglancer's "layers" (and no "nzview_session"), or a URL with
// a `#!{` / `#!+{` / `#!%7B` fragment.
bool looksLikeNeuroglancer(const std::string& text);

struct NeuroglancerExport {
  std::string url;                   // base URL + "#!" + the encoded state ("" when no layer)
  std::string stateJson;             // the state itself (pretty-printed)
  std::vector<std::string> skipped;  // layers not on http(s), named
};

// Default base: https://neuroglancer-demo.appspot.com/ (NZVIEW_NEUROGLANCER_URL in the viewer).
NeuroglancerExport neuroglancerExport(const Session& session, const std::string& baseUrl);

// Neuroglancer's fragment encoding: encodeURI plus !'()*;, percent-encoded.
std::string neuroglancerFragmentEncode(const std::string& json);

}  // namespace nz
