#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QColor>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QShowEvent>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/thread_pool.h"
#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "measure/measure_controller.h"
#include "model/viewer_state.h"
#include "render/vtk_gl_widget.h"
#include "session/session_controller.h"
#include "settings/gui_settings.h"
#include "ui/display_panel.h"
#include "ui/header_panel.h"
#include "ui/open_dialog.h"
#include "ui/view_links.h"
#include "uri/uri.h"
#include "view3d/view3d_controller.h"
#include "viewer/cache/cache_controller.h"
#include "viewer/roi/export_job.h"
#include "viewer/roi/roi_controller.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

// Q_INIT_RESOURCE must be called from the global namespace; the resources live in this static
// library, so the application never has to know about them.
static void initNzviewResources() { Q_INIT_RESOURCE(nzview); }

namespace nzviewer {

namespace {
constexpr int kMaxRecent = 10;
QSettings settings() { return guiSettings(); }
bool isRemote(const QString& uri) {
  return uri.contains("://") && !uri.startsWith("file://", Qt::CaseInsensitive);
}
}  // namespace

QString MainWindow::settingsFile() { return settings().fileName(); }

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initNzviewResources();
  setObjectName("mainWindow");
  setWindowTitle("nzview");
  setWindowIcon(QIcon(":/nzview/nzview.png"));
  setAcceptDrops(true);
  resize(1280, 860);
  // Chunk decoding yields the CPU to this thread and software GL's rasterisers: on a 2-core
  // machine the decoders otherwise take half of it while the views draw their first pictures.
  nz::ThreadPool::shared().setNice(10);
  source_ = new DataSource(this);
  state_ = new ViewerState(this);

  stack_ = new QStackedWidget;
  stack_->addWidget(makeStartPage());
  viewer_ = new OrthoViewer(state_, source_);
  links_ = new ViewLinks(viewer_, state_, source_, this);
  display_ = new DisplayPanel(state_, viewer_, links_);
  viewer_->setCornerWidget(display_);
  stack_->addWidget(viewer_);
  setCentralWidget(stack_);
  connect(stack_, &QStackedWidget::currentChanged, this, [this](int page) {
    if (page == 0 && recentDirty_) refreshRecent();
  });

  header_ = new HeaderPanel;
  headerDock_ = addSidePanel(header_, "Header");
  headerDock_->setObjectName("headerDock");
  headerDock_->hide();

  cursorLabel_ = new QLabel;
  cursorLabel_->setObjectName("cursorLabel");
  transferLabel_ = new QLabel;
  transferLabel_->setObjectName("transferLabel");
  statusBar()->addWidget(cursorLabel_, 1);
  statusBar()->addPermanentWidget(transferLabel_);
  buildMenus();
  new RoiController(toolContext());  // ROI overlay, panel, "Draw ROI", export (after the menus)
  new LayerPanel(this);              // layers over the image: a dock and View menu entry
  new CacheController(this);         // "Cache" menu: pin for offline, disk cache settings
  // The 3D view in the grid's fourth cell (display controls to a dock), layouts, maximise.
  new View3DController(this);
  new MeasureController(this);  // "Measure" menu: ROI statistics dock, histogram, rulers

  // Sessions, links, Neuroglancer state, bookmarks, presentation mode (viewer/session).
  new SessionController(this);

