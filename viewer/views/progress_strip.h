#pragma once
// The thin loading bar along the bottom of a slice view: the fraction of the visible chunks
// that has arrived. Unlike QProgressBar, whose setValue repaints at once (and, as a child of a
// GL view, the whole window with it: a render and a composition inside whatever changed the
// value), a new fraction only schedules a repaint with the next paint pass.
#include <QColor>
#include <QPainter>
#include <QWidget>
#include <algorithm>
#include <cmath>

namespace nzviewer {

class ProgressStrip : public QWidget {
 public:
  explicit ProgressStrip(QWidget* parent = nullptr) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
  }
  void setFraction(double fraction) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    if (fraction == fraction_) return;
    fraction_ = fraction;
    update();
  }
  double fraction() const { return fraction_; }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.fillRect(rect(), QColor(0x20, 0x20, 0x20));
    const int done = static_cast<int>(std::lround(fraction_ * width()));
    p.fillRect(QRect(0, 0, done, height()), QColor(0x3a, 0x8e, 0xe6));
  }

 private:
  double fraction_ = 0;
};

}  // namespace nzviewer
