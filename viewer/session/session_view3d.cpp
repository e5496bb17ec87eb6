#include "session/session_view3d.h"

#include <cmath>

#include "ui/main_window.h"
#include "view3d/view3d.h"
#include "view3d/view3d_controller.h"

namespace nzviewer {

namespace {

struct LayoutName {
  ViewLayout layout;
  const char* name;
};
constexpr LayoutName kLayouts[] = {
    {ViewLayout::Grid, "grid"},
    {ViewLayout::Ortho, "ortho"},
    {ViewLayout::Only3d, "3d"},
    {ViewLayout::OnlyAxial, "axial"},
    {ViewLayout::OnlySagittal, "sagittal"},
    {ViewLayout::OnlyCoronal, "coronal"},
};

bool readVec3(const nlohmann::json& j, const char* key, std::array<double, 3>& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 3) return false;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!(*it)[i].is_number()) return false;
    out[i] = (*it)[i].get<double>();
    if (!std::isfinite(out[i])) return false;
  }
  return true;
}

std::optional<Camera3d> cameraFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  Camera3d c;
  if (!readVec3(j, "position", c.position) || !readVec3(j, "focal_point", c.focalPoint) ||
      !readVec3(j, "view_up", c.viewUp))
    return std::nullopt;
  if (const auto it = j.find("view_angle"); it != j.end()) {
    if (!it->is_number()) return std::nullopt;
    c.viewAngle = it->get<double>();
  }
  // A camera on its focal point or with no up direction has no view: not applied.
  double distance = 0, up = 0;
  for (int i = 0; i < 3; ++i) {
    distance += (c.position[i] - c.focalPoint[i]) * (c.position[i] - c.focalPoint[i]);
    up += c.viewUp[i] * c.viewUp[i];
  }
  if (!(distance > 0) || !(up > 0) || !(c.viewAngle > 0 && c.viewAngle < 180)) return std::nullopt;
  return c;
}

}  // namespace

void captureView3d(MainWindow* window, nz::Session& session) {
  auto* controller = window->findChild<View3DController*>();
  if (!controller) return;
  for (const LayoutName& l : kLayouts)
    if (l.layout == controller->layout()) session.layout = l.name;
  const View3D* view = controller->view();
  if (!view || !view->hasCamera()) return;
  const Camera3d c = view->camera();
  session.camera3d = nlohmann::json{{"position", c.position},
                                    {"focal_point", c.focalPoint},
                                    {"view_up", c.viewUp},
                                    {"view_angle", c.viewAngle}};
}

void applyView3d(MainWindow* window, const nz::Session& session) {
  auto* controller = window->findChild<View3DController*>();
  if (!controller) return;
  const std::string name = session.layout == "2x2" ? "grid" : session.layout;
  for (const LayoutName& l : kLayouts)
    if (name == l.name) controller->setLayout(l.layout);
  if (session.camera3d)
    if (const auto camera = cameraFromJson(*session.camera3d))
      controller->view()->setCamera3d(*camera);
}

}  // namespace nzviewer
