#pragma once
// Between a MainWindow and an nz::Session: what is on screen now (captureSession) and putting
// a session's view back once its reference is open (applyView, applyLayerDisplay). World mm go
// through the reference's level-0 affine; the views keep their own voxel-grid display.
#include <QString>

#include "layers/layer.h"
#include "session/session.h"

namespace nzviewer {

class MainWindow;

// The open dataset, its layers, display, crosshair (world mm), views, t/c, ROIs and selected
// layer. `bookmarks` are copied in. Layers is empty when nothing is open.
nz::Session captureSession(MainWindow* window, const std::vector<nz::Bookmark>& bookmarks);

// Crosshair, t/c, reference window/colour map and each view's zoom and centre.
void applyView(MainWindow* window, const nz::Session& session);
// Zoom (pixels per mm, all views, 0 = keep) about the crosshair, centring every view on it.
void goToPosition(MainWindow* window, const std::array<double, 3>& worldMm, double zoom);
// A layer's display settings from the session (opacity, visibility, window, hidden labels…).
void applyLayerDisplay(Layer& layer, const nz::SessionLayer& settings);

QString colormapKey(Colormap map);  // "grey", "hot", "viridis", "labels"
bool colormapFromKey(const std::string& key, Colormap& map);

}  // namespace nzviewer
