#include "viewer/roi/roi_undo.h"

#include <QElapsedTimer>
#include <QUndoCommand>
#include <cmath>

#include "model/viewer_state.h"

namespace nzviewer {

namespace {

// Changes of the same thing closer than this merge into one step (a mouse drag, a held key).
constexpr qint64 kMergeMs = 1000;
// ... and, for the crosshair, move by at most this many voxels along each axis.
constexpr double kMergeVoxels = 16;

enum CommandId { kBoxEdit = 1, kCrosshair = 2 };

QElapsedTimer& clock() {
  static QElapsedTimer c = [] {
    QElapsedTimer t;
    t.start();
    return t;
  }();
  return c;
}

class RoiCommand : public QUndoCommand {
 public:
  // mergeKey >= 0: a box edit of ROI mergeKey (merges with the previous edit of the same box).
  RoiCommand(RoiUndo* undo, RoiModelState before, RoiModelState after, const QString& text,
             int mergeKey)
      : QUndoCommand(text),
        undo_(undo),
        before_(std::move(before)),
        after_(std::move(after)),
        mergeKey_(mergeKey),
        at_(clock().elapsed()) {}
  int id() const override { return mergeKey_ >= 0 ? kBoxEdit : -1; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const RoiCommand*>(other);
    if (o->mergeKey_ != mergeKey_ || o->at_ - at_ > kMergeMs) return false;
    after_ = o->after_;
    at_ = o->at_;
    return true;
  }
  void redo() override {
    if (first_) {  // already done by the user
      first_ = false;
      return;
    }
    undo_->restoreRois(after_);
  }
  void undo() override { undo_->restoreRois(before_); }

 private:
  RoiUndo* undo_;
  RoiModelState before_, after_;
  int mergeKey_;
  qint64 at_;
  bool first_ = true;
};

class CrosshairCommand : public QUndoCommand {
 public:
  CrosshairCommand(RoiUndo* undo, const nz::Point3& before, const nz::Point3& after)
      : QUndoCommand("Move crosshair"),
        undo_(undo),
        before_(before),
        after_(after),
        at_(clock().elapsed()) {}
  int id() const override { return kCrosshair; }
  bool mergeWith(const QUndoCommand* other) override {
    // A drag or slice stepping: small moves in quick succession. A jump (a click elsewhere, a
    // typed position) stays its own step.
    const auto* o = static_cast<const CrosshairCommand*>(other);
    if (o->at_ - at_ > kMergeMs) return false;
    for (std::size_t a = 0; a < 3; ++a)
      if (std::abs(o->after_[a] - after_[a]) > kMergeVoxels) return false;
    after_ = o->after_;
    at_ = o->at_;
    return true;
  }
  void redo() override {
    if (first_) {
      first_ = false;
      return;
    }
    undo_->restoreCrosshair(after_);
  }
  void undo() override { undo_->restoreCrosshair(before_); }

 private:
  RoiUndo* undo_;
  nz::Point3 before_, after_;
  qint64 at_;
  bool first_ = true;
};

bool sameBoxes(const RoiModelState& a, const RoiModelState& b) {
  if (a.rois.size() != b.rois.size()) return false;
  for (std::size_t i = 0; i < a.rois.size(); ++i)
    if (a.rois[i].roi.box.begin != b.rois[i].roi.box.begin ||
        a.rois[i].roi.box.end != b.rois[i].roi.box.end)
      return false;
  return true;
}

}  // namespace

RoiUndo::RoiUndo(RoiModel* model, ViewerState* state, QObject* parent)
    : QObject(parent), model_(model), state_(state) {
  stack_.setUndoLimit(200);
  connect(model_, &RoiModel::changed, this, &RoiUndo::onModelChanged);
  connect(state_, &ViewerState::crosshairChanged, this, &RoiUndo::onCrosshairChanged);
  reset();
}

void RoiUndo::reset() {
  stack_.clear();
  last_ = model_->snapshot();
  lastCrosshair_ = state_->crosshair();
}

void RoiUndo::restoreRois(const RoiModelState& s) {
  applying_ = true;
  model_->restore(s);
  applying_ = false;
  last_ = model_->snapshot();
}

void RoiUndo::restoreCrosshair(const nz::Point3& p) {
  applying_ = true;
  state_->setCrosshair(p);
  applying_ = false;
  lastCrosshair_ = state_->crosshair();
}

void RoiUndo::onModelChanged() {
  RoiModelState now = model_->snapshot();
  if (applying_ || now.sameContent(last_)) {  // undo itself, or only the selection changed
    last_ = std::move(now);
    return;
  }
  QString text;
  int mergeKey = -1;
  if (now.rois.size() > last_.rois.size()) {
    text = now.rois.size() == last_.rois.size() + 1 ? "Create ROI" : "Load ROIs";
  } else if (now.rois.size() < last_.rois.size()) {
    text = "Delete ROI";
  } else if (now.snap != last_.snap) {
    text = "Snap to chunk grid";
  } else if (!sameBoxes(now, last_)) {
    text = "Edit ROI box";
    for (std::size_t i = 0; i < now.rois.size(); ++i)
      if (now.rois[i].roi.box.begin != last_.rois[i].roi.box.begin ||
          now.rois[i].roi.box.end != last_.rois[i].roi.box.end) {
        mergeKey = static_cast<int>(i);
        break;
      }
  } else if (now.cropOrPad != last_.cropOrPad || now.padMode != last_.padMode ||
             now.padValue != last_.padValue) {
    text = "Crop/pad settings";
  } else if (now.level != last_.level) {
    text = "Export level";
  } else {
    text = "Rename ROI";
  }
  stack_.push(new RoiCommand(this, last_, now, text, mergeKey));
  last_ = std::move(now);
}

void RoiUndo::onCrosshairChanged() {
  const nz::Point3 now = state_->crosshair();
  if (applying_ || now == lastCrosshair_) {
    lastCrosshair_ = now;
    return;
  }
  stack_.push(new CrosshairCommand(this, lastCrosshair_, now));
  lastCrosshair_ = now;
}

}  // namespace nzviewer
