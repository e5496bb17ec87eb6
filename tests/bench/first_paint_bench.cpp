// First paint (run_first_paint_bench.sh): a fresh MainWindow under Xvfb (software GL), shown at
// 1280x860 on its start page; with the GL pre-warm (NZVIEW_GL_PREWARM unset) it waits until the
// views are warm, as a user reading the start page would. Then it opens URI and measures until
// every slice view is complete. Prints one table row:
//   the time the pre-warm took on the start page and its longest event-loop gap; the longest
//   GUI-thread stall from openUri to the complete picture (event-loop gap, and the part of it
//   outside software-GL rendering and painting); each slice view's first paint (ms: its longest
//   VTK render or paint, which is the first picture's render); the 3D view's longest render of
//   the open and the median of three later ones (under software GL a coarse whole frame, the
//   full-quality strips following in later turns).
// usage: first_paint_bench URI [--header] [--layout grid|ortho]
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSurfaceFormat>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "render/vtk_gl_widget.h"
#include "ui/main_window.h"
#include "view3d/view3d.h"
#include "view3d/view3d_controller.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using nzviewer_test::StallDetector;
using nzviewer_test::waitFor;

int main(int argc, char** argv) {
  QSurfaceFormat::setDefaultFormat(VtkGlWidget::defaultFormat());
  QApplication app(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: first_paint_bench URI [--header]\n");
    return 2;
  }
  bool header = false;
  QString layout = "grid";
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--header") == 0) header = true;
    if (std::strcmp(argv[i], "--layout") == 0 && i + 1 < argc) layout = argv[++i];
  }
  if (header) {
    std::printf(
        "| layout | pre-warm | warm-up on start page, ms (longest gap) | open: longest stall, ms | "
        "of it not painting, ms | first paint axial / coronal / sagittal, ms | 3D first paint / "
        "repaint, ms |\n"
        "|---|---|---|---|---|---|---|\n");
  }
  const bool prewarm = qEnvironmentVariable("NZVIEW_GL_PREWARM") != "0";
  MainWindow w;
  w.setHeadless(true);
  w.resize(1280, 860);
  if (auto* c = w.findChild<View3DController*>(); c && !c->setLayoutByName(layout)) return 2;
  QElapsedTimer shown;
  StallDetector warmStall;
  warmStall.start();
  shown.start();
  w.show();
  if (!QTest::qWaitForWindowExposed(&w)) return 1;
  double warmMs = 0;
  if (prewarm) {
    if (!waitFor([&] { return w.viewsWarm(); }, 30000)) return 1;
    warmMs = double(shown.nsecsElapsed()) / 1e6;
  }
  const double warmGap = warmStall.stop();
  QTest::qWait(200);  // the start page idles, as before a user's first open

  QSignalSpy opened(&w, &MainWindow::datasetOpened);
  StallDetector stall;
  stall.start();
  w.openUri(QString::fromLocal8Bit(argv[1]));
  const bool ok = waitFor([&] { return opened.count() > 0; }, 30000) &&
                  waitFor([&] { return w.viewer()->allViewsComplete(); }, 60000) &&
                  waitFor(
                      [&] {
                        for (SliceView* v : w.viewer()->views())
                          if (v->isVisible() && v->renderCount() == 0) return false;
                        return true;
                      },
                      10000);
  QTest::qWait(300);  // the pictures of the complete slices are painted (paced, one per turn)
  const double gap = stall.stop();
  if (!ok) {
    std::fprintf(stderr, "first_paint_bench: %s did not open and complete\n", argv[1]);
    return 1;
  }
  // maxPaintMs: the longest paint since the views were created (or warmed up): the first
  // picture's, which compiles what the warm-up did not.
  const auto views = w.viewer()->views();
  // The 3D view's later paints (its render cost once compiled), when it is shown.
  View3D* v3 = w.findChild<View3D*>();
  const double first3d = v3 && v3->isVisible() ? v3->maxPaintMs() : 0.0;
  std::vector<double> again;
  for (int i = 0; first3d > 0 && i < 3; ++i) {
    const int before = v3->renderCount();
    v3->requestRender();
    waitFor([&] { return v3->renderCount() > before; }, 20000);
    again.push_back(v3->lastPaintMs());
  }
  std::sort(again.begin(), again.end());
  std::printf("| %s | %s | %.0f (%.0f) | %.1f | %.1f | %.1f / %.1f / %.1f | %.1f / %.1f |\n",
              qPrintable(layout), prewarm ? "on" : "off", warmMs, prewarm ? warmGap : 0.0, gap,
              stall.maxNonPaintGapMs(), views[0]->maxPaintMs(), views[1]->maxPaintMs(),
              views[2]->maxPaintMs(), first3d, again.empty() ? 0.0 : again[again.size() / 2]);
  return 0;
}