  connect(source_, &DataSource::opened, this, &MainWindow::onOpened);
  connect(source_, &DataSource::openFailed, this, &MainWindow::onOpenFailed);
  connect(viewer_, &OrthoViewer::cursorInfo, cursorLabel_, &QLabel::setText);
  // An export goes first: meanwhile the views stream through 4 connections and take delivered
  // chunks once a second (pan, zoom and slice changes still recompose at once). Measured with
  // run_gui_export_bench.sh "busy": the views' 432 chunks competed with the export's 512 for
  // the link and the CPU, and chunks trickling in cost a software-GL render each.
  connect(ExportActivity::instance(), &ExportActivity::runningChanged, this, [this](int running) {
    source_->setMaxInFlight(running > 0 ? 4 : 0);
    viewer_->setRecomposeDelay(running > 0 ? 1000 : 0);
  });
  transferTimer_.setInterval(250);
  connect(&transferTimer_, &QTimer::timeout, this, &MainWindow::updateTransfer);
  transferTimer_.start();
  screenshotTimer_.setInterval(50);
  connect(&screenshotTimer_, &QTimer::timeout, this, &MainWindow::checkScreenshot);
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addSidePanel(QWidget* panel, const QString& title,
                                      Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setWidget(panel);
  dock->setObjectName(title + "Dock");
  addDockWidget(area, dock);
  return dock;
}

ToolContext MainWindow::toolContext() {
  ToolContext c;
  c.window = this;
  c.source = source_;
  c.state = state_;
  const auto views = viewer_->views();
  for (std::size_t i = 0; i < c.views.size(); ++i) c.views[i] = views[i];
  c.menuBar = menuBar();
  c.fileMenu = fileMenu_;
  c.fileMenuEnd = fileMenuEnd_;
  c.viewMenu = viewMenu_;
  c.statusBar = statusBar();
  c.headerDock = headerDock_;
  c.addSidePanel = [this](QWidget* panel, const QString& title) {
    return addSidePanel(panel, title);
  };
  c.setDiscardCheck = [this](std::function<bool()> check) { setDiscardCheck(std::move(check)); };
  c.onDatasetOpened = [this](QObject* receiver, std::function<void()> slot) {
    connect(this, &MainWindow::datasetOpened, receiver, std::move(slot));
  };
  c.openUri = [this](const QString& uri, const nz::StoreOptions& options) {
    openUri(uri, options);
  };
  c.storeOptions = [this] { return storeOptions_; };
  return c;
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&Open…", QKeySequence::Open, this, &MainWindow::showOpenDialog);
  file->addAction("Open &sample", this, &MainWindow::openSample);
  QAction* shot = file->addAction("Save screens&hot…", QKeySequence("Ctrl+Shift+P"), this,
                                  &MainWindow::saveScreenshotInteractive);
  shot->setObjectName("saveScreenshotAction");
  fileMenu_ = file;
  fileMenuEnd_ = file->addSeparator();
  // Quit closes the window, so unsaved work is asked about (closeEvent) before the app ends.
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);
  QMenu* view = menuBar()->addMenu("&View");
  viewMenu_ = view;
  view->addAction(headerDock_->toggleViewAction());
  view->addAction("&Reset views", this, [this] {
    for (SliceView* v : viewer_->views()) v->resetView();
  });
  view->addAction(links_->linearAction());
  view->addAction(links_->linkedZoomAction());
  view->addAction("&Start page", this, [this] { stack_->setCurrentIndex(0); });
  QMenu* help = menuBar()->addMenu("&Help");
  QAction* keys = help->addAction("&Keyboard shortcuts", QKeySequence::HelpContents, this,
                                  &MainWindow::showShortcuts);
  keys->setObjectName("shortcutsAction");
  help->addAction("&About nzview", this, [this] {
    QMessageBox::about(this, "About nzview",
                       QString("nzview %1\nViewer for huge NIfTI-Zarr scans on cloud storage.")
                           .arg(NZVIEW_VERSION));
  });
}

bool MainWindow::saveScreenshot(const QString& path) {
  const QImage image = grab().toImage();
  if (!image.isNull() && image.save(path, "PNG")) {
    statusBar()->showMessage(QString("Saved screenshot %1").arg(path), 5000);
    return true;
  }
  showError("Could not save screenshot", QString("Cannot write %1").arg(path));
  return false;
}

