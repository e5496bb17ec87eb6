#include "viewer/roi/roi_model.h"

#include <algorithm>

namespace nzviewer {

RoiModel::RoiModel(QObject* parent) : QObject(parent) {}

void RoiModel::setInfo(const nz::DatasetInfo* info) {
  info_ = info;
  rois_.clear();
  current_ = -1;
  nextNumber_ = 1;
  level_ = 0;
  emit changed();
}

void RoiModel::setCurrent(int i) {
  if (i < -1 || i >= static_cast<int>(rois_.size()) || i == current_) return;
  current_ = i;
  emit changed();
}

int RoiModel::add(const nz::Box& level0, const QString& name) {
  NamedRoi r;
  r.name = name.isEmpty() ? QString("ROI %1").arg(nextNumber_) : name;
  ++nextNumber_;
  r.roi.box = snap_ ? snapped(level0) : level0;
  rois_.push_back(r);
  current_ = static_cast<int>(rois_.size()) - 1;
  emit changed();
  return current_;
}

void RoiModel::append(const std::vector<NamedRoi>& rois) {
  if (rois.empty()) return;
  const int first = static_cast<int>(rois_.size());
  for (const NamedRoi& r : rois) {
    rois_.push_back(r);
    if (rois_.back().name.isEmpty()) rois_.back().name = QString("ROI %1").arg(nextNumber_);
    ++nextNumber_;
  }
  current_ = first;
  emit changed();
}

void RoiModel::setBox(int i, const nz::Box& level0) {
  if (i < 0 || i >= static_cast<int>(rois_.size())) return;
  rois_[static_cast<std::size_t>(i)].roi.box = snap_ ? snapped(level0) : level0;
  emit changed();
}

void RoiModel::rename(int i, const QString& name) {
  if (i < 0 || i >= static_cast<int>(rois_.size()) || name.isEmpty()) return;
  rois_[static_cast<std::size_t>(i)].name = name;
  emit changed();
}

void RoiModel::remove(int i) {
  if (i < 0 || i >= static_cast<int>(rois_.size())) return;
  rois_.erase(rois_.begin() + i);
  current_ = std::min(current_, static_cast<int>(rois_.size()) - 1);
  emit changed();
}

void RoiModel::setLevel(int level) {
  if (!info_) return;
  level = std::clamp(level, 0, static_cast<int>(info_->levels.size()) - 1);
  if (level == level_) return;
  level_ = level;
  emit changed();
}

void RoiModel::setSnap(bool on) {
  if (on == snap_) return;
  snap_ = on;
  if (snap_)
    for (auto& r : rois_) r.roi.box = snapped(r.roi.box);
  emit changed();
}

nz::Box RoiModel::snapped(const nz::Box& level0) const {
  if (!info_ || level0.empty()) return level0;
  const auto& lv = info_->levels[static_cast<std::size_t>(level_)];
  nz::Box b = nz::RoiBox{level0}.toLevel(*info_, level_);
  for (int a = 0; a < 3; ++a) {
    const std::int64_t c = std::max<std::int64_t>(1, lv.chunkShape[a]);
    auto floorDiv = [](std::int64_t x, std::int64_t d) {
      return x >= 0 ? x / d : -((-x + d - 1) / d);
    };
    b.begin[a] = std::clamp<std::int64_t>(floorDiv(b.begin[a], c) * c, 0, lv.shape[a]);
    b.end[a] = std::clamp<std::int64_t>(-floorDiv(-b.end[a], c) * c, 0, lv.shape[a]);
    if (b.end[a] <= b.begin[a]) b.end[a] = std::min(lv.shape[a], b.begin[a] + c);
  }
  nz::Box out = nz::RoiBox::fromLevel(*info_, level_, b).box;
  for (int a = 3; a < 5; ++a) out.begin[a] = level0.begin[a], out.end[a] = level0.end[a];
  return out;
}

void RoiModel::setCropOrPad(std::optional<std::array<std::int64_t, 3>> target) {
  cropOrPad_ = target;
  emit changed();
}

void RoiModel::setPad(nz::PadMode mode, double value) {
  padMode_ = mode;
  padValue_ = value;
  emit changed();
}

void RoiModel::setCropOrPadSettings(std::optional<std::array<std::int64_t, 3>> target,
                                    nz::PadMode mode, double value) {
  if (target == cropOrPad_ && mode == padMode_ && value == padValue_) return;
  cropOrPad_ = target;
  padMode_ = mode;
  padValue_ = value;
  emit changed();
}

RoiModelState RoiModel::snapshot() const {
  return {rois_, current_, level_, snap_, cropOrPad_, padMode_, padValue_, nextNumber_};
}

void RoiModel::restore(const RoiModelState& s) {
  rois_ = s.rois;
  current_ = std::min(s.current, static_cast<int>(rois_.size()) - 1);
  level_ = s.level;
  snap_ = s.snap;
  cropOrPad_ = s.cropOrPad;
  padMode_ = s.padMode;
  padValue_ = s.padValue;
  nextNumber_ = s.nextNumber;
  emit changed();
}

bool RoiModelState::sameContent(const RoiModelState& o) const {
  if (rois.size() != o.rois.size() || level != o.level || snap != o.snap ||
      cropOrPad != o.cropOrPad || padMode != o.padMode || padValue != o.padValue)
    return false;
  for (std::size_t i = 0; i < rois.size(); ++i)
    if (rois[i].name != o.rois[i].name || rois[i].roi.box.begin != o.rois[i].roi.box.begin ||
        rois[i].roi.box.end != o.rois[i].roi.box.end)
      return false;
  return true;
}

nz::ExportRequest RoiModel::request(int i) const {
  nz::ExportRequest req;
  req.level = level_;
  if (info_ && i >= 0 && i < static_cast<int>(rois_.size()))
    req.roi = rois_[static_cast<std::size_t>(i)].roi.toLevel(*info_, level_);
  req.cropOrPad = cropOrPad_;
  req.padMode = padMode_;
  req.padValue = padValue_;
  return req;
}

std::optional<nz::ExportPlan> RoiModel::plan(int i, const nz::ThroughputModel& model) const {
  if (!info_ || i < 0 || i >= static_cast<int>(rois_.size())) return std::nullopt;
  try {
    return nz::planExport(*info_, request(i), model);
  } catch (const std::exception&) {
    return std::nullopt;  // empty box or bad target: the panel shows "—"
  }
}

std::optional<nz::Box> RoiModel::previewBox(int i) const {
  if (!cropOrPad_) return std::nullopt;
  auto p = plan(i);
  if (!p) return std::nullopt;
  return nz::RoiBox::fromLevel(*info_, p->level, p->outBox).box;
}

}  // namespace nzviewer
