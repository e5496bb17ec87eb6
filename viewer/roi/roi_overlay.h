#pragma once
// Draws the ROI boxes of a RoiModel in every slice view that cuts them (outline; the current
// ROI with handles; its CropOrPad result as a cyan preview) and edits them with the mouse:
//   * "Draw ROI" mode (toolbar) or Ctrl+left drag outside the current box: draw a new box
//     (its depth along the view normal equals its larger in-plane side, centred on the slice);
//   * left drag on an edge or corner handle of the current box: resize;
//   * in draw mode or with Ctrl, left drag inside the current box: move it.
// Everything else falls through to the view (crosshair, pan, window/level).
#include <QObject>
#include <QPointF>
#include <map>

#include "viewer/roi/roi_model.h"
#include "views/slice_overlay.h"

namespace nzviewer {

class RoiOverlay : public QObject, public SliceOverlay {
  Q_OBJECT
 public:
  explicit RoiOverlay(RoiModel* model, QObject* parent = nullptr);
  ~RoiOverlay() override;

  void setDrawMode(bool on) { drawMode_ = on; }
  bool drawMode() const { return drawMode_; }

  void attach(SliceView& view) override;
  void detach(SliceView& view) override;
  void viewChanged(SliceView& view) override;
  bool mousePress(SliceView& view, QMouseEvent* e) override;
  bool mouseMove(SliceView& view, QMouseEvent* e) override;
  bool mouseRelease(SliceView& view, QMouseEvent* e) override;

 signals:
  void boxDrawn(int index);  // a new ROI was drawn (on release)

 private:
  enum class Grab { None, Begin, End };
  enum class Mode { None, Create, Move, Resize };
  enum class Hit { Outside, Inside, Edge };
  // Where `pos` (widget) is relative to the current box in this view; edges set gx/gy.
  Hit hitTest(SliceView& view, const QPointF& pos, Grab& gx, Grab& gy) const;
  void renderAll();

  RoiModel* model_;
  bool drawMode_ = false;
  Mode mode_ = Mode::None;
  SliceView* dragView_ = nullptr;
  Grab grabX_ = Grab::None, grabY_ = Grab::None;
  nz::Box origBox_;
  double startU_[3] = {0, 0, 0};  // voxel-edge coordinates at the press
  int creating_ = -1;
  struct Props;
  std::map<SliceView*, Props*> props_;
};

}  // namespace nzviewer
