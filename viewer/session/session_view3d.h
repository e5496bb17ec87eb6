#pragma once
// The 3D view's part of a session: the layout of the view grid ("grid", "ortho", "3d", or one
// maximised slice view: "axial", "sagittal", "coronal") and the 3D camera in world mm (RAS):
//   "camera_3d": {"position": [x, y, z], "focal_point": [x, y, z], "view_up": [x, y, z],
//                 "view_angle": 30}
// A camera that is not of this form (another tool's) is kept as given and not applied.
#include "session/session.h"

namespace nzviewer {

class MainWindow;

// Fills session.layout and, once the 3D view shows a volume, session.camera3d.
void captureView3d(MainWindow* window, nz::Session& session);
// Sets the layout (the session's default "2x2" is the grid) and the camera, when well formed.
void applyView3d(MainWindow* window, const nz::Session& session);

}  // namespace nzviewer
