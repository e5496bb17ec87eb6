// nzview: the GUI entry point.
//   nzview [URI] [--overlay URI[:labels[=TABLE]] [--layer-option NAME=VALUE]...]...
//          [--rois FILE.json]
//          [--screenshot FILE.png] [--size WxH] [--timeout S] [--layout grid|ortho|3d]
//          [credential flags]
//   nzview FILE.nzview.json | 'nzview://open?…' | STATE.json | 'https://<neuroglancer>/#!{…}'
// A session, link or Neuroglancer state is handed to a running nzview when there is one.
// --help and --version work without a display: they are handled before QApplication exists.
#include <QApplication>
#include <QFileInfo>
#include <QMessageBox>
#include <QSurfaceFormat>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/data_source.h"

#include "cache/cache_config.h"
#include "open/store_flags.h"
#include "render/vtk_gl_widget.h"
#include "session/session_controller.h"
#include "session/single_instance.h"
#include "store/store_options.h"
#include "ui/main_window.h"
#include "view3d/view3d_controller.h"
#include "viewer/cache/cache_settings.h"
#include "viewer/roi/roi_controller.h"

namespace {

const char* kUsage =
    "Usage: nzview [URI] [options]\n"
    "       nzview SESSION.nzview.json | 'nzview://open?…' | STATE.json | 'https://HOST/#!{…}'\n"
    "Viewer for huge NIfTI-Zarr scans on cloud storage (az://, s3://, gs://, https://, paths).\n"
    "\n"
    "A session file (File > Save session…), an nzview:// link (Edit > Copy link to this view),\n"
    "a Neuroglancer state file or a Neuroglancer URL with the state after '#!' opens every\n"
    "layer, the crosshair, zoom and bookmarks it holds. When an nzview is already running, it\n"
    "is handed the session and opens it (one window per user; --new-window opens another).\n"
    "Sessions and links never hold secrets: credentials come from the options below (for the\n"
    "first layer's store only) and the environment.\n"
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
    "  --layer-option NAME=VALUE\n"
    "                          for the --overlay before it only (repeatable): a credential\n"
    "                          option without its dashes (azure-key=K, aws-profile=P,\n"
    "                          endpoint-url=URL, anonymous, header='K: V', ...) or a store\n"
    "                          option, over the shared ones: an overlay on another account,\n"
    "                          endpoint or store than the image\n"
    "  --rois FILE.json        load this ROI list (Save ROIs…, nzview-cli export --rois) once\n"
    "                          URI has opened and show the ROI panel\n"
    "  --screenshot FILE.png   open URI, wait until every chunk the three views need at the\n"
    "                          level they display is loaded (of every layer) and the 3D view\n"
    "                          shows its full level (when shown), save the window\n"
    "                          and exit\n"
    "                          (0 = saved and complete, 1 = error or timeout)\n"
    "  --layout grid|ortho|3d  views shown: grid = axial, sagittal, coronal and 3D (default);\n"
    "                          ortho = the three slices; 3d = the 3D view alone (the\n"
    "                          screenshot then waits for the 3D view's level)\n"
    "  --size WxH              window size (default 1280x860; works down to 1280x720)\n"
    "  --timeout S             screenshot timeout in seconds (default 60)\n"
    "  --stats                 with --screenshot: print one JSON line of transfer statistics\n"
    "                          (requests per level, bytes, chunks displayed, seconds to the\n"
    "                          complete picture)\n"
    "  --prefetch SIZE         prefetch budget per view change, e.g. 64M (default 256M or the\n"
    "                          saved setting; 0: none). Prefetch (neighbouring slices, the next\n"
    "                          finer level) starts only once everything on screen has arrived;\n"
    "                          --screenshot prefetches nothing unless this is given\n"
    "  --new-window            never hand a session or link to a running nzview\n"
    "  Credential and disk cache options (every URI; as in nzview-cli):\n";
// nz::storeFlagsHelp(26) goes here (io/open/store_flags.h: the one flag table).
const char* kUsageTail =
    "  --help, --version\n"
    "\n"
    "Environment: NZVIEW_SAMPLE_URI (\"Open sample\"), NZVIEW_SETTINGS (an INI file used\n"
    "instead of the user's settings), AZURE_*, AWS_*, GOOGLE_APPLICATION_CREDENTIALS,\n"
    "NZVIEW_DISK_CACHE=off, NZVIEW_CACHE_DIR, NZVIEW_CACHE_SIZE (see README \"Disk cache\").\n";

struct Overlay {
  std::string uri, labelTable;
  bool labels = false;
  std::vector<std::string> layerOptions;  // --layer-option NAME=VALUE after this --overlay
};

// One --layer-option NAME[=VALUE] onto the options of its overlay: NAME is a credential flag
// without its dashes (azure-key, aws-profile, endpoint-url, anonymous, header, ...: the one flag
// table, io/open/store_flags.h); any other NAME is a store option as --option takes it. Throws
// nz::Error naming the flag when malformed.
void applyLayerOption(nz::StoreOptions& o, const std::string& spec) {
  const auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  const nz::StoreFlag* flag = nz::findStoreFlag("--" + name);
  if (flag && !flag->cache) {
    const bool isSwitch = !flag->metavar || !*flag->metavar;
    if (isSwitch && eq != std::string::npos && spec.substr(eq + 1) != "true") {
      if (spec.substr(eq + 1) == "false") return;
      throw std::invalid_argument("--layer-option " + name + " takes no value (or true/false)");
    }
    const std::vector<std::string> args{isSwitch ? "--" + name : "--" + spec};
    std::size_t i = 0;
    nz::CacheFlags unused;
    nz::parseStoreFlag(args, i, o, unused);
    return;
  }
  if (name.empty() || eq == std::string::npos)
    throw std::invalid_argument(
        "--layer-option expects NAME=VALUE (a credential flag without its dashes, e.g. "
        "aws-profile=lab, or a store option), got '" +
        name + "'");
  nz::applyStoreOptionKey(o, name, spec.substr(eq + 1));
}

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
  std::string uri, screenshot, rois, layout;
  std::vector<Overlay> overlays;
  int width = 1280, height = 860;
  double timeout = 60;
  nz::StoreOptions options;
  nz::CacheFlags cache;  // applied over the saved settings once QSettings can be read
  std::string prefetch;  // --prefetch SIZE (empty: settings; screenshot mode: none)
  bool stats = false;
  bool newWindow = false;
};