void MainWindow::saveScreenshotInteractive() {
  QString base = source_->isOpen() ? QFileInfo(redactForDisplay(source_->uri())).fileName() : "";
  for (const char* s : {".nii.zarr", ".nii.gz", ".nii", ".zarr", ".ozx"})
    if (base.endsWith(s, Qt::CaseInsensitive)) base.chop(int(strlen(s)));
  if (base.isEmpty()) base = "nzview";
  const QString dir = lastScreenshotDir_.isEmpty() ? QDir::homePath() : lastScreenshotDir_;
  QString path = QFileDialog::getSaveFileName(this, "Save screenshot",
                                              QDir(dir).filePath(base + ".png"), "PNG (*.png)");
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += ".png";
  if (saveScreenshot(path)) lastScreenshotDir_ = QFileInfo(path).absolutePath();
}

QString MainWindow::shortcutsText() const {
  QString rows;
  auto row = [&rows](const QString& keys, const QString& what) {
    rows += QString("<tr><td><b>%1</b></td><td>%2</td></tr>")
                .arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
  };
  rows += "<tr><th colspan=2 align=left>Commands</th></tr>";
  // Every action of the window with a shortcut (menus, toolbars, panels), as Qt spells it.
  QStringList seen;
  for (QAction* a : findChildren<QAction*>()) {
    QStringList keys;
    for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
    const QString name = a->text().remove('&').remove("…");
    if (keys.isEmpty() || name.isEmpty() || seen.contains(name)) continue;
    seen << name;
    row(keys.join(", "), name);
  }
  rows += "<tr><th colspan=2 align=left>Views</th></tr>";
  row("Left click / drag", "Move the crosshair (all views follow)");
  row("Left / Right / Up / Down", "Move the crosshair one voxel in the view (Shift: ×10)");
  row("Wheel, PgUp / PgDn", "Previous / next slice (Shift: ×10)");
  row("Ctrl+wheel, + / -", "Zoom about the cursor (all views with Linked zoom)");
  row("Middle drag, Shift+left drag", "Pan");
  row("Right drag", "Window (horizontal) / level (vertical); 500 px = the data range");
  row("Home, R", "Fit the view under the mouse (else the focused one, orange frame)");
  row("Shift+Home", "Fit every view and reset the window (Auto)");
  row("Ctrl+left drag", "Draw, resize or move an ROI box (or any drag in Draw ROI mode)");
  row("3D: left drag / middle drag / wheel", "Rotate / pan / zoom");
  row("3D: left click", "Move the crosshair to the point of the volume under the mouse");
  row("3D: R, A, L, S (Shift: opposite)", "Reset; look from anterior, left, superior");
  row("3D: double-click", "Maximise the 3D view / restore the layout");
  rows += "<tr><th colspan=2 align=left>Panels</th></tr>";
  row("Enter in Go to", "Jump the crosshair to typed voxel or world mm coordinates");
  row("Double-click a recent URI", "Open it; Delete removes it from the list");
  row("Double-click an ROI", "Rename it");
  return "<table cellspacing=4>" + rows + "</table>";
}

void MainWindow::showShortcuts() {
  QMessageBox box(QMessageBox::NoIcon, "Keyboard shortcuts", shortcutsText(), QMessageBox::Close,
                  this);
  box.setObjectName("shortcutsBox");
  box.setTextFormat(Qt::RichText);
  box.exec();
}

