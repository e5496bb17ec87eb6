#pragma once
// The viewer's named ROI boxes (level-0 voxels, nz::RoiBox) and the export settings shared by
// the overlay, the side panel and the export dialog: export level, chunk-grid snapping and the
// TorchIO CropOrPad target. All arithmetic is io/roi's (planExport, cropOrPadBox); this class
// only keeps the list and tells the views when it changed.
#include <QObject>
#include <QString>
#include <array>
#include <optional>
#include <vector>

#include "dataset/dataset.h"
#include "loader/loader_metrics.h"
#include "roi/export_plan.h"
#include "roi/roi_box.h"

namespace nzviewer {

struct NamedRoi {
  QString name;
  nz::RoiBox roi;  // level 0
};

// Everything the user can change in the ROI list and its export settings: what undo restores
// and what "unsaved ROIs" compares with the last saved/loaded list.
struct RoiModelState {
  std::vector<NamedRoi> rois;
  int current = -1;
  int level = 0;
  bool snap = false;
  std::optional<std::array<std::int64_t, 3>> cropOrPad;
  nz::PadMode padMode = nz::PadMode::Constant;
  double padValue = 0;
  int nextNumber = 1;
  // Same boxes, names and settings (the current row and the name counter do not count).
  bool sameContent(const RoiModelState& o) const;
};

class RoiModel : public QObject {
  Q_OBJECT
 public:
  explicit RoiModel(QObject* parent = nullptr);

  void setInfo(const nz::DatasetInfo* info);  // nullptr: no dataset (clears the list)
  const nz::DatasetInfo* info() const { return info_; }

  const std::vector<NamedRoi>& rois() const { return rois_; }
  int current() const { return current_; }
  void setCurrent(int i);
  // Adds a box (level-0 voxels; snapped when snapping is on), makes it current, returns index.
  int add(const nz::Box& level0, const QString& name = {});
  // Appends boxes exactly as given (never snapped: a loaded list keeps its saved boxes); the
  // first of them becomes current. One changed() for the whole list.
  void append(const std::vector<NamedRoi>& rois);
  void setBox(int i, const nz::Box& level0);  // snapped when snapping is on
  void rename(int i, const QString& name);
  void remove(int i);

  int level() const { return level_; }
  void setLevel(int level);
  bool snap() const { return snap_; }
  void setSnap(bool on);
  // Smallest chunk-aligned (at the export level) level-0 box covering `level0`, inside the volume.
  nz::Box snapped(const nz::Box& level0) const;

  std::optional<std::array<std::int64_t, 3>> cropOrPad() const { return cropOrPad_; }
  void setCropOrPad(std::optional<std::array<std::int64_t, 3>> target);
  nz::PadMode padMode() const { return padMode_; }
  double padValue() const { return padValue_; }
  void setPad(nz::PadMode mode, double value);
  // Target, pad mode and value in one change (one changed(), one undo step).
  void setCropOrPadSettings(std::optional<std::array<std::int64_t, 3>> target, nz::PadMode mode,
                            double value);

  // A copy of the list and settings, and putting one back (undo/redo).
  RoiModelState snapshot() const;
  void restore(const RoiModelState& s);

  // The export request for ROI i at the chosen level (the same one the CLI would build).
  nz::ExportRequest request(int i) const;
  std::optional<nz::ExportPlan> plan(int i, const nz::ThroughputModel& model = {}) const;
  // The box CropOrPad produces for ROI i, in level-0 voxels (the preview), when a target is set.
  std::optional<nz::Box> previewBox(int i) const;

 signals:
  void changed();  // list, boxes or settings changed

 private:
  const nz::DatasetInfo* info_ = nullptr;
  std::vector<NamedRoi> rois_;
  int current_ = -1;
  int level_ = 0;
  bool snap_ = false;
  int nextNumber_ = 1;
  std::optional<std::array<std::int64_t, 3>> cropOrPad_;
  nz::PadMode padMode_ = nz::PadMode::Constant;
  double padValue_ = 0;
};

}  // namespace nzviewer
