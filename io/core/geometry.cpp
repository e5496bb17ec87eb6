#include "core/geometry.h"

#include <cmath>

#include "core/error.h"

namespace nz {

Matrix4 multiply(const Matrix4& a, const Matrix4& b) {
  Matrix4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += a[i * 4 + k] * b[k * 4 + j];
      r[i * 4 + j] = s;
    }
  return r;
}

double linearDeterminant(const Matrix4& m) {
  return m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) +
         m[2] * (m[4] * m[9] - m[5] * m[8]);
}

std::optional<Matrix4> tryInvertAffine(const Matrix4& m) {
  // Inverse of the 3x3 block by cofactors, then the translation.
  const double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[6], g = m[8], h = m[9],
               k = m[10];
  const double det = linearDeterminant(m);
  if (!(std::abs(det) > 0) || !std::isfinite(det)) return std::nullopt;
  const double inv[9] = {(e * k - f * h) / det, (c * h - b * k) / det, (b * f - c * e) / det,
                         (f * g - d * k) / det, (a * k - c * g) / det, (c * d - a * f) / det,
                         (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det};
  Matrix4 r{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) r[i * 4 + j] = inv[i * 3 + j];
    r[i * 4 + 3] = -(inv[i * 3] * m[3] + inv[i * 3 + 1] * m[7] + inv[i * 3 + 2] * m[11]);
  }
  r[15] = 1;
  return r;
}

Matrix4 invertAffine(const Matrix4& m) {
  if (auto r = tryInvertAffine(m)) return *r;
  throw Error(ErrorKind::InvalidData, "affine is singular");
}

Vec3 applyAffine(const Matrix4& m, const Vec3& p) {
  Vec3 r;
  for (int i = 0; i < 3; ++i)
    r[i] = m[i * 4] * p[0] + m[i * 4 + 1] * p[1] + m[i * 4 + 2] * p[2] + m[i * 4 + 3];
  return r;
}

Matrix4 shiftAffine(const Matrix4& affine, const Vec3& first) {
  Matrix4 r = affine;
  const Vec3 o = applyAffine(affine, first);
  r[3] = o[0];
  r[7] = o[1];
  r[11] = o[2];
  return r;
}

}  // namespace nz
