#pragma once
// A strip showing the current colour map from "Window low" (left) to "Window high" (right),
// drawn from the same lookup table the views use (fillLookupTable), so it cannot disagree with
// them. For the label map it shows the first label colours instead of a gradient.
#include <QWidget>

#include "model/colormaps.h"

namespace nzviewer {

class ColourBar : public QWidget {
  Q_OBJECT
 public:
  explicit ColourBar(QWidget* parent = nullptr);
  void setColormap(Colormap map);
  Colormap colormap() const { return map_; }
  QSize sizeHint() const override { return {200, 14}; }
  QSize minimumSizeHint() const override { return {60, 10}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  Colormap map_ = Colormap::Grey;
};

}  // namespace nzviewer