QWidget* MainWindow::makeStartPage() {
  auto* page = new QWidget;
  page->setObjectName("startPage");
  auto* l = new QVBoxLayout(page);
  l->setContentsMargins(60, 40, 60, 40);
  auto* title = new QLabel(
      "<h1>nzview</h1><p>Open a NIfTI-Zarr, OME-Zarr or NIfTI scan from a "
      "local path or cloud storage (az://, s3://, gs://, https://). "
      "Drop a folder, file or URI anywhere in this window.</p>");
  title->setWordWrap(true);
  l->addWidget(title);
  auto* buttons = new QHBoxLayout;
  auto* open = new QPushButton("Open…");
  open->setObjectName("openButton");
  auto* sample = new QPushButton("Open sample");
  sample->setObjectName("sampleButton");
  sample->setEnabled(!sampleUri().isEmpty());
  sample->setToolTip(sampleUri());
  buttons->addWidget(open);
  buttons->addWidget(sample);
  buttons->addStretch();
  l->addLayout(buttons);
  auto* recentTitle = new QHBoxLayout;
  recentTitle->addWidget(new QLabel("Recent (double-click opens; Delete or right-click removes)"));
  recentTitle->addStretch();
  auto* clear = new QPushButton("Clear list");
  clear->setObjectName("clearRecentButton");
  recentTitle->addWidget(clear);
  l->addLayout(recentTitle);
  recent_ = new QListWidget;
  recent_->setObjectName("recentList");
  recent_->setContextMenuPolicy(Qt::CustomContextMenu);
  l->addWidget(recent_, 1);
  connect(clear, &QPushButton::clicked, this, [this] {
    settings().remove("recentUris");
    settings().remove("recentFailed");
    refreshRecent();
  });
  connect(recent_, &QListWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    QListWidgetItem* item = recent_->itemAt(pos);
    if (!item) return;
    const QString uri = item->data(Qt::UserRole).toString();
    QMenu menu(recent_);
    menu.addAction("Open", this, [this, uri] { openUri(uri); });
    menu.addAction("Remove from list", this, [this, uri] { removeRecent(uri); });
    menu.exec(recent_->viewport()->mapToGlobal(pos));
  });
  recent_->installEventFilter(this);  // Delete / Backspace remove the selected entry
  // Opens directly (credentials from the environment, as on the command line); "Open…" is
  // there for URIs that need typed credentials.
  connect(recent_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { openUri(item->data(Qt::UserRole).toString()); });
  refreshRecent();
  return page;
}

QString MainWindow::sampleUri() {
  QString env = qEnvironmentVariable("NZVIEW_SAMPLE_URI");
  if (!env.isEmpty()) return env;
  const QString installed = QApplication::applicationDirPath() + "/../share/nzview/sample.nii.zarr";
  // Found the way an installed program finds it: <prefix>/bin/../share/nzview (the build tree
  // has the same layout: bin/ and share/nzview/).
  if (QFileInfo::exists(installed)) return QFileInfo(installed).canonicalFilePath();
  return {};
}

QString MainWindow::redactForDisplay(const QString& uri) {
  QString u = uri.trimmed();
  const int q = u.indexOf('?');
  if (q >= 0) u = u.left(q);
  return QString::fromStdString(nz::redactSecrets(u.toStdString()));
}

QStringList MainWindow::recentUris() const { return settings().value("recentUris").toStringList(); }

void MainWindow::addRecent(const QString& uri) {
  // One read and one write of the settings file: the open's own turn on the GUI thread.
  QSettings s = settings();
  const QString clean = redactForDisplay(uri);
  QStringList list = s.value("recentUris").toStringList();
  list.removeAll(clean);
  list.prepend(clean);
  while (list.size() > kMaxRecent) list.removeLast();
  s.setValue("recentUris", list);
  QStringList failed = s.value("recentFailed").toStringList();
  if (failed.removeAll(clean) > 0) s.setValue("recentFailed", failed);
  refreshRecent();
}

void MainWindow::markRecentFailed(const QString& uri, bool failed) {
  QSettings s = settings();
  QStringList list = s.value("recentFailed").toStringList();
  const QString clean = redactForDisplay(uri);
  list.removeAll(clean);
  if (failed && recentUris().contains(clean)) list.prepend(clean);
  s.setValue("recentFailed", list);
  refreshRecent();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* e) {
  if (watched == recent_ && e->type() == QEvent::KeyPress) {
    const int key = static_cast<QKeyEvent*>(e)->key();
    if ((key == Qt::Key_Delete || key == Qt::Key_Backspace) && recent_->currentItem()) {
      removeRecent(recent_->currentItem()->data(Qt::UserRole).toString());
      return true;
    }
  }
  return QMainWindow::eventFilter(watched, e);
}

