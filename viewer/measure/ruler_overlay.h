#pragma once
// Draws the rulers of a RulerModel on the slice they were drawn on (with their length in mm)
// and, while the ruler tool is on, turns a left drag in any slice view into a new ruler.
// Everything else falls through to the view.
#include <QObject>
#include <map>

#include "measure/ruler_model.h"
#include "views/slice_overlay.h"

namespace nzviewer {

class RulerOverlay : public QObject, public SliceOverlay {
  Q_OBJECT
 public:
  explicit RulerOverlay(RulerModel* model, QObject* parent = nullptr);
  ~RulerOverlay() override;

  void setToolActive(bool on) { active_ = on; }
  bool toolActive() const { return active_; }

  void attach(SliceView& view) override;
  void detach(SliceView& view) override;
  void viewChanged(SliceView& view) override;
  bool mousePress(SliceView& view, QMouseEvent* e) override;
  bool mouseMove(SliceView& view, QMouseEvent* e) override;
  bool mouseRelease(SliceView& view, QMouseEvent* e) override;

 private:
  void renderAll();
  RulerModel* model_;
  bool active_ = false;
  int drawing_ = -1;
  SliceView* dragView_ = nullptr;
  struct Props;
  std::map<SliceView*, Props*> props_;
};

}  // namespace nzviewer
