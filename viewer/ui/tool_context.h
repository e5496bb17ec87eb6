#pragma once
// What a viewer tool (the ROI tool; later rulers, statistics) gets from the main window, handed
// to its constructor: the data, the view state, the three slice views, the menus it adds to, the
// status bar and the few window services it uses. A tool never includes main_window.h and never
// looks for a menu by its label text. MainWindow::toolContext() fills it.
#include <QString>
#include <array>
#include <functional>

#include "store/store_options.h"

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QMenuBar;
class QObject;
class QStatusBar;
class QWidget;

namespace nzviewer {

class DataSource;
class SliceView;
class ViewerState;

struct ToolContext {
  QMainWindow* window = nullptr;  // parent of the tool, its dialogs, toolbars and docks
  DataSource* source = nullptr;
  ViewerState* state = nullptr;
  std::array<SliceView*, 3> views{};  // axial, coronal, sagittal
  QMenuBar* menuBar = nullptr;        // a tool's own menu goes after File (menuAfterFile)
  QMenu* fileMenu = nullptr;
  QAction* fileMenuEnd = nullptr;  // the separator above Quit: file actions go before it
  QMenu* viewMenu = nullptr;
  QStatusBar* statusBar = nullptr;
  QDockWidget* headerDock = nullptr;  // the header panel's dock (side panels can tab with it)

  std::function<QDockWidget*(QWidget* panel, const QString& title)> addSidePanel;
  // Asked before the dataset is replaced or the window closes (false cancels).
  std::function<void(std::function<bool()>)> setDiscardCheck;
  // Runs `slot` each time a dataset has opened (after the window has taken it), for as long as
  // `receiver` lives.
  std::function<void(QObject* receiver, std::function<void()> slot)> onDatasetOpened;
  // Opens `uri` in the window, as File > Open does.
  std::function<void(const QString& uri, const nz::StoreOptions& options)> openUri;
  // Credentials the open dataset was opened with.
  std::function<nz::StoreOptions()> storeOptions;
};

}  // namespace nzviewer
