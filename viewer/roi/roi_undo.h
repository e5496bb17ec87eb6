#pragma once
// Undo/redo for the ROI list and its export settings (create, move/resize, rename, delete,
// level, snapping, crop-or-pad) and for crosshair jumps, on one QUndoStack (Edit menu,
// Ctrl+Z / Ctrl+Shift+Z). It observes RoiModel::changed and ViewerState::crosshairChanged and
// records the state before and after, so no editing code has to know about undo. A drag (many
// changes of one box less than a second apart, or small crosshair moves: dragging, slice steps)
// is one step; a crosshair jump of more than 16 voxels is a step of its own.
#include <QObject>
#include <QUndoStack>

#include "loader/level_of_detail.h"
#include "viewer/roi/roi_model.h"

namespace nzviewer {

class ViewerState;

class RoiUndo : public QObject {
  Q_OBJECT
 public:
  RoiUndo(RoiModel* model, ViewerState* state, QObject* parent = nullptr);

  QUndoStack* stack() { return &stack_; }
  // A new dataset: forget the history (its boxes and crosshair belong to the old one).
  void reset();

  // Used by the commands: put a recorded state back without recording it again.
  void restoreRois(const RoiModelState& s);
  void restoreCrosshair(const nz::Point3& p);

 private:
  void onModelChanged();
  void onCrosshairChanged();

  RoiModel* model_;
  ViewerState* state_;
  QUndoStack stack_;
  RoiModelState last_;
  nz::Point3 lastCrosshair_{0, 0, 0};
  bool applying_ = false;
};

}  // namespace nzviewer
