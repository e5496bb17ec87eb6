#include "measure/profile_plot.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace nzviewer {

ProfilePlot::ProfilePlot(QWidget* parent) : QWidget(parent) {
  setObjectName("rulerProfile");
  setMinimumHeight(90);
}

void ProfilePlot::setSamples(std::vector<double> distanceMm, std::vector<double> values) {
  distance_ = std::move(distanceMm);
  values_ = std::move(values);
  update();
}

void ProfilePlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(25, 25, 25));
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values_)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  p.setPen(QColor(200, 200, 200));
  if (values_.size() < 2 || !std::isfinite(lo)) {
    p.drawText(rect(), Qt::AlignCenter, "Draw a ruler (Measure → Ruler tool) to see a profile");
    return;
  }
  if (hi == lo) hi = lo + 1;
  const QRectF plot = QRectF(rect()).adjusted(44, 8, -8, -20);
  const double dmax = std::max(distance_.back(), 1e-9);
  QPainterPath path;
  bool pen = false;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (!std::isfinite(values_[i])) {
      pen = false;
      continue;
    }
    const QPointF pt(plot.left() + plot.width() * distance_[i] / dmax,
                     plot.bottom() - plot.height() * (values_[i] - lo) / (hi - lo));
    if (pen)
      path.lineTo(pt);
    else
      path.moveTo(pt);
    pen = true;
  }
  p.drawText(QRectF(0, plot.top() - 6, 42, 14), Qt::AlignRight, QString::number(hi, 'g', 4));
  p.drawText(QRectF(0, plot.bottom() - 8, 42, 14), Qt::AlignRight, QString::number(lo, 'g', 4));
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), 16), Qt::AlignRight,
             QString("%1 mm").arg(dmax, 0, 'f', 2));
  p.setPen(QPen(QColor(80, 255, 100), 1.5));
  p.drawPath(path);
}

}  // namespace nzviewer
