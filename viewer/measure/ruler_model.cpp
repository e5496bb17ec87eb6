#include "measure/ruler_model.h"

#include <QJsonArray>
#include <cmath>

#include "roi/roi_box.h"

namespace nzviewer {

double rulerLengthMm(const nz::DatasetInfo& info, const nz::Point3& a, const nz::Point3& b) {
  if (info.levels.empty()) return 0;
  const nz::Vec3 wa = nz::worldFromVoxel(info, 0, {a[0], a[1], a[2]});
  const nz::Vec3 wb = nz::worldFromVoxel(info, 0, {b[0], b[1], b[2]});
  double d2 = 0;
  for (int i = 0; i < 3; ++i) d2 += (wb[i] - wa[i]) * (wb[i] - wa[i]);
  double unit = 1;
  if (info.spaceUnit == "um") unit = 1e-3;
  if (info.spaceUnit == "m") unit = 1e3;
  return std::sqrt(d2) * unit;
}

void RulerModel::setInfo(const nz::DatasetInfo* info) {
  info_ = info;
  rulers_.clear();
  current_ = -1;
  nextNumber_ = 1;
  emit changed();
}

int RulerModel::add(const Ruler& r) {
  Ruler copy = r;
  if (copy.name.isEmpty()) copy.name = QString("Ruler %1").arg(nextNumber_);
  ++nextNumber_;
  rulers_.push_back(copy);
  current_ = static_cast<int>(rulers_.size()) - 1;
  emit changed();
  return current_;
}

void RulerModel::setEnd(int i, const nz::Point3& b) {
  if (i < 0 || i >= static_cast<int>(rulers_.size())) return;
  rulers_[static_cast<std::size_t>(i)].b = b;
  emit changed();
}

void RulerModel::remove(int i) {
  if (i < 0 || i >= static_cast<int>(rulers_.size())) return;
  rulers_.erase(rulers_.begin() + i);
  current_ = rulers_.empty() ? -1 : std::min(current_, static_cast<int>(rulers_.size()) - 1);
  emit changed();
}

void RulerModel::clear() {
  rulers_.clear();
  current_ = -1;
  emit changed();
}

void RulerModel::setCurrent(int i) {
  if (i < -1 || i >= static_cast<int>(rulers_.size()) || i == current_) return;
  current_ = i;
  emit changed();
}

double RulerModel::lengthMm(int i) const {
  if (!info_ || i < 0 || i >= static_cast<int>(rulers_.size())) return 0;
  const Ruler& r = rulers_[static_cast<std::size_t>(i)];
  return rulerLengthMm(*info_, r.a, r.b);
}

namespace {

QJsonArray vec(const nz::Point3& p) { return {p[0], p[1], p[2]}; }

bool readVec(const QJsonValue& v, nz::Point3& out) {
  const QJsonArray a = v.toArray();
  if (a.size() != 3) return false;
  for (int i = 0; i < 3; ++i) {
    if (!a[i].isDouble() || !std::isfinite(a[i].toDouble())) return false;
    out[static_cast<std::size_t>(i)] = a[i].toDouble();
  }
  return true;
}

}  // namespace

bool RulerModel::writeJson(QJsonObject& doc) const {
  if (rulers_.empty() || !info_) return false;
  QJsonArray list;
  for (int i = 0; i < static_cast<int>(rulers_.size()); ++i) {
    const Ruler& r = rulers_[static_cast<std::size_t>(i)];
    const nz::Vec3 wa = nz::worldFromVoxel(*info_, 0, {r.a[0], r.a[1], r.a[2]});
    const nz::Vec3 wb = nz::worldFromVoxel(*info_, 0, {r.b[0], r.b[1], r.b[2]});
    list.append(QJsonObject{{"name", r.name},
                            {"a", vec(r.a)},
                            {"b", vec(r.b)},
                            {"normal", r.normal},
                            {"a_world", vec({wa[0], wa[1], wa[2]})},
                            {"b_world", vec({wb[0], wb[1], wb[2]})},
                            {"length_mm", lengthMm(i)}});
  }
  doc["rulers"] = list;
  return true;
}

int RulerModel::readJson(const QJsonObject& doc) {
  if (!doc.contains("rulers") || !doc["rulers"].isArray()) return 0;
  const QJsonArray list = doc["rulers"].toArray();
  std::vector<Ruler> read;
  int skipped = 0;
  for (const QJsonValue& v : list) {
    const QJsonObject o = v.toObject();
    Ruler r;
    r.name = o["name"].toString().left(200);
    r.normal = o["normal"].toInt(2);
    if (read.size() >= 10000 || !readVec(o["a"], r.a) || !readVec(o["b"], r.b) || r.normal < 0 ||
        r.normal > 2) {
      ++skipped;
      continue;
    }
    read.push_back(r);
  }
  rulers_ = std::move(read);
  current_ = rulers_.empty() ? -1 : 0;
  nextNumber_ = static_cast<int>(rulers_.size()) + 1;
  emit changed();
  return skipped;
}

}  // namespace nzviewer
