#pragma once
// The application window: a start page (recent URIs, Open…, Open sample, drag and drop), the
// three slice views with the display panel, the header panel in a dock, and a status bar with
// the cursor readout and live transfer numbers. Side panels (ROI, export) are added with
// addSidePanel(). Errors are shown in a dialog (details redacted), never as a crash.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>
#include <functional>
#include <memory>
#include <vector>

#include "store/store_options.h"
#include "ui/tool_context.h"

namespace nz {
class Dataset;
}

class QStackedWidget;
class QListWidget;
class QLabel;
class QDockWidget;

namespace nzviewer {

class DataSource;
class ViewerState;
class OrthoViewer;
class HeaderPanel;
class DisplayPanel;
class ViewLinks;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a URI (metadata on a worker thread; the header appears first, then the views). The
  // open dataset stays until the new one has opened: a failed open changes nothing. Returns
  // false when the user cancelled (unsaved work, see setDiscardCheck).
  // `alreadyOpened`: the dataset the open dialog's "Test connection" opened for this URI and
  // these options (not opened again).
  bool openUri(const QString& uri, const nz::StoreOptions& options = {},
               std::shared_ptr<nz::Dataset> alreadyOpened = nullptr);
  // Asked before anything replaces or closes the open dataset (open, "Open sample", "Open
  // exported", closing the window, Quit): returns false to keep it (e.g. the user cancelled
  // saving unsaved ROIs).
  void setDiscardCheck(std::function<bool()> check) { discardCheck_ = std::move(check); }
  bool confirmDiscard() { return !discardCheck_ || discardCheck_(); }
  // Asked first by openUri: returns true when it took the text itself (a session file, an
  // nzview:// link or a Neuroglancer URL, viewer/session), so it is not opened as a dataset.
  void setUriHandler(std::function<bool(const QString&, const nz::StoreOptions&)> handler) {
    uriHandler_ = std::move(handler);
  }
  // Screenshot mode: when every view shows all chunks of its level (or after the timeout),
  // saves grab() as PNG and quits the application with 0 (saved, complete) or 1.
  void screenshotWhenReady(const QString& path, double timeoutSeconds);
  // Screenshot mode: print one JSON line of transfer statistics to stdout when saving.
  void setPrintStats(bool on) { printStats_ = on; }
  // Screenshot mode also waits until every check added here is true (the 3D view's level).
  void addReadyCheck(std::function<bool()> check) { readyChecks_.push_back(std::move(check)); }
  // Errors go to stderr instead of dialogs (screenshot mode, tests).
  void setHeadless(bool on) { headless_ = on; }
  bool isHeadless() const { return headless_; }

  // Extension point for side panels (ROI, export): a dock on the given side.
  QDockWidget* addSidePanel(QWidget* panel, const QString& title,
                            Qt::DockWidgetArea area = Qt::RightDockWidgetArea);

  DataSource* source() const { return source_; }
  ViewerState* state() const { return state_; }
  OrthoViewer* viewer() const { return viewer_; }
  ViewLinks* viewLinks() const { return links_; }
  HeaderPanel* headerPanel() const { return header_; }
  // Credentials the open dataset was opened with (export to the same cloud reuses them).
  const nz::StoreOptions& storeOptions() const { return storeOptions_; }

  // File → Save screenshot…: the window as PNG (false and a message when it cannot be written).
  bool saveScreenshot(const QString& path);
  // Help → Keyboard shortcuts: every menu shortcut (read from the actions, so it stays true)
  // and every mouse gesture of the views, as rich text.
  QString shortcutsText() const;

  // The views' GL contexts and shaders (the slice views', then the 3D view's ray caster) are
  // made while the start page shows, one view per event-loop turn after the window is first
  // shown (VtkGlWidget::warmUp), so the first open does not stall on them;
  // NZVIEW_GL_PREWARM=0 turns this off. True once done (or skipped
  // because a dataset opened first).
  bool viewsWarm() const { return viewsWarm_; }

  static QString sampleUri();                           // NZVIEW_SAMPLE_URI or the bundled sample
  static QString redactForDisplay(const QString& uri);  // no query string, no secrets
  QStringList recentUris() const;
  // Where the recent list is kept: NZVIEW_SETTINGS (an INI file) when set, else the user's.
  static QString settingsFile();

 signals:
  void datasetOpened();
  void datasetFailed(const QString& message);
  void viewsWarmed();  // see viewsWarm()

 public slots:
  void showOpenDialog();
  void openSample();
  void saveScreenshotInteractive();
  void showShortcuts();

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;
  void showEvent(QShowEvent* e) override;
  bool eventFilter(QObject* watched, QEvent* e) override;

 private slots:
  void onOpened();
  void showOpened();  // after the dock's paint: the views' page, then datasetOpened
  void onOpenFailed(const QString& message);
  void updateTransfer();
  void checkScreenshot();
  void printScreenshotStats();

  // What a tool (ROIs, and later rulers, statistics) is constructed with: data, state, views,
  // menus, status bar (ui/tool_context.h).
  ToolContext toolContext();

 private:
  QWidget* makeStartPage();
  void buildMenus();
  void addRecent(const QString& uri);
  void markRecentFailed(const QString& uri, bool failed);
  void removeRecent(const QString& uri);
  void refreshRecent();
  void showError(const QString& title, const QString& message);
  void warmUpView(std::size_t index);

  DataSource* source_;
  ViewerState* state_;
  QStackedWidget* stack_;
  OrthoViewer* viewer_;
  DisplayPanel* display_;
  ViewLinks* links_;
  HeaderPanel* header_;
  QDockWidget* headerDock_;
  QMenu* fileMenu_ = nullptr;
  QAction* fileMenuEnd_ = nullptr;  // the separator above Quit
  QMenu* viewMenu_ = nullptr;
  QListWidget* recent_ = nullptr;
  QLabel* cursorLabel_;
  QLabel* transferLabel_;
  QTimer transferTimer_;
  bool headless_ = false;
  bool warmUpStarted_ = false;
  bool viewsWarm_ = false;
  bool recentDirty_ = false;  // the recent list changed while the start page was hidden
  int openedGeneration_ = 0;  // onOpened calls: a newer open's showOpened supersedes
  QString screenshotPath_;
  double screenshotTimeout_ = 0;
  QElapsedTimer screenshotClock_;
  QTimer screenshotTimer_;
  int screenshotStableTicks_ = 0;
  bool printStats_ = false;
  double completeSeconds_ = -1;  // screenshot mode: first time every view was complete
  QString pendingUri_;
  nz::StoreOptions pendingOptions_;
  nz::StoreOptions storeOptions_;
  std::function<bool()> discardCheck_;
  std::vector<std::function<bool()>> readyChecks_;
  std::function<bool(const QString&, const nz::StoreOptions&)> uriHandler_;
  QString lastScreenshotDir_;
};

}  // namespace nzviewer
