// The viewer's export path timed in-process: ExportJob (what the export dialog runs) on URI's
// ROI, either alone ("job") or in a MainWindow that has the dataset open and on screen
// ("window": the viewer's own loader and renders run beside the export, as for a user; "busy":
// started right after the open, while the views still stream).
// Prints one JSON line: mode, seconds, chunks fetched by the export, chunks/s.
// Usage: gui_export_bench URI --roi i0:i1,j0:j1,k0:k1 --out FILE.nii [--window | --busy]
//        [--level L]
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <cstdio>
#include <string>

#include "data/data_source.h"
#include "dataset/dataset.h"
#include "roi/export_job.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "roi/roi_box.h"
#include "ui/main_window.h"
#include "views/ortho_viewer.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  std::string uri, roi, out;
  bool window = false, busy = false;
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
  QElapsedTimer clock;
  clock.start();
  job.start();
  loop.exec();
  const double secs = double(clock.nsecsElapsed()) / 1e9;
  std::printf(
      "{\"mode\":\"%s\",\"seconds\":%.3f,\"chunks\":%llu,\"chunks_per_s\":%.1f,\"ok\":%s}\n",
      busy     ? "busy"
      : window ? "window"
               : "job",
      secs, static_cast<unsigned long long>(metrics.completed), double(metrics.completed) / secs,
      ok ? "true" : "false");
  return ok ? 0 : 1;
}
