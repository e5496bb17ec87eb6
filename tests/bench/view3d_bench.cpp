// 3D view benchmark (run_view3d_bench.sh): the real MainWindow under Xvfb (software GL) opens
// URI with the 3D view's voxel budget from NZVIEW_3D_BUDGET and prints one table row:
//   level shown, time from openUri to the first 3D picture on screen and to the refined one,
//   batches (volume uploads), frame time while rotating (p50/p95 at the interactive update rate,
//   and in brackets the p50 of full-quality frames) in the grid cell and maximised, the longest
//   GUI-thread stall while the level streamed (event-loop gap outside painting, and with painting),
//   the longest render that uploaded a volume (software GL: a render of its own; in brackets how
//   many), peak RSS and the loader cache's bytes.
// With --ortho the 3D view streams nothing: the slices alone until complete (the baseline for the
// stall, RSS and cache columns; "refined s" is then the time to the complete slices).
// usage: view3d_bench URI [--frames N] [--header] [--ortho]
#include <sys/resource.h>
#include <QApplication>
#include <QElapsedTimer>
#include <QSurfaceFormat>
#include <algorithm>
#include <cstdio>
#include <vector>

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <cmath>

#include "data/data_source.h"
#include "render/vtk_gl_widget.h"
#include "ui/main_window.h"
#include "view3d/view3d.h"
#include "view3d/view3d_controller.h"
#include "view3d/volume_streamer.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"

using namespace nzviewer;
using nzviewer_test::StallDetector;
using nzviewer_test::waitFor;

namespace {
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * double(v.size() - 1) + 0.5))];
}

