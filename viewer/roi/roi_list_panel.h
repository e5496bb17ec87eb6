#pragma once
// Side panel of the ROI boxes: the named list (double-click renames), the current box in
// voxels or mm (begin/end along each voxel axis; mm = edge index x voxel size, labelled so; the
// world RAS coordinates of its first and last voxel are shown too), snapping to the
// chunk grid, the TorchIO CropOrPad target with its pad mode and value, "Centre on crosshair",
// and the cost of exporting it at the chosen level, straight from nz::planExport: output size
// in voxels, mm and MB, chunks and bytes to fetch, and the time range estimated from the
// per-request latency and bandwidth measured on this store (StoreSpeed, kept while idle). "Export…"
// asks the controller to open the export dialog; "Save ROIs…" / "Load ROIs…" ask it to write or
// read the ROI list as JSON (nz::roiSetJson), and their result shows in the status line under the
// list.
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <array>

#include "roi/export_plan.h"
#include "viewer/roi/store_speed.h"

class QListWidget;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QCheckBox;
class QLabel;
class QPushButton;

namespace nzviewer {

class RoiModel;
class ViewerState;
class DataSource;

class RoiListPanel : public QWidget {
  Q_OBJECT
 public:
  RoiListPanel(RoiModel* model, ViewerState* state, DataSource* source, QWidget* parent = nullptr);

  // The numbers as the panel prints them (tests compare them with planExport's).
  static QString formatVoxels(const nz::ExportPlan& p);
  static QString formatMB(std::uint64_t bytes);
  static QString formatSeconds(double s);
  // World (RAS) mm of the centres of the first and last voxel of a level-0 box.
  static QString worldCorners(const nz::DatasetInfo& info, const nz::Box& level0);
  nz::ThroughputModel throughput() const;
  // The measured speed of the open store (sampled every second from the viewer's loader).
  const StoreSpeed& storeSpeed() const { return speed_; }
  // Estimate text: "2.0 – 6.7 s (45 ms/request, 12.3 MB/s measured)".
  static QString formatEstimate(std::pair<double, double> range, const StoreSpeed& speed);
  // One line under the list buttons (empty hides it); errors in red.
  void setStatus(const QString& text, bool error = false);
  QString status() const;
  // The list file would hold more than ROIs (rulers): Save stays enabled without ROIs.
  void setHasExtras(bool on);

 signals:
  void exportRequested(int index);
  void newRequested();   // "New": a box around the crosshair
  void saveRequested();  // "Save ROIs…"
  void loadRequested();  // "Load ROIs…"

 public slots:
  void refresh();  // model changed: list, fields, readout
  void centreOnCrosshair();
  void deleteCurrent();  // "Delete" / the Delete key: undoable, and the status line says so

 private:
  void refreshReadout();
  void applyFields();
  void applyCropOrPad();
  bool useMm() const;

  RoiModel* model_;
  ViewerState* state_;
  DataSource* source_;
  bool updating_ = false;
  bool hasExtras_ = false;
  QListWidget* list_;
  QComboBox* units_;
  std::array<QDoubleSpinBox*, 3> begin_{}, end_{};
  QComboBox* level_;
  QCheckBox* snap_;
  QCheckBox* cropOrPad_;
  std::array<QSpinBox*, 3> target_{};
  QComboBox* padMode_;
  QDoubleSpinBox* padValue_;
  QLabel* voxels_;
  QLabel* mm_;
  QLabel* mb_;
  QLabel* chunks_;
  QLabel* fetch_;
  QLabel* estimate_;
  QLabel* world_;
  QPushButton* export_;
  QPushButton* remove_;
  QPushButton* centre_;
  QPushButton* save_;
  QPushButton* load_;
  QLabel* status_;
  QTimer timer_;  // samples the store's speed and refreshes the estimate
  StoreSpeed speed_;
  const nz::DatasetInfo* speedFor_ = nullptr;  // the dataset speed_ was measured on
  QElapsedTimer clock_;
};

}  // namespace nzviewer
