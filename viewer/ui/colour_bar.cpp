#include "ui/colour_bar.h"

#include <vtkLookupTable.h>
#include <vtkNew.h>

#include <QPainter>
#include <algorithm>

namespace nzviewer {

ColourBar::ColourBar(QWidget* parent) : QWidget(parent) {
  setObjectName("colourBar");
  setToolTip("Colour map from Window low (left) to Window high (right)");
}

void ColourBar::setColormap(Colormap map) {
  if (map == map_) return;
  map_ = map;
  update();
}

void ColourBar::paintEvent(QPaintEvent*) {
  QPainter p(this);
  vtkNew<vtkLookupTable> lut;
  // Labels: label k of 0..15 across the bar; other maps: values 0..1 across 256 entries.
  const bool labels = map_ == Colormap::Labels;
  fillLookupTable(lut, map_, 0.0, 1.0, labels ? 15 : 255);
  const int n = static_cast<int>(lut->GetNumberOfTableValues());
  const int w = std::max(1, width());
  for (int x = 0; x < w; ++x) {
    int entry = labels ? std::min(n - 1, x * 16 / w) : std::min(n - 1, x * n / w);
    double rgba[4];
    lut->GetTableValue(entry, rgba);
    p.setPen(QColor::fromRgbF(float(rgba[0]), float(rgba[1]), float(rgba[2])));
    p.drawLine(x, 0, x, height() - 1);
  }
}

}  // namespace nzviewer