// Frame times (ms, VTK render + blit) while the camera turns 6 degrees per frame. Interactive:
// at the update rate VTK's interactor style asks for while the user drags (the ray caster then
// lowers its image sample distance); still: full quality, as after the mouse is released.
std::vector<double> rotate(View3D* v, int frames, bool interactive) {
  vtkRenderWindow* win = v->renderWindow();
  win->SetDesiredUpdateRate(interactive ? v->interactor()->GetDesiredUpdateRate()
                                        : v->interactor()->GetStillUpdateRate());
  std::vector<double> ms;
  for (int i = 0; i < frames; ++i) {
    v->renderer()->GetActiveCamera()->Azimuth(6);
    v->renderer()->ResetCameraClippingRange();
    const int before = v->renderCount();
    v->requestRender();
    waitFor([&] { return v->renderCount() > before; }, 20000);
    ms.push_back(v->lastPaintMs());
  }
  win->SetDesiredUpdateRate(v->interactor()->GetStillUpdateRate());
  return ms;
}
}  // namespace

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(VtkGlWidget::defaultFormat());
  QApplication app(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: view3d_bench URI [--frames N] [--header]\n");
    return 2;
  }
  const QString uri = argv[1];
  int frames = 30;
  bool ortho = false;  // baseline: the 3D view off, the slices alone (same window layout)
  for (int i = 2; i < argc; ++i) {
    if (QString(argv[i]) == "--ortho") ortho = true;
    if (QString(argv[i]) == "--frames" && i + 1 < argc) frames = std::atoi(argv[++i]);
    if (QString(argv[i]) == "--header")
      std::printf("%-10s %-6s %-10s %-10s %-8s %-22s %-22s %-20s %-12s %-8s %-8s\n", "budget",
                  "level", "first s", "refined s", "uploads", "rotate grid ms",
                  "rotate maximised ms", "GUI stall ms", "upload ms", "RSS MB", "cache MB");
  }
  MainWindow w;
  w.setHeadless(true);
  w.resize(1280, 860);
  w.show();
  if (!QTest::qWaitForWindowExposed(&w)) return 1;
  auto* c = w.findChild<View3DController*>();
  View3D* view = c->view();
  QElapsedTimer clock;
  double firstShown = -1;
  bool volumeSeen = false;
  QObject::connect(c->streamer(), &VolumeStreamer::volumeReady, [&] { volumeSeen = true; });
  double uploadMs = 0;  // the longest render that uploaded a volume
  int uploadRenders = 0;
  QObject::connect(view, &VtkGlWidget::rendered, [&] {
    if (volumeSeen && firstShown < 0) firstShown = double(clock.elapsed()) / 1000.0;
    if (view->lastRenderUploaded())
      uploadMs = std::max(uploadMs, view->lastPaintMs()), ++uploadRenders;
  });
  double refined = -1;
  if (ortho) {
    c->streamer()->setEnabled(false);  // same grid, same slice sizes: only the 3D view is off
    StallDetector slicesStall;
    clock.start();
    slicesStall.start();
    w.openUri(uri);
    const bool ok =
        waitFor([&] { return w.source()->isOpen() && w.viewer()->allViewsComplete(); }, 600000);
    slicesStall.stop();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    char stallText[32];
    std::snprintf(stallText, sizeof stallText, "%.0f (%.0f w/ paint)",
                  slicesStall.maxNonPaintGapMs(), slicesStall.maxGapMs());
    std::printf("%-10s %-6s %-10s %-10.2f %-8s %-22s %-22s %-20s %-12s %-8.0f %-8.0f\n", "3D off",
                "-", "-", ok ? double(clock.elapsed()) / 1000.0 : -1.0, "-", "-", "-", stallText,
                "-", double(ru.ru_maxrss) / 1024.0, double(w.source()->chunkBytesHeld()) / 1e6);
    return ok ? 0 : 1;
  }
  StallDetector stall;
  clock.start();
  stall.start();
  w.openUri(uri);
  const bool done = waitFor(
      [&] {
        if (c->streamer()->complete() && refined < 0) refined = double(clock.elapsed()) / 1000.0;
        return refined >= 0;
      },
      600000);
  QTest::qWait(300);  // the refined volume's upload and render
  stall.stop();
  if (!done) {
    std::fprintf(stderr, "view3d_bench: the 3D level did not complete\n");
    return 1;
  }
  const std::vector<double> grid = rotate(view, frames, true);
  const std::vector<double> gridStill = rotate(view, 5, false);
  c->setLayout(ViewLayout::Only3d);
  QTest::qWait(200);
  const std::vector<double> maxi = rotate(view, frames, true);
  const std::vector<double> maxStill = rotate(view, 5, false);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto vol = view->volume();
  const std::int64_t budget = c->streamer()->budget();
  const int side = static_cast<int>(std::lround(std::cbrt(double(budget))));
  char budgetText[32], gridText[48], maxText[48], stallText[32], uploadText[32];
  std::snprintf(uploadText, sizeof uploadText, "%.0f (%d)", uploadMs, uploadRenders);
  std::snprintf(budgetText, sizeof budgetText, "%d^3", side);
  std::snprintf(gridText, sizeof gridText, "%.0f / %.0f (%.0f)", percentile(grid, 0.5),
                percentile(grid, 0.95), percentile(gridStill, 0.5));
  std::snprintf(maxText, sizeof maxText, "%.0f / %.0f (%.0f)", percentile(maxi, 0.5),
                percentile(maxi, 0.95), percentile(maxStill, 0.5));
  std::snprintf(stallText, sizeof stallText, "%.0f (%.0f w/ paint)", stall.maxNonPaintGapMs(),
                stall.maxGapMs());
  std::printf("%-10s %-6d %-10.2f %-10.2f %-8d %-22s %-22s %-20s %-12s %-8.0f %-8.0f\n", budgetText,
              vol ? vol->level : -1, firstShown, refined, c->streamer()->batches(), gridText,
              maxText, stallText, uploadText, double(ru.ru_maxrss) / 1024.0,
              double(w.source()->chunkBytesHeld()) / 1e6);
  std::fflush(stdout);
  return 0;
}
