#include "ui/main_window.h"

#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cstdio>

#include "cache/cache_controller.h"
#include "data/data_source.h"
#include "model/viewer_state.h"
#include "roi/roi_controller.h"
#include "ui/display_panel.h"
#include "ui/header_panel.h"
#include "ui/open_dialog.h"
#include "uri/uri.h"
#include "views/ortho_viewer.h"

// Q_INIT_RESOURCE must be called from the global namespace; the resources live in this static
// library, so the application never has to know about them.
static void initNzviewResources() { Q_INIT_RESOURCE(nzview); }

namespace nzviewer {

namespace {
constexpr int kMaxRecent = 10;
QSettings settings() { return QSettings("nzview", "nzview"); }
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initNzviewResources();
  setObjectName("mainWindow");
  setWindowTitle("nzview");
  setWindowIcon(QIcon(":/nzview/nzview.png"));
  setAcceptDrops(true);
  resize(1280, 860);
  source_ = new DataSource(this);
  state_ = new ViewerState(this);

  stack_ = new QStackedWidget;
  stack_->addWidget(makeStartPage());
  viewer_ = new OrthoViewer(state_, source_);
  display_ = new DisplayPanel(state_, viewer_);
  viewer_->setCornerWidget(display_);
  stack_->addWidget(viewer_);
  setCentralWidget(stack_);

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
  new RoiController(this);  // ROI overlay, panel, "Draw ROI", export (after the menus and views)
  new CacheController(this);  // "Cache" menu: pin for offline, disk cache settings

  connect(source_, &DataSource::opened, this, &MainWindow::onOpened);
  connect(source_, &DataSource::openFailed, this, &MainWindow::onOpenFailed);
  connect(viewer_, &OrthoViewer::cursorInfo, cursorLabel_, &QLabel::setText);
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

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&Open…", QKeySequence::Open, this, &MainWindow::showOpenDialog);
  file->addAction("Open &sample", this, &MainWindow::openSample);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, qApp, &QApplication::quit);
  QMenu* view = menuBar()->addMenu("&View");
  view->addAction(headerDock_->toggleViewAction());
  view->addAction("&Reset views", this, [this] {
    for (SliceView* v : viewer_->views()) v->resetView();
  });
  view->addAction("&Start page", this, [this] { stack_->setCurrentIndex(0); });
  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&About nzview", this, [this] {
    QMessageBox::about(this, "About nzview",
                       QString("nzview %1\nViewer for huge NIfTI-Zarr scans on cloud storage.")
                           .arg(NZVIEW_VERSION));
  });
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
  l->addWidget(new QLabel("Recent"));
  recent_ = new QListWidget;
  recent_->setObjectName("recentList");
  l->addWidget(recent_, 1);
  connect(open, &QPushButton::clicked, this, &MainWindow::showOpenDialog);
  connect(sample, &QPushButton::clicked, this, &MainWindow::openSample);
  connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    const QString uri = item->text();
    if (uri.startsWith("file") || QFileInfo(uri).isAbsolute() ||
        OpenDialog::pageForUri(uri) == OpenDialog::Page::Local) {
      openUri(uri);
    } else {  // remote: let the user confirm credentials
      OpenDialog dlg(this);
      dlg.setUri(uri);
      if (dlg.exec() == QDialog::Accepted) openUri(dlg.uri(), dlg.options());
    }
  });
  refreshRecent();
  return page;
}

QString MainWindow::sampleUri() {
  const QString env = qEnvironmentVariable("NZVIEW_SAMPLE_URI");
  if (!env.isEmpty()) return env;
  const QString installed = QApplication::applicationDirPath() + "/../share/nzview/sample.nii.zarr";
  if (QFileInfo::exists(installed)) return QFileInfo(installed).canonicalFilePath();
#ifdef NZVIEW_SOURCE_SAMPLE
  if (QFileInfo::exists(NZVIEW_SOURCE_SAMPLE)) return NZVIEW_SOURCE_SAMPLE;
#endif
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
  QSettings s = settings();
  QStringList list = s.value("recentUris").toStringList();
  const QString clean = redactForDisplay(uri);
  list.removeAll(clean);
  list.prepend(clean);
  while (list.size() > kMaxRecent) list.removeLast();
  s.setValue("recentUris", list);
  refreshRecent();
}

void MainWindow::refreshRecent() {
  if (!recent_) return;
  recent_->clear();
  recent_->addItems(recentUris());
}

void MainWindow::showOpenDialog() {
  OpenDialog dlg(this);
  if (dlg.exec() != QDialog::Accepted || dlg.uri().isEmpty()) return;
  openUri(dlg.uri(), dlg.options());
}

void MainWindow::openSample() {
  const QString uri = sampleUri();
  if (uri.isEmpty()) {
    showError("No sample", "No sample dataset found (set NZVIEW_SAMPLE_URI).");
    return;
  }
  openUri(uri);
}

void MainWindow::openUri(const QString& uri, const nz::StoreOptions& options) {
  pendingUri_ = uri;
  storeOptions_ = options;
  viewer_->onDatasetClosed();
  header_->clearInfo();
  cursorLabel_->setText(QString("Opening %1 …").arg(redactForDisplay(uri)));
  setWindowTitle(QString("nzview — %1").arg(redactForDisplay(uri)));
  source_->open(uri, options);
}

void MainWindow::onOpened() {
  const auto& info = source_->dataset()->info();
  header_->setInfo(info, source_->openSeconds());
  if (!headerDock_->isVisible()) {
    headerDock_->show();
    resizeDocks({headerDock_}, {std::max(360, width() / 4)}, Qt::Horizontal);
  }
  stack_->setCurrentWidget(viewer_);
  viewer_->onDatasetOpened();
  QStringList shape;
  for (int i = 0; i < info.ndim; ++i) shape << QString::number(info.shape[i]);
  cursorLabel_->setText(
      QString("Opened %1: %2, %3, %4 level(s)")
          .arg(QString::fromStdString(info.uri), shape.join("×"), nz::dtypeName(info.dtype))
          .arg(info.levels.size()));
  setWindowTitle(QString("nzview — %1").arg(QString::fromStdString(info.uri)));
  addRecent(pendingUri_);
  emit datasetOpened();
}

void MainWindow::onOpenFailed(const QString& message) {
  const QString clean = QString::fromStdString(nz::redactSecrets(message.toStdString()));
  cursorLabel_->setText("Open failed");
  setWindowTitle("nzview");
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
  if (!source_->isOpen()) {
    transferLabel_->setText(source_->isOpening() ? "opening…" : "");
    return;
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
  transferLabel_->setText(text);
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
  const bool complete = source_->isOpen() && viewer_->allViewsComplete();
  // Two consecutive complete ticks: the last chunks have been rendered, not just composed.
  screenshotStableTicks_ = complete ? screenshotStableTicks_ + 1 : 0;
  if (screenshotStableTicks_ < 2 && !timedOut) return;
  screenshotTimer_.stop();
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
  if (OpenDialog::pageForUri(uri) == OpenDialog::Page::Local) {
    openUri(uri);
  } else {
    OpenDialog dlg(this);
    dlg.setUri(uri);
    if (dlg.exec() == QDialog::Accepted) openUri(dlg.uri(), dlg.options());
  }
}

}  // namespace nzviewer
