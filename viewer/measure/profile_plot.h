#pragma once
// A small line plot of values against distance (mm): the intensity profile along a ruler.
// NaN samples (no data loaded there yet) leave gaps.
#include <QWidget>
#include <vector>

namespace nzviewer {

class ProfilePlot : public QWidget {
  Q_OBJECT
 public:
  explicit ProfilePlot(QWidget* parent = nullptr);
  void setSamples(std::vector<double> distanceMm, std::vector<double> values);
  const std::vector<double>& values() const { return values_; }
  QSize sizeHint() const override { return {260, 120}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  std::vector<double> distance_, values_;
};

}  // namespace nzviewer
