#pragma once
// Extension point for things drawn on top of a slice view and edited with the mouse (the ROI
// box, measurements). An overlay adds its own VTK props to view.renderer() (display
// coordinates: mm in the view plane, z = 0 is the image, the crosshair is at z = 1; use z = 2)
// and converts with SliceView::widgetToVoxel / voxelToDisplay. Mouse handlers run before the
// view's own and return true when they consumed the event.
class QMouseEvent;

namespace nzviewer {

class SliceView;

class SliceOverlay {
 public:
  virtual ~SliceOverlay() = default;
  virtual void attach(SliceView& view) = 0;  // add props to view.renderer()
  virtual void detach(SliceView& view) = 0;  // remove them
  // Slice, crosshair, zoom, pan or size changed: update the props (called before each render).
  virtual void viewChanged(SliceView& view) { (void)view; }
  virtual bool mousePress(SliceView& view, QMouseEvent* e) { return (void)view, (void)e, false; }
  virtual bool mouseMove(SliceView& view, QMouseEvent* e) { return (void)view, (void)e, false; }
  virtual bool mouseRelease(SliceView& view, QMouseEvent* e) { return (void)view, (void)e, false; }
};

}  // namespace nzviewer
