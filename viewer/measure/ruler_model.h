#pragma once
// Distance measurements: line segments drawn on a slice, kept in level-0 voxel coordinates of
// the reference (continuous; voxel centres at integers), measured in world space through the
// level-0 affine, so lengths are right for anisotropic, sheared and oblique voxel grids.
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <vector>

#include "dataset/dataset.h"
#include "loader/level_of_detail.h"

namespace nzviewer {

struct Ruler {
  QString name;
  nz::Point3 a{}, b{};  // level-0 voxel coordinates of the ends
  int normal = 2;       // voxel axis normal to the slice it was drawn on
};

// Length in mm of the segment between two level-0 voxel coordinates (the file's space unit
// converted: um and m scans give mm too).
double rulerLengthMm(const nz::DatasetInfo& info, const nz::Point3& a, const nz::Point3& b);

class RulerModel : public QObject {
  Q_OBJECT
 public:
  explicit RulerModel(QObject* parent = nullptr) : QObject(parent) {}

  void setInfo(const nz::DatasetInfo* info);  // nullptr: no dataset (clears the list)
  const nz::DatasetInfo* info() const { return info_; }
  const std::vector<Ruler>& rulers() const { return rulers_; }
  int add(const Ruler& r);  // becomes current; named "Ruler N" when unnamed
  void setEnd(int i, const nz::Point3& b);
  void remove(int i);
  void clear();
  int current() const { return current_; }
  void setCurrent(int i);
  double lengthMm(int i) const;

  // The rulers as the ROI list file keeps them: "rulers": [{"name", "a", "b" (level-0 voxel
  // coordinates), "normal", "a_world", "b_world" (mm), "length_mm"}]. False when there are none.
  bool writeJson(QJsonObject& doc) const;
  // Replaces the rulers with a file's (entries without two finite 3-vectors are skipped);
  // returns the number skipped. A file without "rulers" leaves the list as it is.
  int readJson(const QJsonObject& doc);

 signals:
  void changed();

 private:
  const nz::DatasetInfo* info_ = nullptr;
  std::vector<Ruler> rulers_;
  int current_ = -1;
  int nextNumber_ = 1;
};

}  // namespace nzviewer
