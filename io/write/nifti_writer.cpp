#include "write/nifti_writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "compress/parallel_gzip.h"
#include "core/error.h"
#include "write/atomic_file.h"

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

}  // namespace

bool niftiPathIsGzip(const std::string& path) {
  std::string p = path.substr(0, path.find('?'));
  if (p.size() < 7) return false;
  std::string tail = p.substr(p.size() - 7);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == ".nii.gz";
}

namespace {

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
  for (int a = 0; a < ndim; ++a) h.dim[static_cast<std::size_t>(a + 1)] = shape[a];
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

Matrix4 multiply(const Matrix4& a, const Matrix4& b) {
  Matrix4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k) r[i * 4 + j] += a[i * 4 + k] * b[k * 4 + j];
  return r;
}

// Inverse of an affine 4x4 (last row 0 0 0 1); false when singular.
bool invertAffine(const Matrix4& m, Matrix4& out) {
  const double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[6], g = m[8], h = m[9],
               i = m[10];
  const double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (!std::isfinite(det) || std::abs(det) < 1e-300) return false;
  const double inv[9] = {(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det,
                         (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det,
                         (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det};
  out = {inv[0], inv[1], inv[2], 0, inv[3], inv[4], inv[5], 0,
         inv[6], inv[7], inv[8], 0, 0,      0,      0,      1};
  for (int r = 0; r < 3; ++r)
    out[r * 4 + 3] = -(inv[r * 3] * m[3] + inv[r * 3 + 1] * m[7] + inv[r * 3 + 2] * m[11]);
  return true;
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
  Matrix4 inverse;
  if (!info.niftiHeader || !invertAffine(info.affine, inverse))
    return freshExportHeader(info, shape, dtype, affine);
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
    if (a + 1 <= ndim) h.dim[static_cast<std::size_t>(a + 1)] = shape[a];
  bool big = false;
  for (int a = 0; a < 5; ++a) big = big || shape[a] > 32767;
  if (big) h.version = 2;
  h.magic = h.version == 2 ? "n+2" : "n+1";
  h.datatype = niftiCodeFromDtype(dtype);
  h.bitpix = static_cast<std::int32_t>(dtypeSize(dtype) * 8);
  // Output voxel -> source level-0 voxel: identity for a whole-volume export, a shift for an
  // ROI, a scale for a coarser level.
  const Matrix4 voxelMap = multiply(inverse, affine);
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
          h.pixdim[static_cast<std::size_t>(j + 1)] *= norm;
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

// One gzip member (RFC 1952) fed block by block, compressed on every core.
class NiftiStreamWriter::Gzip {
 public:
  Gzip(int level, const NiftiSink& sink) : writer_(level, sink) {}
  void feed(const std::uint8_t* p, std::size_t n, bool finish) {
    writer_.write(p, n);
    if (finish) writer_.finish();
  }

 private:
  ParallelGzipWriter writer_;
};

NiftiStreamWriter::NiftiStreamWriter(const NiftiHeader& header, std::uint64_t dataBytes, bool gzip,
                                     NiftiSink sink, const NiftiWriteOptions& options)
    : sink_(std::move(sink)),
      options_(options),
      expected_(dataBytes),
      block_(std::max<std::size_t>(options.blockBytes, 4096)) {
  Bytes head = serializeNiftiHeader(header, true);
  if (!gzip) {
    sink_(head.data(), head.size());
    return;
  }
  gzip_ = std::make_unique<Gzip>(options_.gzipLevel, sink_);
  gzip_->feed(head.data(), head.size(), expected_ == 0);
}

NiftiStreamWriter::~NiftiStreamWriter() = default;

void NiftiStreamWriter::emitBlock(const std::uint8_t* data, std::size_t size) {
  if (options_.cancel.cancelled()) throw Error(ErrorKind::Cancelled, "export cancelled");
  emitted_ += size;
  if (gzip_)
    gzip_->feed(data, size, emitted_ == expected_);
  else
    sink_(data, size);
  if (options_.progress)
    options_.progress(static_cast<double>(emitted_) / static_cast<double>(expected_));
}

void NiftiStreamWriter::write(const std::uint8_t* data, std::size_t size) {
  if (size > expected_ - received_)
    throw Error(
        ErrorKind::InvalidArgument,
        "NIfTI writer: more than the " + std::to_string(expected_) + " voxel bytes announced");
  received_ += size;
  while (size > 0) {
    // Whole blocks straight from the caller's buffer when no partial block is waiting (the
    // in-memory path); otherwise top up the partial block. Either way blocks start at multiples
    // of block_, and the last one ends at expected_.
    if (pending_.empty() && size >= block_) {
      emitBlock(data, block_);
      data += block_;
      size -= block_;
      continue;
    }
    if (pending_.capacity() < block_) pending_.reserve(block_);
    const std::size_t take = std::min(size, block_ - pending_.size());
    pending_.insert(pending_.end(), data, data + take);
    data += take;
    size -= take;
    if (pending_.size() == block_ || emitted_ + pending_.size() == expected_) {
      emitBlock(pending_.data(), pending_.size());
      pending_.clear();
    }
  }
}

void NiftiStreamWriter::finish() {
  if (received_ != expected_ || !pending_.empty())
    throw Error(ErrorKind::InvalidArgument, "NIfTI writer: " + std::to_string(received_) +
                                                " voxel bytes written, " +
                                                std::to_string(expected_) + " announced");
}

void streamNifti(const NiftiHeader& header, const Volume& volume, bool gzip,
                 const std::function<void(const std::uint8_t*, std::size_t)>& sink,
                 const NiftiWriteOptions& options) {
  std::size_t expected = volume.voxelCount() * dtypeSize(volume.dtype);
  if (volume.data.size() != expected)
    throw Error(ErrorKind::InvalidArgument, "volume buffer does not match its shape");
  NiftiStreamWriter writer(header, expected, gzip, sink, options);
  writer.write(volume.data.data(), expected);
  writer.finish();
}

std::uint64_t writeNifti(const std::string& destination, const NiftiHeader& header,
                         const Volume& volume, const NiftiWriteOptions& options) {
  AtomicOutput out(destination, options.store);
  streamNifti(
      header, volume, niftiPathIsGzip(destination),
      [&](const std::uint8_t* p, std::size_t n) { out.write(p, n); }, options);
  out.commit();
  return out.bytesWritten();
}

}  // namespace nz
