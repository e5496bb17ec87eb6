// nzview: the GUI entry point.
//   nzview [URI] [--overlay URI[:labels[=TABLE]]]... [--rois FILE.json]
//          [--screenshot FILE.png] [--size WxH] [--timeout S] [credential flags]
// --help and --version work without a display: they are handled before QApplication exists.
#include <QApplication>
#include <QSurfaceFormat>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "data/data_source.h"

#include "cache/cache_config.h"
#include "cache/cache_settings.h"
#include "render/vtk_gl_widget.h"
#include "roi/roi_controller.h"
#include "store/store_options.h"
#include "ui/main_window.h"

namespace {

const char* kUsage =
    "Usage: nzview [URI] [options]\n"
    "Viewer for huge NIfTI-Zarr scans on cloud storage (az://, s3://, gs://, https://, paths).\n"
    "\n"
    "Options:\n"
    "  --overlay URI[:labels[=TABLE]]\n"
    "                          draw URI over the image as a layer (repeatable; bottom to top).\n"
    "                          Any grid, orientation or store: it is resampled into the views\n"
    "                          through its own affine (world mm). ':labels' shows integer data\n"
    "                          as a label map (distinct colours, names in the readout);\n"
    "                          '=TABLE' colours/names it from an ITK-SNAP label description\n"
    "                          file or a FreeSurfer *LUT.txt. The credential options below\n"
    "                          apply to every URI.\n"
    "  --rois FILE.json        load this ROI list (Save ROIs…, nzview-cli export --rois) once\n"
    "                          URI has opened and show the ROI panel\n"
    "  --screenshot FILE.png   open URI, wait until every chunk the three views need at the\n"
    "                          level they display is loaded (of every layer), save the window\n"
    "                          and exit\n"
    "                          (0 = saved and complete, 1 = error or timeout)\n"
    "  --size WxH              window size (default 1280x860; works down to 1280x720)\n"
    "  --timeout S             screenshot timeout in seconds (default 60)\n"
    "  --azure-account NAME  --azure-key KEY  --azure-sas TOKEN  --azure-connection-string S\n"
    "  --azure-endpoint URL  --aws-profile P  --aws-region R  --endpoint-url URL\n"
    "  --gcs-credentials FILE  --anonymous  --header 'K: V'  --cacert FILE  --insecure\n"
    "  --option key=value      any other store option\n"
    "  --cache-dir DIR         disk cache directory (default ~/.cache/nzview/chunks)\n"
    "  --cache-size SIZE       disk cache budget, e.g. 4G (default; least recently used\n"
    "                          chunks are evicted beyond it, pinned ones never)\n"
    "  --no-disk-cache         neither read nor write the disk cache\n"
    "  --offline               show only what the disk cache holds; no network at all\n"
    "  --help, --version\n"
    "\n"
    "Environment: NZVIEW_SAMPLE_URI (\"Open sample\"), NZVIEW_SETTINGS (an INI file used\n"
    "instead of the user's settings), AZURE_*, AWS_*, GOOGLE_APPLICATION_CREDENTIALS,\n"
    "NZVIEW_DISK_CACHE=off, NZVIEW_CACHE_DIR, NZVIEW_CACHE_SIZE (see README \"Disk cache\").\n";

struct Overlay {
  std::string uri, labelTable;
  bool labels = false;
};

// URI[:labels[=TABLE]] (the suffix is looked for after the last '/', so s3://b/x works).
Overlay parseOverlay(const std::string& spec) {
  Overlay o;
  o.uri = spec;
  const auto slash = spec.rfind('/');
  const auto at = spec.find(":labels", slash == std::string::npos ? 0 : slash);
  if (at == std::string::npos) return o;
  const std::string rest = spec.substr(at + 7);
  if (!rest.empty() && rest[0] != '=') return o;  // ":labelsX" is part of the name
  o.uri = spec.substr(0, at);
  o.labels = true;
  if (!rest.empty()) o.labelTable = rest.substr(1);
  return o;
}

struct Args {
  std::string uri, screenshot, rois;
  std::vector<Overlay> overlays;
  int width = 1280, height = 860;
  double timeout = 60;
  nz::StoreOptions options;
  // Disk cache flags (applied over the saved settings once QSettings can be read).
  std::string cacheDir;
  std::uint64_t cacheSize = 0;
  bool noDiskCache = false, offline = false;
};

// Returns -1 to continue, otherwise an exit code.
int parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "nzview: %s needs a value\n", arg.c_str());
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("nzview %s\n", NZVIEW_VERSION);
      return 0;
    } else if (arg == "--overlay") {
      if (!value(v)) return 2;
      a.overlays.push_back(parseOverlay(v));
      if (a.overlays.back().uri.empty() ||
          (a.overlays.back().labels && v.find(":labels=") != std::string::npos &&
           a.overlays.back().labelTable.empty())) {
        std::fprintf(stderr, "nzview: --overlay expects URI[:labels[=TABLE]], got '%s'\n",
                     v.c_str());
        return 2;
      }
    } else if (arg == "--screenshot") {
      if (!value(a.screenshot)) return 2;
    } else if (arg == "--rois") {
      if (!value(a.rois)) return 2;
    } else if (arg == "--size") {
      if (!value(v) || std::sscanf(v.c_str(), "%dx%d", &a.width, &a.height) != 2 || a.width < 200 ||
          a.height < 150 || a.width > 16384 || a.height > 16384) {
        std::fprintf(stderr, "nzview: --size expects WxH (at least 200x150), got '%s'\n",
                     v.c_str());
        return 2;
      }
    } else if (arg == "--timeout") {
      if (!value(v)) return 2;
      char* end = nullptr;
      a.timeout = std::strtod(v.c_str(), &end);
      if (!end || *end || !(a.timeout > 0)) {
        std::fprintf(stderr, "nzview: --timeout expects seconds > 0, got '%s'\n", v.c_str());
        return 2;
      }
    } else if (arg == "--azure-account") {
      if (!value(a.options.azureAccount)) return 2;
    } else if (arg == "--azure-key") {
      if (!value(a.options.azureKey)) return 2;
    } else if (arg == "--azure-sas") {
      if (!value(a.options.azureSas)) return 2;
    } else if (arg == "--azure-connection-string") {
      if (!value(a.options.azureConnectionString)) return 2;
    } else if (arg == "--azure-endpoint") {
      if (!value(a.options.azureEndpoint)) return 2;
    } else if (arg == "--aws-profile") {
      if (!value(a.options.awsProfile)) return 2;
    } else if (arg == "--aws-region") {
      if (!value(a.options.awsRegion)) return 2;
    } else if (arg == "--endpoint-url") {
      if (!value(a.options.endpointUrl)) return 2;
    } else if (arg == "--gcs-credentials") {
      if (!value(a.options.gcsCredentialsFile)) return 2;
    } else if (arg == "--anonymous") {
      a.options.anonymous = true;
    } else if (arg == "--insecure") {
      a.options.insecure = true;
    } else if (arg == "--header") {
      if (!value(v)) return 2;
      a.options.headers.push_back(v);
    } else if (arg == "--cacert") {
      if (!value(a.options.caFile)) return 2;
    } else if (arg == "--option") {
      if (!value(v) || v.find('=') == std::string::npos) {
        std::fprintf(stderr, "nzview: --option expects key=value\n");
        return 2;
      }
      a.options.extra[v.substr(0, v.find('='))] = v.substr(v.find('=') + 1);
    } else if (arg == "--cache-dir") {
      if (!value(a.cacheDir)) return 2;
    } else if (arg == "--cache-size") {
      if (!value(v)) return 2;
      try {
        a.cacheSize = nz::parseByteSize(v, "--cache-size");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nzview: %s\n", e.what());
        return 2;
      }
    } else if (arg == "--no-disk-cache") {
      a.noDiskCache = true;
    } else if (arg == "--offline") {
      a.offline = true;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      std::fprintf(stderr, "nzview: unknown option %s (see --help)\n", arg.c_str());
      return 2;
    } else if (a.uri.empty()) {
      a.uri = arg;
    } else {
      std::fprintf(stderr, "nzview: more than one URI given\n");
      return 2;
    }
  }
  if (!a.rois.empty() && a.uri.empty()) {
    std::fprintf(stderr, "nzview: --rois needs a URI\n");
    return 2;
  }
  if (!a.overlays.empty() && a.uri.empty()) {
    std::fprintf(stderr, "nzview: --overlay needs an image URI first (the reference grid)\n");
    return 2;
  }
  if (!a.screenshot.empty() && a.uri.empty()) {
    std::fprintf(stderr, "nzview: --screenshot needs a URI\n");
    return 2;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (int rc = parse(argc, argv, args); rc >= 0) return rc;
  const bool hasDisplay = qEnvironmentVariableIsSet("DISPLAY") ||
                          qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
                          qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
  if (!hasDisplay) {
    std::fprintf(stderr,
                 "nzview: no display (DISPLAY is not set); run under X11/Wayland or "
                 "xvfb-run, or use nzview-cli for headless work\n");
    return 1;
  }
  // VTK 9.1's GLEW needs GLX (docs/qt6-vtk-on-debian.md, pitfall 4).
  if (!qEnvironmentVariableIsSet("QT_XCB_GL_INTEGRATION"))
    qputenv("QT_XCB_GL_INTEGRATION", "xcb_glx");
  QSurfaceFormat::setDefaultFormat(nzviewer::VtkGlWidget::defaultFormat());
  QApplication app(argc, argv);
  QApplication::setApplicationName("nzview");
  QApplication::setOrganizationName("nzview");
  QApplication::setApplicationVersion(NZVIEW_VERSION);

  nz::DiskCacheSettings cache = nzviewer::loadDiskCacheSettings();
  if (!args.cacheDir.empty()) cache.dir = args.cacheDir, cache.enabled = true;
  if (args.cacheSize) cache.budgetBytes = args.cacheSize;
  if (args.noDiskCache) cache.enabled = false;
  if (args.offline) cache.offline = true;
  nzviewer::applyDiskCacheSettings(cache);

  nzviewer::MainWindow window;
  window.resize(args.width, args.height);
  window.show();
  if (!args.rois.empty()) {
    // Loaded once, when the dataset has opened; a bad list is one message (and exit code 1 in
    // screenshot mode, where nobody reads the panel).
    auto* roi = window.findChild<nzviewer::RoiController*>();
    const QString file = QString::fromStdString(args.rois);
    const bool screenshot = !args.screenshot.empty();
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = QObject::connect(&window, &nzviewer::MainWindow::datasetOpened, &window,
                             [roi, file, screenshot, conn] {
                               QObject::disconnect(*conn);
                               QString error;
                               if (roi && roi->loadRois(file, &error)) return;
                               std::fprintf(stderr, "nzview: %s\n", error.toUtf8().constData());
                               if (screenshot) QApplication::exit(1);
                             });
  }
  if (!args.uri.empty()) {
    if (!args.screenshot.empty())
      window.screenshotWhenReady(QString::fromStdString(args.screenshot), args.timeout);
    window.openUri(QString::fromStdString(args.uri), args.options);
  }
  // Layers open once the reference is open (it sets the grid); a failed layer is reported
  // and, in screenshot mode, makes the exit code 1.
  bool layerFailed = false;
  QObject::connect(window.source(), &nzviewer::DataSource::layerFailed,
                   [&layerFailed](const QString& m) {
                     layerFailed = true;
                     std::fprintf(stderr, "nzview: %s\n", m.toUtf8().constData());
                   });
  QObject::connect(window.source(), &nzviewer::DataSource::layerWarning, [](const QString& m) {
    std::fprintf(stderr, "nzview: warning: %s\n", m.toUtf8().constData());
  });
  QObject::connect(&window, &nzviewer::MainWindow::datasetOpened, [&window, &args] {
    for (const Overlay& o : args.overlays)
      window.source()->addLayer(QString::fromStdString(o.uri), args.options,
                                o.labels ? nzviewer::LayerKind::Labels : nzviewer::LayerKind::Image,
                                QString::fromStdString(o.labelTable));
    args.overlays.clear();  // once: a later File > Open does not repeat them
  });
  const int rc = app.exec();
  return rc == 0 && layerFailed && !args.screenshot.empty() ? 1 : rc;
}
