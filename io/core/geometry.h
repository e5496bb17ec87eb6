#pragma once
// Points and affines shared by every io layer: a NIfTI-style row-major 4x4 affine (world from
// voxel, last row 0 0 0 1) and 3-vectors in x, y, z order.
//
//   nz::Vec3 world = nz::applyAffine(info.affine, {10, 20, 30});
//   nz::Vec3 voxel = nz::applyAffine(nz::invertAffine(info.affine), world);
#include <array>
#include <optional>

namespace nz {

using Matrix4 = std::array<double, 16>;  // row-major 4x4, world (mm) from voxel
using Vec3 = std::array<double, 3>;      // x, y, z
using Point3 = Vec3;                     // a position (same type as Vec3)

Matrix4 multiply(const Matrix4& a, const Matrix4& b);
// Determinant of the 3x3 linear part.
double linearDeterminant(const Matrix4& m);
// Inverse of an affine (last row 0 0 0 1). Throws nz::Error(InvalidData) when singular.
Matrix4 invertAffine(const Matrix4& m);
// Same, nullopt when singular (a zero or non-finite determinant).
std::optional<Matrix4> tryInvertAffine(const Matrix4& m);
Vec3 applyAffine(const Matrix4& m, const Vec3& p);
// `affine` with its origin moved to voxel `first` (the new voxel 0).
Matrix4 shiftAffine(const Matrix4& affine, const Vec3& first);

}  // namespace nz
