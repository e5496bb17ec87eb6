#pragma once
// A viewer session (`*.nzview.json`): everything needed to bring a view back — the layers (URIs
// with secrets removed), their display settings, the crosshair in world mm, each view's zoom and
// centre, the layout, time/channel, the ROI list, bookmarks — and nothing secret. Versioned
// (`"nzview_session": 1`); README "Sessions and links" documents the schema.
//
//   {"nzview_session": 1, "nzview_version": "0.1.0",
//    "layers": [{"uri": "https://host/t1.nii.zarr", "kind": "image", "colormap": "grey",
//                "window": [0, 800]},
//               {"uri": "s3://lab/aseg.nii.zarr", "kind": "labels", "opacity": 0.5,
//                "label_table": "FreeSurferColorLUT.txt", "hidden_labels": [0, 2]}],
//    "selected_layer": 1, "crosshair_mm": [-12.5, 8, 20], "t": 0, "c": 0,
//    "views": {"axial": {"zoom": 2.5, "center_mm": [0, 0, 20]}, ...}, "layout": "2x2",
//    "rois": {...the ROI list, as Save ROIs writes it...}, "rulers": [...],
//    "camera_3d": {...}, "bookmarks": [{"name": "lesion", "crosshair_mm": [..], "zoom": 4}]}
//
// Unknown keys are ignored (a newer nzview may add some); a newer major version is refused.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nz {

constexpr int kSessionVersion = 1;

enum class SessionLayerKind { Image, Labels };

struct SessionLayer {
  std::string uri;  // secrets removed (shareableUri)
  SessionLayerKind kind = SessionLayerKind::Image;
  std::string name;  // as shown in the layer panel ("" = from the URI)
  bool visible = true;
  double opacity = 1;    // 0..1
  bool outline = false;  // labels: boundaries only
  bool linear = false;   // images: trilinear interpolation
  std::string colormap;  // "grey", "hot", "viridis", "labels" ("" = the viewer's default)
  std::optional<std::array<double, 2>> window;  // images: [low, high] in scaled units
  std::string labelTable;  // labels: path or URI of an ITK-SNAP / FreeSurfer table ("" = none)
  std::vector<std::int64_t> hiddenLabels;  // labels not drawn
};

// One slice view: zoom in screen pixels per mm (0 = fit the view) and the world point (mm)
// at the centre of the view.
struct SessionView {
  double zoom = 0;
  std::optional<std::array<double, 3>> centerMm;
};

struct Bookmark {
  std::string name;
  std::array<double, 3> crosshairMm{0, 0, 0};
  double zoom = 0;  // pixels per mm in every view (0 = keep the current zoom)
};

struct Session {
  std::vector<SessionLayer> layers;  // layers[0] is the reference (sets the grid), then bottom
                                     // to top
  int selectedLayer = -1;            // index into layers, -1 = none
  std::optional<std::array<double, 3>> crosshairMm;  // world (scanner RAS) mm
  std::int64_t t = 0, c = 0;
  std::array<SessionView, 3> views;  // axial, coronal, sagittal
  std::string layout = "2x2";
  // Kept as given (validated as a JSON object/array of objects): the 3D view's camera and the
  // rulers belong to other parts of the viewer, which read and write them.
  std::optional<nlohmann::json> camera3d;
  std::optional<nlohmann::json> rulers;
  // The ROI list in nzview's ROI-file format (io/roi/roi_set.h), validated by parseRoiSet.
  std::optional<nlohmann::json> rois;
  std::vector<Bookmark> bookmarks;
};

// View names in the order of Session::views.
const std::array<const char*, 3>& sessionViewNames();

// Parses and validates a session file's text: size (at most 16 MiB), JSON nesting depth
// (io/core/json_parse), every field's type and range. Throws nz::Error(InvalidData) with one
// message naming `what` and the field, e.g. "s.nzview.json: layers[1].opacity: must be a
// number in [0, 1]". Layer URIs are passed through shareableUri (a hand-edited secret is
// dropped, never used).
Session parseSession(const std::string& text, const std::string& what);

// Pretty-printed JSON (2-space indent) that parseSession reads back; URIs made shareable.
std::string sessionJson(const Session& session);

// Session <-> JSON object (used by the link codec's compressed form).
nlohmann::json sessionToJsonObject(const Session& session);
Session sessionFromJsonObject(const nlohmann::json& j, const std::string& what);

// True when `text` looks like a session file (a JSON object with "nzview_session").
bool looksLikeSession(const std::string& text);

}  // namespace nz
