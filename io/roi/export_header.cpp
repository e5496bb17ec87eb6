#include "roi/export_header.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/geometry.h"

namespace nz {

namespace {

int xyztUnitsCode(const std::string& space, const std::string& time) {
  int s = 0, t = 0;
  if (space == "m") s = 1;
  if (space == "mm") s = 2;
  if (space == "um") s = 3;
  if (time == "s") t = 8;
  if (time == "ms") t = 16;
  if (time == "us") t = 24;
  return s | t;
}

// A header made from DatasetInfo alone (plain OME-Zarr: no stored NIfTI header).
NiftiHeader freshExportHeader(const DatasetInfo& info, const Index5& shape, DType dtype,
                              const Matrix4& affine) {
  NiftiHeader h;
  bool hasC = shape[4] > 1 || std::find(info.axes.begin(), info.axes.end(), "c") != info.axes.end();
  bool hasT = shape[3] > 1 || std::find(info.axes.begin(), info.axes.end(), "t") != info.axes.end();
  int ndim = hasC ? 5 : hasT ? 4 : 3;
  bool big = false;
  for (int a = 0; a < 5; ++a) big = big || shape[a] > 32767;
  h.version = big ? 2 : 1;
  h.magic = big ? "n+2" : "n+1";
  h.bigEndian = false;
  h.dim = {ndim, 1, 1, 1, 1, 1, 1, 1};
  for (int a = 0; a < ndim; ++a) h.dim[static_cast<std::size_t>(a) + 1] = shape[a];
  h.datatype = niftiCodeFromDtype(dtype);
  h.bitpix = static_cast<std::int32_t>(dtypeSize(dtype) * 8);
  h.pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
  for (int i = 4; i < 8; ++i) {
    double v = info.pixdim[static_cast<std::size_t>(i)];
    h.pixdim[static_cast<std::size_t>(i)] = std::isfinite(v) && v != 0 ? v : 1;
  }
  h.sclSlope = info.sclSlope;
  h.sclInter = info.sclInter;
  h.intentCode = info.intentCode;
  h.xyztUnits = xyztUnitsCode(info.spaceUnit, info.timeUnit);
  h.descrip = info.description.substr(0, 79);
  int sform = info.sformCode > 0 ? info.sformCode : 2;
  int qform = info.qformCode > 0 ? info.qformCode : sform;
  niftiSetAffine(h, affine, sform, qform);
  h.voxOffset = static_cast<double>(niftiHeaderBytes(h));
  return h;
}

bool nearIdentity(const Matrix4& m) {
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      if (std::abs(m[r * 4 + c] - (r == c ? 1.0 : 0.0)) > 1e-6) return false;
  return true;
}

// slice_start/slice_end index slices along the slice axis of dim_info, and slice_code gives
// the acquisition order of the slices between them. An ROI that keeps that whole range moves
// it with its origin; one that cuts into it (or a downsampled level) cannot say when the
// remaining slices were acquired, so the timing is cleared (slice_code 0, start/end 0).
void updateSliceTiming(NiftiHeader& h, const NiftiHeader& src, const Matrix4& voxelMap,
                       const Index5& shape) {
  const int sliceDim = (src.dimInfo >> 4) & 3;
  if (sliceDim == 0 || (src.sliceCode == 0 && src.sliceStart == 0 && src.sliceEnd == 0)) return;
  const int a = sliceDim - 1;
  const double scale = voxelMap[a * 4 + a];
  const double offset = voxelMap[a * 4 + 3];
  const std::int64_t n = shape[a];
  const std::int64_t srcN = src.shapeXyztc()[a];
  const std::int64_t start = src.sliceStart;
  const std::int64_t end = src.sliceEnd > 0 ? src.sliceEnd : srcN - 1;
  const auto b = static_cast<std::int64_t>(std::llround(offset));
  const bool exactOffset = std::abs(offset - static_cast<double>(b)) < 1e-6;
  if (std::abs(scale - 1.0) < 1e-9 && exactOffset && b == 0 && n == srcN) return;  // unchanged
  if (std::abs(scale - 1.0) < 1e-9 && exactOffset && b <= start && end - b <= n - 1) {
    h.sliceStart = start - b;
    h.sliceEnd = end - b;
    return;
  }
  h.sliceCode = 0;
  h.sliceStart = 0;
  h.sliceEnd = 0;
}

}  // namespace

NiftiHeader makeExportHeader(const DatasetInfo& info, const Index5& shape, DType dtype,
                             const Matrix4& affine) {
  const std::optional<Matrix4> inverse = tryInvertAffine(info.affine);
  if (!info.niftiHeader || !inverse) return freshExportHeader(info, shape, dtype, affine);
  // Start from the stored header: every field that stays true is kept as it was (intent, cal,
  // units, descrip/aux_file byte for byte, dim_info, toffset, the Analyze leftovers, the
  // extensions, the NIfTI version); what the region changes is updated.
  const NiftiHeader& src = *info.niftiHeader;
  NiftiHeader h = src;
  h.bigEndian = false;  // voxels are written in the host's (little-endian) order
  int ndim = static_cast<int>(std::clamp<std::int64_t>(src.dim[0], 3, 7));
  if (shape[4] > 1) ndim = std::max(ndim, 5);
  if (shape[3] > 1) ndim = std::max(ndim, 4);
  h.dim[0] = ndim;
  for (int a = 0; a < 5; ++a)
    if (a + 1 <= ndim) h.dim[static_cast<std::size_t>(a) + 1] = shape[a];
  bool big = false;
  for (int a = 0; a < 5; ++a) big = big || shape[a] > 32767;
  if (big) h.version = 2;
  h.magic = h.version == 2 ? "n+2" : "n+1";
  h.datatype = niftiCodeFromDtype(dtype);
  h.bitpix = static_cast<std::int32_t>(dtypeSize(dtype) * 8);
  // Output voxel -> source level-0 voxel: identity for a whole-volume export, a shift for an
  // ROI, a scale for a coarser level.
  const Matrix4 voxelMap = multiply(*inverse, affine);
  if (!nearIdentity(voxelMap)) {
    bool shiftOnly = true;  // an ROI of level 0: the linear part stays exactly as stored
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        shiftOnly = shiftOnly && std::abs(voxelMap[i * 4 + j] - (i == j ? 1.0 : 0.0)) < 1e-9;
    if (shiftOnly) {
      double t[3];
      for (int i = 0; i < 3; ++i) {
        t[i] = voxelMap[i * 4 + 3];
        if (std::abs(t[i] - std::round(t[i])) < 1e-6) t[i] = std::round(t[i]);
      }
      if (src.sformCode > 0) {
        for (auto* row : {&h.srowX, &h.srowY, &h.srowZ})
          (*row)[3] += (*row)[0] * t[0] + (*row)[1] * t[1] + (*row)[2] * t[2];
      }
      if (src.qformCode > 0) {
        const Matrix4 q = niftiQformAffine(src);
        h.qoffsetX += q[0] * t[0] + q[1] * t[1] + q[2] * t[2];
        h.qoffsetY += q[4] * t[0] + q[5] * t[1] + q[6] * t[2];
        h.qoffsetZ += q[8] * t[0] + q[9] * t[1] + q[10] * t[2];
      }
    } else {
      if (src.sformCode > 0) {
        const Matrix4 s = multiply(niftiSformAffine(src), voxelMap);
        h.srowX = {s[0], s[1], s[2], s[3]};
        h.srowY = {s[4], s[5], s[6], s[7]};
        h.srowZ = {s[8], s[9], s[10], s[11]};
      }
      if (src.qformCode > 0) {
        NiftiHeader q;
        niftiSetAffine(q, multiply(niftiQformAffine(src), voxelMap), 0, 0);
        h.quaternB = q.quaternB;
        h.quaternC = q.quaternC;
        h.quaternD = q.quaternD;
        h.qoffsetX = q.qoffsetX;
        h.qoffsetY = q.qoffsetY;
        h.qoffsetZ = q.qoffsetZ;
        for (std::size_t i = 0; i < 4; ++i) h.pixdim[i] = q.pixdim[i];
      } else {
        for (int j = 0; j < 3; ++j) {
          const double norm =
              std::sqrt(voxelMap[j] * voxelMap[j] + voxelMap[4 + j] * voxelMap[4 + j] +
                        voxelMap[8 + j] * voxelMap[8 + j]);
          h.pixdim[static_cast<std::size_t>(j) + 1] *= norm;
        }
      }
    }
    if (src.sformCode <= 0 && src.qformCode <= 0) {
      // The pixdim base affine is centred on the volume: a region needs an explicit sform.
      niftiSetAffine(h, affine, 2, 2);
    }
    updateSliceTiming(h, src, voxelMap, shape);
  }
  h.voxOffset = static_cast<double>(niftiHeaderBytes(h));
  return h;
}

}  // namespace nz
