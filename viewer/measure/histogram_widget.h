#pragma once
// The value histogram of the selected layer in the display panel, with that layer's display
// window drawn on it: drag the low or the high line to move that end, or drag across the
// histogram to set a new window from where the drag started to where it is (windowDragged; the
// feeder applies it to the layer). Log scale option. Filled by HistogramFeeder (coarsest level
// at once, then a finer level); a note instead when there is nothing to show (a label layer).
#include <QWidget>
#include <vector>

#include "stats/histogram.h"

namespace nzviewer {

class HistogramWidget : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramWidget(QWidget* parent = nullptr);

  void setHistogram(const nz::Histogram& h);
  // No histogram; `note` is shown instead (empty: "histogram: waiting for data").
  void clear(const QString& note = {});
  QString note() const { return note_; }
  // The display window drawn on the histogram (the selected layer's).
  void setWindow(double low, double high);
  double windowLow() const { return low_; }
  double windowHigh() const { return high_; }
  const nz::Histogram& histogram() const { return hist_; }
  bool hasData() const { return !hist_.counts.empty(); }
  void setLogScale(bool on);
  bool logScale() const { return log_; }
  // Value at widget x, and widget x of a value (the plotting area spans the widget's width).
  double valueAtX(double x) const;
  double xOfValue(double v) const;
  QSize sizeHint() const override { return {240, 90}; }

 signals:
  void histogramChanged();
  void windowDragged(double low, double high);  // the user moved the window on the histogram

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  enum class Drag { None, Low, High, Range };
  nz::Histogram hist_;
  QString note_;
  double low_ = 0, high_ = 1;
  bool log_ = false;
  Drag drag_ = Drag::None;
  double anchor_ = 0;
};

}  // namespace nzviewer
