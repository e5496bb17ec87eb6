#pragma once
// Wires the measuring tools into a MainWindow (attached like CacheController: one line there):
// the "Statistics" dock (StatsPanel), the histogram in the display panel (HistogramWidget) and
// the ruler tool on the three slice views (RulerOverlay, listed in the Statistics dock).
#include <QObject>
#include <QPointer>
#include <vector>

class QDockWidget;

namespace nzviewer {

class MainWindow;
class StatsPanel;
class HistogramWidget;
class HistogramFeeder;
class RulerModel;
class RulerOverlay;
class RulerPanel;
class SliceView;

class MeasureController : public QObject {
  Q_OBJECT
 public:
  explicit MeasureController(MainWindow* window);
  ~MeasureController() override;

  StatsPanel* statsPanel() const { return stats_; }
  QDockWidget* statsDock() const { return dock_; }
  HistogramWidget* histogram() const { return histogram_; }
  RulerModel* rulers() const { return rulers_; }
  RulerOverlay* rulerOverlay() const { return overlay_; }
  RulerPanel* rulerPanel() const { return rulerPanel_; }
  // No statistics or histogram worker is alive (cancelled ones stop on their own).
  bool workersIdle() const;

 private:
  MainWindow* window_;
  StatsPanel* stats_ = nullptr;
  QDockWidget* dock_ = nullptr;
  HistogramWidget* histogram_ = nullptr;
  HistogramFeeder* feeder_ = nullptr;
  RulerModel* rulers_ = nullptr;
  RulerOverlay* overlay_ = nullptr;
  RulerPanel* rulerPanel_ = nullptr;
  std::vector<QPointer<SliceView>> views_;  // the overlay is removed from those still alive
};

}  // namespace nzviewer
