#include "measure/histogram_widget.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace nzviewer {

namespace {
constexpr double kMargin = 4;      // pixels left and right of the plot
constexpr double kGrabPixels = 6;  // a press this close to a window line moves that line
}  // namespace

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
  setObjectName("histogram");
  setMinimumHeight(70);
  setMouseTracking(false);
  setToolTip(
      "Drag a yellow line to move the window's low or high end; drag across the "
      "histogram to set a new window");
}

void HistogramWidget::setHistogram(const nz::Histogram& h) {
  hist_ = h;
  note_.clear();
  update();
  emit histogramChanged();
}

void HistogramWidget::clear(const QString& note) {
  hist_ = nz::Histogram{};
  note_ = note;
  update();
}

void HistogramWidget::setWindow(double low, double high) {
  if (low == low_ && high == high_) return;
  low_ = low;
  high_ = high;
  update();
}

void HistogramWidget::setLogScale(bool on) {
  log_ = on;
  update();
}

double HistogramWidget::valueAtX(double x) const {
  const double w = std::max(1.0, width() - 2 * kMargin);
  return hist_.lo + (x - kMargin) / w * (hist_.hi - hist_.lo);
}

double HistogramWidget::xOfValue(double v) const {
  const double w = std::max(1.0, width() - 2 * kMargin);
  const double span = hist_.hi > hist_.lo ? hist_.hi - hist_.lo : 1;
  return kMargin + (v - hist_.lo) / span * w;
}

void HistogramWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(30, 30, 30));
  if (hist_.counts.empty()) {
    p.setPen(QColor(180, 180, 180));
    p.drawText(rect().adjusted(4, 0, -4, 0), Qt::AlignCenter | Qt::TextWordWrap,
               note_.isEmpty() ? QString("histogram: waiting for data") : note_);
    return;
  }
  std::uint64_t peak = 1;
  for (auto c : hist_.counts) peak = std::max(peak, c);
  auto height = [&](std::uint64_t c) {
    if (c == 0) return 0.0;
    const double f =
        log_ ? std::log1p(static_cast<double>(c)) / std::log1p(static_cast<double>(peak))
             : static_cast<double>(c) / static_cast<double>(peak);
    return f * (this->height() - 14);
  };
  const double w = std::max(1.0, width() - 2 * kMargin);
  const double bw = w / static_cast<double>(hist_.counts.size());
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(150, 170, 210));
  for (std::size_t i = 0; i < hist_.counts.size(); ++i) {
    const double h = height(hist_.counts[i]);
    p.drawRect(QRectF(kMargin + i * bw, this->height() - 12 - h, std::max(bw, 1.0), h));
  }
  // The display window.
  p.setPen(QPen(QColor(255, 220, 0), 1.5));
  for (double v : {low_, high_}) {
    const double x = xOfValue(v);
    p.drawLine(QPointF(x, 0), QPointF(x, this->height() - 12));
  }
  p.setPen(QColor(200, 200, 200));
  QFont f = p.font();
  f.setPointSizeF(std::max(6.0, f.pointSizeF() - 2));
  p.setFont(f);
  p.drawText(QRectF(0, this->height() - 12, width(), 12), Qt::AlignLeft,
             QString::number(hist_.lo, 'g', 5));
  p.drawText(QRectF(0, this->height() - 12, width(), 12), Qt::AlignRight,
             QString::number(hist_.hi, 'g', 5));
  p.drawText(QRectF(0, this->height() - 12, width(), 12), Qt::AlignHCenter,
             QString("level %1%2").arg(hist_.level).arg(log_ ? ", log" : ""));
}

void HistogramWidget::mousePressEvent(QMouseEvent* e) {
  if (hist_.counts.empty() || e->button() != Qt::LeftButton) return;
  const double x = e->position().x();
  if (std::fabs(x - xOfValue(low_)) <= kGrabPixels)
    drag_ = Drag::Low;
  else if (std::fabs(x - xOfValue(high_)) <= kGrabPixels)
    drag_ = Drag::High;
  else {
    drag_ = Drag::Range;
    anchor_ = valueAtX(x);
  }
}

void HistogramWidget::mouseMoveEvent(QMouseEvent* e) {
  if (drag_ == Drag::None) return;
  const double v = valueAtX(e->position().x());
  const double minWidth = std::max(1e-12, (hist_.hi - hist_.lo) * 1e-4);
  double lo = low_, hi = high_;
  if (drag_ == Drag::Low) lo = std::min(v, hi - minWidth);
  if (drag_ == Drag::High) hi = std::max(v, lo + minWidth);
  if (drag_ == Drag::Range) {
    lo = std::min(anchor_, v);
    hi = std::max(anchor_, v);
    if (hi - lo < minWidth) return;
  }
  setWindow(lo, hi);
  emit windowDragged(lo, hi);
}

void HistogramWidget::mouseReleaseEvent(QMouseEvent* e) {
  if (drag_ != Drag::None) mouseMoveEvent(e);
  drag_ = Drag::None;
}

}  // namespace nzviewer
