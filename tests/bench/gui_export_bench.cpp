// The viewer's export path timed in-process: ExportJob (what the export dialog runs) on URI's
// ROI, either alone ("job") or in a MainWindow that has the dataset open and on screen
// ("window": the viewer's own loader and renders run beside the export, as for a user; "busy":
// started right after the open, while the views still stream).
// Prints one JSON line: mode, seconds, chunks fetched by the export, chunks/s.
// "busy-shared" is busy with the views keeping all their connections during the export (the
// behaviour before exports took priority), for comparison.
// Usage: gui_export_bench URI --roi i0:i1,j0:j1,k0:k1 --out FILE.nii
//        [--window | --busy | --busy-shared] [--level L]
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <cstdio>
#include <string>

#include "data/data_source.h"
#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "roi/roi_box.h"
#include "ui/main_window.h"
#include "viewer/roi/export_job.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  std::string uri, roi, out;
  bool window = false, busy = false, shared = false;
  int level = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--roi" && i + 1 < argc)
      roi = argv[++i];
    else if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--level" && i + 1 < argc)
      level = std::stoi(argv[++i]);
    else if (a == "--window")
      window = true;
    else if (a == "--busy")
      window = busy = true;  // export while the views still stream
    else if (a == "--busy-shared")
      window = busy = shared = true;
    else
      uri = a;
  }
  if (uri.empty() || out.empty()) {
    std::fprintf(stderr, "usage: gui_export_bench URI --roi R --out FILE [--window]\n");
    return 2;
  }
  std::unique_ptr<nzviewer::MainWindow> w;
  if (window) {
    w = std::make_unique<nzviewer::MainWindow>();
    w->setHeadless(true);
    w->resize(1280, 860);
    w->show();
    QEventLoop loop;
    QObject::connect(w.get(), &nzviewer::MainWindow::datasetOpened, &loop, &QEventLoop::quit);
    QObject::connect(w.get(), &nzviewer::MainWindow::datasetFailed, &loop, &QEventLoop::quit);
    w->openUri(QString::fromStdString(uri));
    loop.exec();
    if (!w->source()->isOpen()) return 1;
    QElapsedTimer t;
    t.start();
    while (!busy && !w->viewer()->allViewsComplete() && t.elapsed() < 60000)
      QApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  auto ds = nz::openDataset(uri, {});
  nz::ExportRequest req;
  req.level = level;
  if (!roi.empty()) req.roi = nz::parseRoiText(roi, ds->info().levels[std::size_t(level)].shape);
  const nz::ExportPlan plan = nz::planExport(ds->info(), req);
  nz::LoaderMetrics metrics;
  nz::ExportOutputOptions oo;  // as the export dialog's for a local destination
  oo.loaderMetrics = &metrics;
  nzviewer::ExportJob job(QString::fromStdString(uri), {}, plan, QString::fromStdString(out), oo);
  QEventLoop loop;
  bool ok = false;
  QObject::connect(&job, &nzviewer::ExportJob::finished, &loop,
                   [&](bool good, bool, const QString& message) {
                     ok = good;
                     if (!good) std::fprintf(stderr, "%s\n", message.toUtf8().constData());
                     loop.quit();
                   });
  auto renders = [&w] {
    int n = 0;
    if (w)
      for (auto* v : w->viewer()->views()) n += v->renderCount();
    return n;
  };
  const int rendersBefore = renders();
  QElapsedTimer clock;
  clock.start();
  job.start();
  if (shared) {  // undo the main window's yield to the export
    w->source()->setMaxInFlight(0);
    w->viewer()->setRecomposeDelay(0);
  }
  loop.exec();
  const double secs = double(clock.nsecsElapsed()) / 1e9;
  // What the viewer's own loader fetched while the export ran (the competition for the link).
  const nz::LoaderMetrics viewer = w ? w->source()->metrics() : nz::LoaderMetrics{};
  std::printf(
      "{\"mode\":\"%s\",\"seconds\":%.3f,\"chunks\":%llu,\"chunks_per_s\":%.1f,"
      "\"viewer_chunks\":%llu,\"viewer_mb\":%.1f,\"view_renders\":%d,\"ok\":%s}\n",
      shared   ? "busy-shared"
      : busy   ? "busy"
      : window ? "window"
               : "job",
      secs, static_cast<unsigned long long>(metrics.completed), double(metrics.completed) / secs,
      static_cast<unsigned long long>(viewer.completed), double(viewer.bytesFetched) / 1e6,
      renders() - rendersBefore, ok ? "true" : "false");
  return ok ? 0 : 1;
}
