// Layer benchmark (run_layers_bench.sh): the viewer (real MainWindow, Xvfb) on a reference
// volume with up to two layers over it. Prints one table:
//   compose ms of one view with 1 and 3 layers (p50/p95 over the steps, view ~VIEW px square),
//   chunk requests per view change with 1 and 3 layers (a crosshair step to unseen chunks),
//   longest GUI-thread stall while the layers stream (event-loop gap outside painting; the
//   bench's own timed composes are excluded),
//   peak RSS and the cache's peak bytes against its one budget.
// usage: layers_bench REF LAYER_IMAGE LAYER_LABELS [--view PX] [--steps N] [--gui-compose]
//                     [--layout grid|ortho|3d]
#include <sys/resource.h>
#include <QApplication>
#include <QSurfaceFormat>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "render/vtk_gl_widget.h"
#include "ui/main_window.h"
#include "view3d/view3d_controller.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using nzviewer_test::StallDetector;
using nzviewer_test::waitFor;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size() - 1) + 0.5));
  return v[i];
}

struct Phase {
  std::vector<double> composeMs;
  std::vector<double> requestsPerStep;
  double stallMs = 0;
  bool complete = true;
};

// `steps` crosshair moves along z (each to chunks not seen before); after each, the requests it
// caused and the compose time of the axial view (timed here, 3 runs).
Phase runSteps(MainWindow& w, int steps, double z0, double dz) {
  Phase ph;
  StallDetector stall;
  for (int s = -1; s < steps; ++s) {
    // Step -1 warms up (first frames at this size); the stall is measured from step 0 on.
    if (s == 0) stall.start();
    nz::Point3 c = w.state()->crosshair();
    c[2] = z0 + (s + 1) * dz;
    const std::uint64_t before = w.source()->metrics().requests;
    w.state()->setCrosshair(c);
    ph.complete = waitFor([&] { return w.viewer()->allViewsComplete(); }, 120000) && ph.complete;
    if (s < 0) continue;
    ph.requestsPerStep.push_back(double(w.source()->metrics().requests - before));
    // The timed composes below block on purpose: they are not part of the stall measure.
    stall.stop();
    ph.stallMs = std::max(ph.stallMs, stall.maxNonPaintGapMs());
    SliceView* v = w.viewer()->view(ViewKind::Axial);
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      v->composeNow();
      ph.composeMs.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    stall.start();
  }
  stall.stop();
  ph.stallMs = std::max(ph.stallMs, stall.maxNonPaintGapMs());
  return ph;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: layers_bench REF LAYER_IMAGE LAYER_LABELS [--view PX] [--steps N] "
                 "[--gui-compose] [--layout grid|ortho|3d]\n");
    return 2;
  }
  int viewPx = 1024, steps = 12;
  bool guiCompose = false;
  std::string layout = "grid";  // as nzview: the three slice views and the 3D view
  for (int i = 4; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--gui-compose") guiCompose = true;
    if (a == "--layout" && i + 1 < argc) layout = argv[++i];
    if (a == "--view" && i + 1 < argc) viewPx = std::atoi(argv[++i]);
    if (a == "--steps" && i + 1 < argc) steps = std::atoi(argv[++i]);
  }
  // --gui-compose: the views compose on the GUI thread (as before the compose workers).
  SliceView::setComposeInBackground(!guiCompose);
  QSurfaceFormat::setDefaultFormat(VtkGlWidget::defaultFormat());
  QApplication app(argc, argv);
  MainWindow w;
  w.setHeadless(true);
  // Two view columns/rows of viewPx plus the docks and bars.
  w.resize(2 * viewPx + 420, 2 * viewPx + 110);
  if (auto* v3d = w.findChild<View3DController*>()) {
    if (!v3d->setLayoutByName(QString::fromStdString(layout))) {
      std::fprintf(stderr, "layers_bench: --layout expects grid, ortho or 3d\n");
      return 2;
    }
  }
  w.show();
  QSignalSpy opened(&w, &MainWindow::datasetOpened);
  w.openUri(argv[1]);
  if (!waitFor([&] { return opened.count() > 0; }, 120000) ||
      !waitFor([&] { return w.viewer()->allViewsComplete(); }, 300000)) {
    std::fprintf(stderr, "layers_bench: %s did not open/complete\n", argv[1]);
    return 1;
  }
  SliceView* axial = w.viewer()->view(ViewKind::Axial);
  const auto& info = w.source()->dataset()->info();
  const double nz = double(info.shape[2]);
  // 1 layer: steps over the lower half; 3 layers: the upper half (both unseen chunks).
  const double dz = std::max(1.0, nz / 2 / (steps + 2));
  Phase one = runSteps(w, steps, 1, dz);

  StallDetector addStall;
  addStall.start();
  w.source()->addLayer(argv[2], {}, LayerKind::Image);
  w.source()->addLayer(argv[3], {}, LayerKind::Labels);
  const bool added = waitFor([&] { return w.source()->layers().size() == 2; }, 120000) &&
                     waitFor([&] { return w.viewer()->allViewsComplete(); }, 300000);
  addStall.stop();
  if (!added) {
    std::fprintf(stderr, "layers_bench: layers did not open/complete\n");
    return 1;
  }
  Phase three = runSteps(w, steps, nz / 2 + 1, dz);

  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const nz::LoaderMetrics m = w.source()->metrics();
  std::printf(
      "layers benchmark: %s (%lldx%lldx%lld), axial view %dx%d px, %d steps of %.0f slices\n",
      argv[1], (long long)info.shape[0], (long long)info.shape[1], (long long)info.shape[2],
      axial->width(), axial->height(), steps, dz);
  std::printf("  layers: +image %s, +labels %s\n", argv[2], argv[3]);
  std::printf("  layout %s; composing %s\n\n", layout.c_str(),
              guiCompose ? "on the GUI thread (--gui-compose)" : "on each view's compose worker");
  std::printf("| measure                                   | 1 layer  | 3 layers |\n");
  std::printf("|-------------------------------------------|----------|----------|\n");
  std::printf("| compose one view, ms p50                  | %8.1f | %8.1f |\n",
              percentile(one.composeMs, 50), percentile(three.composeMs, 50));
  std::printf("| compose one view, ms p95                  | %8.1f | %8.1f |\n",
              percentile(one.composeMs, 95), percentile(three.composeMs, 95));
  std::printf(
      "| chunk requests per view change, mean      | %8.1f | %8.1f |\n",
      [](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return v.empty() ? 0.0 : s / double(v.size());
      }(one.requestsPerStep),
      [](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return v.empty() ? 0.0 : s / double(v.size());
      }(three.requestsPerStep));
  std::printf("| longest GUI stall while streaming, ms     | %8.1f | %8.1f |\n", one.stallMs,
              three.stallMs);
  std::printf("| all steps complete                        | %8s | %8s |\n",
              one.complete ? "yes" : "NO", three.complete ? "yes" : "NO");
  std::printf("\nlongest GUI stall while the two layers opened and streamed in: %.1f ms\n",
              addStall.maxNonPaintGapMs());
  std::printf(
      "peak RSS %.0f MiB; one cache for all layers: peak %.0f MiB of %.0f MiB budget, "
      "%llu fetches, %llu failed\n",
      double(ru.ru_maxrss) / 1024.0, double(m.cachePeakBytes) / 1048576.0,
      double(m.cacheBudget) / 1048576.0, (unsigned long long)m.requests,
      (unsigned long long)m.failed);
  return one.complete && three.complete ? 0 : 1;
}