// Returns -1 to continue, otherwise an exit code.
int parse(int argc, char** argv, Args& a) {
  const std::vector<std::string> argList(argv, argv + argc);
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
      std::fputs((std::string(kUsage) + nz::storeFlagsHelp(26) + kUsageTail).c_str(), stdout);
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
    } else if (arg == "--layer-option") {
      if (!value(v)) return 2;
      if (a.overlays.empty()) {
        std::fprintf(stderr,
                     "nzview: --layer-option applies to the --overlay before it; none given\n");
        return 2;
      }
      try {
        nz::StoreOptions probe;
        applyLayerOption(probe, v);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nzview: %s\n", e.what());
        return 2;
      }
      a.overlays.back().layerOptions.push_back(v);
    } else if (arg == "--screenshot") {
      if (!value(a.screenshot)) return 2;
    } else if (arg == "--layout") {
      if (!value(a.layout)) return 2;
      if (a.layout != "grid" && a.layout != "ortho" && a.layout != "3d") {
        std::fprintf(stderr, "nzview: --layout expects grid, ortho or 3d, got '%s'\n",
                     a.layout.c_str());
        return 2;
      }
    } else if (arg == "--prefetch") {
      if (!value(a.prefetch)) return 2;
      try {
        nz::parseByteSize(a.prefetch, "--prefetch");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nzview: %s\n", e.what());
        return 2;
      }
    } else if (arg == "--stats") {
      a.stats = true;
    } else if (arg == "--new-window") {
      a.newWindow = true;
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
    } else if (nz::findStoreFlag(arg.substr(0, arg.find('=')))) {
      auto at = static_cast<std::size_t>(i);
      try {
        nz::parseStoreFlag(argList, at, a.options, a.cache);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nzview: %s\n", e.what());
        return 2;
      }
      i = static_cast<int>(at);
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

// One clear dialog for an error nothing else caught (an exception escaping an event handler or
// startup), instead of std::terminate taking the open dataset and the user's ROIs with it. In
// screenshot mode nobody is there to read a dialog: the message goes to stderr, exit code 1.
void reportUnexpected(const QString& what, bool interactive) {
  const QString text = "nzview hit an unexpected error: " + what;
  std::fprintf(stderr, "nzview: %s\n", text.toUtf8().constData());
  if (interactive && qApp) {
    QMessageBox::critical(nullptr, "nzview",
                          text +
                              "\n\nWhat you were doing was stopped; the data already open "
                              "is unchanged. Please report this with the steps that led to it.");
  } else if (qApp) {
    QCoreApplication::exit(1);
  }
}

class GuardedApplication : public QApplication {
 public:
  GuardedApplication(int& argc, char** argv, bool interactive)
      : QApplication(argc, argv), interactive_(interactive) {}

  bool notify(QObject* receiver, QEvent* event) override {
    try {
      return QApplication::notify(receiver, event);
    } catch (const std::exception& e) {
      reportUnexpected(QString::fromUtf8(e.what()), interactive_);
    } catch (...) {
      reportUnexpected("unknown exception", interactive_);
    }
    return false;
  }

 private:
  bool interactive_;
};

int run(int argc, char** argv, Args& args);

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
  // VTK 9.1's GLEW needs GLX: under Qt's default EGL integration it finds no GL context.
  if (!qEnvironmentVariableIsSet("QT_XCB_GL_INTEGRATION"))
    qputenv("QT_XCB_GL_INTEGRATION", "xcb_glx");
  // A session or link goes to the running nzview, if any (a clicked nzview:// link reuses the
  // window); screenshots and --new-window always run here.
  QString sessionArg;
  if (!args.uri.empty() &&
      nzviewer::SessionController::isSessionText(QString::fromStdString(args.uri))) {
    sessionArg = QString::fromStdString(args.uri).trimmed();
    if (QFileInfo(sessionArg).isFile()) sessionArg = QFileInfo(sessionArg).absoluteFilePath();
  }
  QSurfaceFormat::setDefaultFormat(nzviewer::VtkGlWidget::defaultFormat());
  GuardedApplication app(argc, argv, args.screenshot.empty());
  const bool singleInstance = args.screenshot.empty() && !args.newWindow;
  if (singleInstance && !sessionArg.isEmpty() && nzviewer::SingleInstance::handOver(sessionArg)) {
    std::fprintf(stderr, "nzview: handed to the running nzview\n");
    return 0;
  }
  try {
    return run(argc, argv, args);
  } catch (const std::exception& e) {
    reportUnexpected(QString::fromUtf8(e.what()), args.screenshot.empty());
  } catch (...) {
    reportUnexpected("unknown exception", args.screenshot.empty());
  }
  return 1;
}