void MainWindow::removeRecent(const QString& uri) {
  QSettings s = settings();
  for (const char* key : {"recentUris", "recentFailed"}) {
    QStringList list = s.value(key).toStringList();
    list.removeAll(uri);
    s.setValue(key, list);
  }
  refreshRecent();
}

void MainWindow::refreshRecent() {
  if (!recent_) return;
  // The list is on the start page: while the views show, it is rebuilt (a stat per local
  // entry, an item each) when the start page comes back, not in the turn of an open.
  recentDirty_ = stack_ && stack_->currentIndex() > 0;
  if (recentDirty_) return;
  recent_->clear();
  const QStringList failed = settings().value("recentFailed").toStringList();
  for (const QString& uri : recentUris()) {
    // Local entries are checked on the spot (a stat); remote ones are marked when their last
    // open failed (the GUI thread never waits on the network to find out).
    QString why;
    if (!isRemote(uri) &&
        !QFileInfo::exists(uri.startsWith("file://") ? QUrl(uri).toLocalFile() : uri))
      why = "not found";
    else if (failed.contains(uri))
      why = "last open failed";
    auto* item = new QListWidgetItem(why.isEmpty() ? uri : QString("%1  — %2").arg(uri, why));
    item->setData(Qt::UserRole, uri);
    item->setData(Qt::UserRole + 1, !why.isEmpty());
    if (!why.isEmpty()) {
      item->setForeground(QColor(150, 150, 150));
      QFont f = item->font();
      f.setItalic(true);
      item->setFont(f);
      item->setToolTip(QString("%1: %2").arg(uri, why));
    } else {
      item->setToolTip(uri);
    }
    recent_->addItem(item);
  }
}

void MainWindow::showOpenDialog() {
  OpenDialog dlg(this);
  if (dlg.exec() != QDialog::Accepted || dlg.uri().isEmpty()) return;
  openUri(dlg.uri(), dlg.options(), dlg.testedDataset());  // a tested dataset is not reopened
}

void MainWindow::openSample() {
  const QString uri = sampleUri();
  if (uri.isEmpty()) {
    showError("No sample", "No sample dataset found (set NZVIEW_SAMPLE_URI).");
    return;
  }
  openUri(uri);
}

bool MainWindow::openUri(const QString& uri, const nz::StoreOptions& options,
                         std::shared_ptr<nz::Dataset> alreadyOpened) {
  if (uriHandler_) {
    // The handler opens sessions through openUri again: never twice for the same text.
    auto handler = std::move(uriHandler_);
    const bool taken = handler(uri, options);
    uriHandler_ = std::move(handler);
    if (taken) return true;
  }
  if (source_->isOpen() && !confirmDiscard()) return false;
  pendingUri_ = uri;
  pendingOptions_ = options;
  // The views, header and ROIs of the open dataset stay until the new one has opened.
  cursorLabel_->setText(QString("Opening %1 …").arg(redactForDisplay(uri)));
  source_->open(uri, options, std::move(alreadyOpened));
  return true;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (source_->isOpen() && !confirmDiscard()) {
    e->ignore();
    return;
  }
  QMainWindow::closeEvent(e);
}

void MainWindow::showEvent(QShowEvent* e) {
  QMainWindow::showEvent(e);
  if (warmUpStarted_) return;
  warmUpStarted_ = true;
  if (qEnvironmentVariable("NZVIEW_GL_PREWARM") == "0") return;
  // After the window's first frame, so the start page appears first.
  QTimer::singleShot(0, this, [this] { warmUpView(0); });
}

void MainWindow::warmUpView(std::size_t index) {
  // The slice views, then the 3D view (its ray caster's shaders), whichever layout shows.
  const auto views = viewer_->findChildren<VtkGlWidget*>();
  // A dataset that opened first has initialised the views itself.
  if (index >= static_cast<std::size_t>(views.size()) || source_->isOpen()) {
    viewsWarm_ = true;
    emit viewsWarmed();
    return;
  }
  views[static_cast<qsizetype>(index)]->warmUp();
  QTimer::singleShot(0, this, [this, index] { warmUpView(index + 1); });
}

