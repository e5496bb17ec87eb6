#pragma once
// The "Statistics" dock: statistics of the selected ROI (or the whole volume) for the selected
// layer at a chosen level, computed in the background (StatsJob) with progress and cancel; the
// level used is always shown. For a label layer, a per-label table (voxels, volume in mm^3)
// with "Zoom to label" and "ROI from label" (the label's bounding box plus a margin).
#include <QString>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "stats/roi_stats.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace nzviewer {

class MainWindow;
class RoiModel;
class StatsJob;

class StatsPanel : public QWidget {
  Q_OBJECT
 public:
  StatsPanel(MainWindow* window, RoiModel* rois, QWidget* parent = nullptr);
  ~StatsPanel() override;

  // Level choice: -1 = automatic (the finest level whose ROI has at most kAutoVoxels voxels).
  static constexpr std::int64_t kAutoVoxels = std::int64_t{64} << 20;
  void setLevelChoice(int level);
  // Layer choice: 0 = the reference, then the layers bottom to top.
  void setTarget(int index);
  // Follows the Layers panel: the layer with this id (-1: the reference image) becomes the
  // target; the combo box can still pick another one afterwards.
  void followLayer(int id);
  void compute();
  void cancel();
  bool running() const;
  StatsJob* job() const { return job_; }
  // The last result as `nzview-cli stats --json` prints it ("" before the first).
  QString lastJson() const { return lastJson_; }
  const std::optional<nz::RoiStats>& lastStats() const { return last_; }
  // Label rows (label layers): box of label row `row` in reference level-0 voxels, with margin.
  std::optional<nz::Box> labelBoxLevel0(int row, double marginFraction = 0.1) const;
  void zoomToLabel(int row);
  void roiFromLabel(int row);

 signals:
  void computed();
  void computeFailed(const QString& message);

 private:
  void refreshTargets();
  std::shared_ptr<nz::Dataset> targetDataset() const;
  bool targetIsLabels() const;
  QString targetName(std::int64_t label) const;
  nz::Box roiOnTarget(int level) const;  // the ROI (or whole volume) in the target's level voxels
  void showResult(const nz::RoiStats& s);

  MainWindow* window_;
  RoiModel* rois_;
  StatsJob* job_;
  QComboBox* target_;
  QComboBox* level_;
  QLabel* roiLabel_;
  QLabel* levelLabel_;
  QPushButton* compute_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QTableWidget* table_;
  QTableWidget* labels_;
  QPushButton* zoomLabel_;
  QPushButton* roiLabelBtn_;
  QLabel* status_;
  std::optional<nz::RoiStats> last_;
  std::shared_ptr<nz::Dataset> lastDataset_;
  QString lastJson_;
};

}  // namespace nzviewer
