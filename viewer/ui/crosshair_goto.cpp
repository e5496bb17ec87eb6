#include "ui/crosshair_goto.h"

#include <QRegularExpression>
#include <QStringList>
#include <cmath>

namespace nzviewer {

std::optional<nz::Point3> parseThreeNumbers(const QString& text, QString* error) {
  QString t = text.trimmed();
  t.remove('(').remove(')').remove('[').remove(']');
  const QStringList parts = t.split(QRegularExpression("[\\s,;]+"), Qt::SkipEmptyParts);
  if (parts.size() != 3) {
    if (error) *error = QString("expected three numbers (x y z), got %1").arg(parts.size());
    return std::nullopt;
  }
  nz::Point3 p{};
  for (int i = 0; i < 3; ++i) {
    bool ok = false;
    p[std::size_t(i)] = parts[i].toDouble(&ok);
    if (!ok || !std::isfinite(p[std::size_t(i)])) {
      if (error) *error = QString("'%1' is not a number").arg(parts[i]);
      return std::nullopt;
    }
  }
  return p;
}

nz::Point3 voxelToWorld(const nz::DatasetInfo& info, const nz::Point3& v) {
  nz::Point3 w{};
  for (std::size_t r = 0; r < 3; ++r)
    w[r] = info.affine[r * 4] * v[0] + info.affine[r * 4 + 1] * v[1] +
           info.affine[r * 4 + 2] * v[2] + info.affine[r * 4 + 3];
  return w;
}

std::optional<nz::Point3> worldToVoxel(const nz::DatasetInfo& info, const nz::Point3& world) {
  const auto& a = info.affine;
  const double m[3][3] = {{a[0], a[1], a[2]}, {a[4], a[5], a[6]}, {a[8], a[9], a[10]}};
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  if (!(std::abs(det) > 1e-12)) return std::nullopt;
  const double inv[3][3] = {
      {(m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det,
       (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det},
      {(m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det,
       (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det},
      {(m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det,
       (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det}};
  const double d[3] = {world[0] - a[3], world[1] - a[7], world[2] - a[11]};
  nz::Point3 v{};
  for (std::size_t r = 0; r < 3; ++r) v[r] = inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2];
  return v;
}

}  // namespace nzviewer