void MainWindow::onOpened() {
  // An open's work on the GUI thread is spread over turns, none of which may stall it long
  // under software GL: this one fills the header and shows its dock, the next one shows the
  // views' page (their first raster paint and the window's composition in a turn without any
  // VTK render), then the views' pictures come one per turn.
  storeOptions_ = pendingOptions_;
  header_->clearInfo();
  const auto& info = source_->dataset()->info();
  header_->setInfo(info, source_->openSeconds());
  if (!headerDock_->isVisible()) {
    headerDock_->show();
    resizeDocks({headerDock_}, {std::max(360, width() / 4)}, Qt::Horizontal);
  }
  QStringList shape;
  for (int i = 0; i < info.ndim; ++i) shape << QString::number(info.shape[i]);
  cursorLabel_->setText(
      QString("Opened %1: %2, %3, %4 level(s)")
          .arg(QString::fromStdString(info.uri), shape.join("×"), nz::dtypeName(info.dtype))
          .arg(info.levels.size()));
  setWindowTitle(QString("nzview — %1").arg(QString::fromStdString(info.uri)));
  addRecent(pendingUri_);  // also clears an earlier failed mark
  // Two hops: the first lands in the pass that paints the dock, the second after it.
  QTimer::singleShot(0, this, [this, generation = ++openedGeneration_] {
    QTimer::singleShot(0, this, [this, generation] {
      if (generation == openedGeneration_ && source_->isOpen()) showOpened();
    });
  });
}

void MainWindow::showOpened() {
  VtkGlWidget::holdRenders();
  // The views leave the last dataset and take the new one in one turn: a request for chunks
  // in between would be for the old crosshair.
  viewer_->onDatasetClosed();
  stack_->setCurrentWidget(viewer_);
  viewer_->onDatasetOpened();
  emit datasetOpened();
}

void MainWindow::onOpenFailed(const QString& message) {
  const QString clean = QString::fromStdString(nz::redactSecrets(message.toStdString()));
  // Nothing else changes: the dataset that was open (if any) stays with its views and ROIs.
  cursorLabel_->setText("Open failed");
  markRecentFailed(pendingUri_, true);
  emit datasetFailed(clean);
  if (!screenshotPath_.isEmpty()) {
    std::fprintf(stderr, "nzview: %s\n", clean.toUtf8().constData());
    QApplication::exit(1);
    return;
  }
  showError("Could not open dataset", clean);
}

void MainWindow::showError(const QString& title, const QString& message) {
  if (headless_) {
    std::fprintf(stderr, "nzview: %s: %s\n", title.toUtf8().constData(),
                 message.toUtf8().constData());
    return;
  }
  QMessageBox box(QMessageBox::Critical, title, message.section('\n', 0, 0), QMessageBox::Ok, this);
  box.setDetailedText(message);
  box.exec();
}

void MainWindow::updateTransfer() {
  if (!source_->isOpen() || source_->isOpening()) {
    transferLabel_->setText(source_->isOpening() ? "opening…" : "");
    if (!source_->isOpen()) return;
  }
  const nz::LoaderMetrics m = source_->metrics();
  QString text = QString("chunks %1/%2 · %3 req · %4 MB · %5 MB/s · cache %6/%7 MB")
                     .arg(m.visibleAvailable)
                     .arg(m.visibleWanted)
                     .arg(m.requests)
                     .arg(double(m.bytesFetched) / 1e6, 0, 'f', 1)
                     .arg(m.throughputBytesPerSecond / 1e6, 0, 'f', 1)
                     .arg(double(m.cacheBytes) / 1e6, 0, 'f', 0)
                     .arg(double(m.cacheBudget) / 1e6, 0, 'f', 0);
  if (m.failed) text += QString(" · %1 failed").arg(m.failed);
  if (!source_->isOpening()) transferLabel_->setText(text);
  if (!source_->lastChunkError().isEmpty())
    transferLabel_->setToolTip(
        QString::fromStdString(nz::redactSecrets(source_->lastChunkError().toStdString())));
  header_->setMetrics(m);
}

