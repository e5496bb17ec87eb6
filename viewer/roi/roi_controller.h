#pragma once
// Wires the ROI feature into a MainWindow: the RoiModel, the RoiOverlay on the three views,
// the "ROI" side panel, the "Draw ROI" toolbar button (with a status-bar hint), File → "Export
// ROI…" and "Save as NIfTI-Zarr…", and the export dialogs. NZVIEW_ROI="i0:i1,j0:j1,k0:k1"
// (level-0 voxels) and NZVIEW_ROI_CROP_OR_PAD="W,H,D" add a box when a dataset opens
// (screenshots, demos).
#include <QObject>
#include <QPointer>
#include <array>
#include <memory>

#include "dataset/dataset.h"

class QAction;
class QDockWidget;

namespace nzviewer {

class MainWindow;
class RoiModel;
class RoiOverlay;
class RoiListPanel;
class ExportDialog;
class SliceView;

class RoiController : public QObject {
  Q_OBJECT
 public:
  explicit RoiController(MainWindow* window);
  ~RoiController() override;

  RoiModel* model() const { return model_; }
  RoiOverlay* overlay() const { return overlay_; }
  RoiListPanel* panel() const { return panel_; }
  QAction* drawAction() const { return draw_; }
  QDockWidget* dock() const { return dock_; }

  // Opens (and returns) the export dialog for ROI `index`, or for the whole volume as
  // .nii.zarr level 0 ("Save as NIfTI-Zarr…") when index < 0.
  ExportDialog* openExportDialog(int index);

 public slots:
  void newRoiAtCrosshair();

 private:
  void onOpened();
  MainWindow* window_;
  std::array<QPointer<SliceView>, 3> views_;  // may be destroyed before us
  std::shared_ptr<nz::Dataset> dataset_;      // keeps the model's DatasetInfo alive
  RoiModel* model_;
  RoiOverlay* overlay_;
  RoiListPanel* panel_;
  QDockWidget* dock_;
  QAction* draw_;
  QAction* exportAction_;
  QAction* saveAs_;
};

}  // namespace nzviewer
