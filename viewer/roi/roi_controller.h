#pragma once
// The ROI tool, wired through a ToolContext (ui/tool_context.h): the RoiModel, the RoiOverlay on
// the three views, the "ROI" side panel, the "Draw ROI" toolbar button (with a status-bar hint),
// File → "Export ROI…", "Save as NIfTI-Zarr…", "Save ROIs…" / "Load ROIs…" (the JSON ROI list read
// by `nzview-cli export --rois`), and the export dialogs. An ROI's export dialog proposes <last
// export directory>/<safe name>.nii.gz: a name is never a path. NZVIEW_ROI="i0:i1,j0:j1,k0:k1"
// (level-0 voxels) and NZVIEW_ROI_CROP_OR_PAD="W,H,D" add a box when a dataset opens (screenshots,
// demos).
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <array>
#include <functional>
#include <memory>

#include "dataset/dataset.h"
#include "ui/tool_context.h"
#include "viewer/roi/roi_model.h"

class QAction;
class QDockWidget;
class QUndoStack;

namespace nzviewer {

class RoiModel;
class RoiOverlay;
class RoiListPanel;
class ExportDialog;
class SliceView;
class RoiUndo;

class RoiController : public QObject {
  Q_OBJECT
 public:
  explicit RoiController(ToolContext context);
  ~RoiController() override;

  RoiModel* model() const { return model_; }
  RoiOverlay* overlay() const { return overlay_; }
  RoiListPanel* panel() const { return panel_; }
  QAction* drawAction() const { return draw_; }
  QDockWidget* dock() const { return dock_; }
  QUndoStack* undoStack() const;

  // Extra top-level keys of the ROI list file (the rulers): `save` adds them (returns false
  // when it added nothing, so the file stays as before), `load` reads them after a list loaded.
  // A list with extras and no ROIs is saved too ("rois": [], which parseRoiSet reads).
  void setListExtras(std::function<bool(QJsonObject&)> save,
                     std::function<void(const QJsonObject&)> load) {
    saveExtras_ = std::move(save);
    loadExtras_ = std::move(load);
  }

  // The extras as the ROI list file holds them ({"rulers": [...]}; empty when none), and
  // extras given by someone else (a session): shown, and counted as saved.
  QJsonObject listExtras() const;
  void applyListExtras(const QJsonObject& doc);

  // Enables Save ROIs… when there are ROIs or extras (call when the extras changed).
  void updateListActions();

  // ROIs or extras (rulers) changed since the dataset opened or the list was last saved or
  // loaded; an empty list or no extras is nothing to lose.
  bool hasUnsavedRois() const;
  // Before the dataset is replaced or the window closes with unsaved ROIs: Save / Discard /
  // Cancel (the message box is named "unsavedRoisBox"). True when it may go ahead.
  bool confirmDiscardRois();

  // Opens (and returns) the export dialog for ROI `index`, or for the whole volume as
  // .nii.zarr level 0 ("Save as NIfTI-Zarr…") when index < 0.
  ExportDialog* openExportDialog(int index);

  // Writes every ROI (name, box at the export level, crop/pad settings; source = the dataset
  // URI without query or secrets) as nz::roiSetJson to `path`, atomically. On failure returns
  // false; the message (naming the file) goes to the panel's status line and `*error`.
  bool saveRois(const QString& path, QString* error = nullptr);
  // Adds the ROIs of a saved list (nz::parseRoiSet against the open dataset, boxes converted to
  // level 0) and takes the export level and crop/pad settings of its first entry. All or
  // nothing: after any error the list and the settings are unchanged.
  bool loadRois(const QString& path, QString* error = nullptr);

  // Directory of the last successful export (QDir::homePath() until then); ROI export dialogs
  // propose a file in it.
  QString lastExportDirectory() const { return lastExportDir_; }
  void setLastExportDirectory(const QString& dir) { lastExportDir_ = dir; }
  // The directory a destination is in: the local parent directory, or the cloud URI prefix
  // ("s3://b/x/roi.nii.gz" -> "s3://b/x"; a query string is kept).
  static QString exportDirectoryOf(const QString& destination);
  // What ROI `index`'s export dialog proposes: nz::exportPathInDirectory in the last export
  // directory, numbered as `nzview-cli export --rois` numbers clashing names (ROIs 0..index).
  QString proposedDestination(int index) const;

 public slots:
  void newRoiAtCrosshair();
  bool saveRoisInteractive();  // file dialog, then saveRois (false: cancelled or failed)
  void loadRoisInteractive();  // file dialog, then loadRois

 private:
  void onOpened();
  bool hasListExtras() const;  // saveExtras_ would add something
  void reportRoiSet(const QString& message, bool error, QString* out);
  ToolContext ctx_;
  QMainWindow* window_;                       // ctx_.window
  std::array<QPointer<SliceView>, 3> views_;  // may be destroyed before us
  std::shared_ptr<nz::Dataset> dataset_;      // keeps the model's DatasetInfo alive
  RoiModel* model_;
  RoiOverlay* overlay_;
  RoiListPanel* panel_;
  QDockWidget* dock_;
  QAction* draw_;
  QAction* exportAction_;
  QAction* saveAs_;
  QAction* saveRois_;
  QAction* loadRois_;
  QString lastExportDir_;
  QString lastRoiFile_;  // start of the Save/Load ROIs file dialogs
  RoiUndo* undo_;
  RoiModelState saved_;      // the list as last saved/loaded (or empty at open)
  QJsonObject savedExtras_;  // the extras (rulers) as last saved/loaded
  std::function<bool(QJsonObject&)> saveExtras_;
  std::function<void(const QJsonObject&)> loadExtras_;
};

}  // namespace nzviewer