namespace {

int run(int, char**, Args& args) {
  QApplication::setApplicationName("nzview");
  QApplication::setOrganizationName("nzview");
  QApplication::setApplicationVersion(NZVIEW_VERSION);

  nz::DiskCacheSettings cache = nzviewer::loadDiskCacheSettings();
  args.cache.applyTo(cache);
  nzviewer::applyDiskCacheSettings(cache);

  nzviewer::MainWindow window;
  if (!args.prefetch.empty())
    window.source()->setPrefetchBudget(nz::parseByteSize(args.prefetch, "--prefetch"));
  else if (!args.screenshot.empty())
    window.source()->setPrefetchBudget(0);  // nobody navigates: fetch only what is shown
  window.setPrintStats(args.stats);
  window.resize(args.width, args.height);
  if (!args.layout.empty())
    if (auto* v3d = window.findChild<nzviewer::View3DController*>())
      v3d->setLayoutByName(QString::fromStdString(args.layout));
  window.show();
  // Diagnostic for the top-level catch (tests/viewer tst_viewer_gui): NZVIEW_DIAGNOSTIC_THROW
  // makes an event handler throw once the window shows; GuardedApplication must report it.
  if (qEnvironmentVariableIsSet("NZVIEW_DIAGNOSTIC_THROW"))
    QTimer::singleShot(0, &window, [] {
      throw std::runtime_error("diagnostic exception (NZVIEW_DIAGNOSTIC_THROW)");
    });
  auto* sessions = window.findChild<nzviewer::SessionController*>();
  nzviewer::SingleInstance instance;
  if (args.screenshot.empty() && !args.newWindow && instance.listen()) {
    QObject::connect(
        &instance, &nzviewer::SingleInstance::received, &window, [&window](const QString& message) {
          // Untrusted text from another process: only sessions and links are taken.
          if (!nzviewer::SessionController::isSessionText(message)) return;
          window.setWindowState((window.windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
          window.raise();
          window.activateWindow();
          window.openUri(message);
        });
  }
  if (sessions && !args.screenshot.empty())
    QObject::connect(sessions, &nzviewer::SessionController::sessionFailed,
                     [](const QString&) { QApplication::exit(1); });
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
    for (const Overlay& o : args.overlays) {
      // The shared credential options, then this overlay's own --layer-option values (checked
      // when parsed).
      nz::StoreOptions options = args.options;
      for (const std::string& spec : o.layerOptions) applyLayerOption(options, spec);
      window.source()->addLayer(QString::fromStdString(o.uri), options,
                                o.labels ? nzviewer::LayerKind::Labels : nzviewer::LayerKind::Image,
                                QString::fromStdString(o.labelTable));
    }
    args.overlays.clear();  // once: a later File > Open does not repeat them
  });
  const int rc = QApplication::exec();
  return rc == 0 && layerFailed && !args.screenshot.empty() ? 1 : rc;
}

}  // namespace