void MainWindow::screenshotWhenReady(const QString& path, double timeoutSeconds) {
  screenshotPath_ = path;
  screenshotTimeout_ = timeoutSeconds;
  headless_ = true;
  screenshotClock_.start();
  screenshotStableTicks_ = 0;
  screenshotTimer_.start();
}

void MainWindow::checkScreenshot() {
  const bool timedOut = screenshotClock_.elapsed() > screenshotTimeout_ * 1000.0;
  bool complete = source_->isOpen() && viewer_->allViewsComplete();
  for (const auto& ready : readyChecks_) complete = complete && ready();
  // Two consecutive complete ticks: the last chunks have been rendered, not just composed.
  screenshotStableTicks_ = complete ? screenshotStableTicks_ + 1 : 0;
  if (complete && completeSeconds_ < 0) completeSeconds_ = screenshotClock_.elapsed() / 1000.0;
  if (screenshotStableTicks_ < 2 && !timedOut) return;
  screenshotTimer_.stop();
  if (printStats_) printScreenshotStats();
  updateTransfer();
  const QImage image = grab().toImage();
  const bool saved = !image.isNull() && image.save(screenshotPath_, "PNG");
  if (!saved)
    std::fprintf(stderr, "nzview: could not write screenshot %s\n",
                 screenshotPath_.toUtf8().constData());
  if (timedOut && !complete)
    std::fprintf(stderr, "nzview: timed out after %.1f s before all visible chunks loaded\n",
                 screenshotTimeout_);
  if (!source_->failed().empty())
    std::fprintf(stderr, "nzview: %zu chunk(s) failed to load: %s\n", source_->failed().size(),
                 nz::redactSecrets(source_->lastChunkError().toStdString()).c_str());
  QApplication::exit(saved && complete && source_->failed().empty() ? 0 : 1);
}

void MainWindow::printScreenshotStats() {
  // One JSON line: what the views display against what was fetched (the bench reads it).
  const DataSource::Displayed d = source_->displayed();
  QString levels;
  for (SliceView* v : viewer_->views())
    levels += (levels.isEmpty() ? "" : ", ") + QString::number(v->displayLevel());
  std::printf(
      "{\"complete_s\": %.3f, \"open_s\": %.3f, \"levels\": [%s], \"displayed_chunks\": %zu, "
      "\"displayed_bytes\": %llu, \"loader\": %s}\n",
      completeSeconds_, source_->openSeconds(), levels.toUtf8().constData(), d.chunks,
      static_cast<unsigned long long>(d.storedBytes),
      nz::loaderMetricsJson(source_->metrics()).c_str());
  std::fflush(stdout);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls() || e->mimeData()->hasText()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  QString uri;
  const QMimeData* m = e->mimeData();
  if (m->hasUrls() && !m->urls().isEmpty()) {
    const QUrl url = m->urls().first();
    uri = url.isLocalFile() ? url.toLocalFile() : url.toString();
  } else if (m->hasText()) {
    uri = m->text().trimmed().section('\n', 0, 0);
  }
  if (uri.isEmpty()) return;
  e->acceptProposedAction();
  // With an image open, a drop adds a layer over it (Shift+drop replaces the image instead).
  if (source_->isOpen() && !(e->modifiers() & Qt::ShiftModifier) &&
      LayerPanel::addDroppedLayer(this, uri))
    return;
  if (!isRemote(uri)) {
    openUri(uri);
  } else {
    OpenDialog dlg(this);
    dlg.setUri(uri);
    if (dlg.exec() == QDialog::Accepted) openUri(dlg.uri(), dlg.options(), dlg.testedDataset());
  }
}

}  // namespace nzviewer
