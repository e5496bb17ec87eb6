#include "nifti/nifti_header.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace nz {

namespace {

// Reads/writes fixed-offset fields in a given byte order.
class Fields {
 public:
  Fields(std::uint8_t* data, bool swap) : data_(data), swap_(swap) {}

  template <typename T>
  T get(std::size_t off) const {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, data_ + off, sizeof(T));
    if (swap_) std::reverse(b, b + sizeof(T));
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
  }
  template <typename T>
  void set(std::size_t off, T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (swap_) std::reverse(b, b + sizeof(T));
    std::memcpy(data_ + off, b, sizeof(T));
  }
  // C string: up to the first NUL (for magic).
  std::string str(std::size_t off, std::size_t n) const {
    const char* p = reinterpret_cast<const char*>(data_ + off);
    return std::string(p, strnlen(p, n));
  }
  // Fixed-size text field as stored: every byte, including bytes after an embedded NUL
  // ("FSL3.3\0 v2.25 ..."), minus trailing NULs (numpy's S80, so nibabel sees the same).
  std::string raw(std::size_t off, std::size_t n) const {
    const char* p = reinterpret_cast<const char*>(data_ + off);
    while (n > 0 && p[n - 1] == 0) --n;
    return std::string(p, n);
  }
  void setStr(std::size_t off, std::size_t n, const std::string& s) {
    std::memset(data_ + off, 0, n);
    std::memcpy(data_ + off, s.data(), std::min(n, s.size()));
  }

 private:
  std::uint8_t* data_;
  bool swap_;
};

constexpr bool kHostBig = std::endian::native == std::endian::big;

std::int32_t readI32(const std::uint8_t* p, bool swap) {
  return Fields(const_cast<std::uint8_t*>(p), swap).get<std::int32_t>(0);
}

void parseV1(const Fields& f, NiftiHeader& h) {
  h.dataTypeName = f.raw(4, 10);
  h.dbName = f.raw(14, 18);
  h.extents = f.get<std::int32_t>(32);
  h.sessionError = f.get<std::int16_t>(36);
  h.regular = f.get<std::uint8_t>(38);
  h.glmax = f.get<std::int32_t>(140);
  h.glmin = f.get<std::int32_t>(144);
  for (int i = 0; i < 8; ++i) h.dim[i] = f.get<std::int16_t>(40 + 2 * i);
  h.intentP1 = f.get<float>(56);
  h.intentP2 = f.get<float>(60);
  h.intentP3 = f.get<float>(64);
  h.intentCode = f.get<std::int16_t>(68);
  h.datatype = f.get<std::int16_t>(70);
  h.bitpix = f.get<std::int16_t>(72);
  h.sliceStart = f.get<std::int16_t>(74);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = f.get<float>(76 + 4 * i);
  h.voxOffset = f.get<float>(108);
  h.sclSlope = f.get<float>(112);
  h.sclInter = f.get<float>(116);
  h.sliceEnd = f.get<std::int16_t>(120);
  h.sliceCode = f.get<std::uint8_t>(122);
  h.xyztUnits = f.get<std::uint8_t>(123);
  h.calMax = f.get<float>(124);
  h.calMin = f.get<float>(128);
  h.sliceDuration = f.get<float>(132);
  h.toffset = f.get<float>(136);
  h.descrip = f.raw(148, 80);
  h.auxFile = f.raw(228, 24);
  h.qformCode = f.get<std::int16_t>(252);
  h.sformCode = f.get<std::int16_t>(254);
  h.quaternB = f.get<float>(256);
  h.quaternC = f.get<float>(260);
  h.quaternD = f.get<float>(264);
  h.qoffsetX = f.get<float>(268);
  h.qoffsetY = f.get<float>(272);
  h.qoffsetZ = f.get<float>(276);
  for (int i = 0; i < 4; ++i) {
    h.srowX[i] = f.get<float>(280 + 4 * i);
    h.srowY[i] = f.get<float>(296 + 4 * i);
    h.srowZ[i] = f.get<float>(312 + 4 * i);
  }
  h.intentName = f.raw(328, 16);
  h.dimInfo = f.get<std::uint8_t>(39);
  h.magic = f.str(344, 4);
}

void parseV2(const Fields& f, NiftiHeader& h) {
  h.magic = f.str(4, 8);
  for (int i = 0; i < 4; ++i) h.eolCheck[static_cast<std::size_t>(i)] = f.get<std::uint8_t>(8 + i);
  h.datatype = f.get<std::int16_t>(12);
  h.bitpix = f.get<std::int16_t>(14);
  for (int i = 0; i < 8; ++i) h.dim[i] = f.get<std::int64_t>(16 + 8 * i);
  h.intentP1 = f.get<double>(80);
  h.intentP2 = f.get<double>(88);
  h.intentP3 = f.get<double>(96);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = f.get<double>(104 + 8 * i);
  h.voxOffset = static_cast<double>(f.get<std::int64_t>(168));
  h.sclSlope = f.get<double>(176);
  h.sclInter = f.get<double>(184);
  h.calMax = f.get<double>(192);
  h.calMin = f.get<double>(200);
  h.sliceDuration = f.get<double>(208);
  h.toffset = f.get<double>(216);
  h.sliceStart = f.get<std::int64_t>(224);
  h.sliceEnd = f.get<std::int64_t>(232);
  h.descrip = f.raw(240, 80);
  h.auxFile = f.raw(320, 24);
  h.qformCode = f.get<std::int32_t>(344);
  h.sformCode = f.get<std::int32_t>(348);
  h.quaternB = f.get<double>(352);
  h.quaternC = f.get<double>(360);
  h.quaternD = f.get<double>(368);
  h.qoffsetX = f.get<double>(376);
  h.qoffsetY = f.get<double>(384);
  h.qoffsetZ = f.get<double>(392);
  for (int i = 0; i < 4; ++i) {
    h.srowX[i] = f.get<double>(400 + 8 * i);
    h.srowY[i] = f.get<double>(432 + 8 * i);
    h.srowZ[i] = f.get<double>(464 + 8 * i);
  }
  h.sliceCode = f.get<std::int32_t>(496);
  h.xyztUnits = f.get<std::int32_t>(500);
  h.intentCode = f.get<std::int32_t>(504);
  h.intentName = f.raw(508, 16);
  h.dimInfo = f.get<std::uint8_t>(524);
  h.unusedStr = f.raw(525, 15);
}

void writeV1(Fields& f, const NiftiHeader& h) {
  f.set<std::int32_t>(0, 348);
  // Analyze 7.5 leftovers, kept as read (a new header has regular = 'r', as nibabel writes).
  f.setStr(4, 10, h.dataTypeName);
  f.setStr(14, 18, h.dbName);
  f.set<std::int32_t>(32, h.extents);
  f.set<std::int16_t>(36, static_cast<std::int16_t>(h.sessionError));
  f.set<std::uint8_t>(38, static_cast<std::uint8_t>(h.regular));
  f.set<std::int32_t>(140, h.glmax);
  f.set<std::int32_t>(144, h.glmin);
  f.set<std::uint8_t>(39, static_cast<std::uint8_t>(h.dimInfo));
  for (int i = 0; i < 8; ++i) f.set<std::int16_t>(40 + 2 * i, static_cast<std::int16_t>(h.dim[i]));
  f.set<float>(56, static_cast<float>(h.intentP1));
  f.set<float>(60, static_cast<float>(h.intentP2));
  f.set<float>(64, static_cast<float>(h.intentP3));
  f.set<std::int16_t>(68, static_cast<std::int16_t>(h.intentCode));
  f.set<std::int16_t>(70, static_cast<std::int16_t>(h.datatype));
  f.set<std::int16_t>(72, static_cast<std::int16_t>(h.bitpix));
  f.set<std::int16_t>(74, static_cast<std::int16_t>(h.sliceStart));
  for (int i = 0; i < 8; ++i) f.set<float>(76 + 4 * i, static_cast<float>(h.pixdim[i]));
  f.set<float>(108, static_cast<float>(h.voxOffset));
  f.set<float>(112, static_cast<float>(h.sclSlope));
  f.set<float>(116, static_cast<float>(h.sclInter));
  f.set<std::int16_t>(120, static_cast<std::int16_t>(h.sliceEnd));
  f.set<std::uint8_t>(122, static_cast<std::uint8_t>(h.sliceCode));
  f.set<std::uint8_t>(123, static_cast<std::uint8_t>(h.xyztUnits));
  f.set<float>(124, static_cast<float>(h.calMax));
  f.set<float>(128, static_cast<float>(h.calMin));
  f.set<float>(132, static_cast<float>(h.sliceDuration));
  f.set<float>(136, static_cast<float>(h.toffset));
  f.setStr(148, 80, h.descrip);
  f.setStr(228, 24, h.auxFile);
  f.set<std::int16_t>(252, static_cast<std::int16_t>(h.qformCode));
  f.set<std::int16_t>(254, static_cast<std::int16_t>(h.sformCode));
  f.set<float>(256, static_cast<float>(h.quaternB));
  f.set<float>(260, static_cast<float>(h.quaternC));
  f.set<float>(264, static_cast<float>(h.quaternD));
  f.set<float>(268, static_cast<float>(h.qoffsetX));
  f.set<float>(272, static_cast<float>(h.qoffsetY));
  f.set<float>(276, static_cast<float>(h.qoffsetZ));
  for (int i = 0; i < 4; ++i) {
    f.set<float>(280 + 4 * i, static_cast<float>(h.srowX[i]));
    f.set<float>(296 + 4 * i, static_cast<float>(h.srowY[i]));
    f.set<float>(312 + 4 * i, static_cast<float>(h.srowZ[i]));
  }
  f.setStr(328, 16, h.intentName);
  std::string magic = h.magic;
  if (magic != "ni1" && magic != "n+1") magic = "n+1";
  f.setStr(344, 4, magic);
}

void writeV2(Fields& f, const NiftiHeader& h) {
  f.set<std::int32_t>(0, 540);
  std::string magic = h.magic;
  if (magic != "ni2" && magic != "n+2") magic = "n+2";
  // NIfTI-2 magic is "n+2\0\r\n\032\n" (8 bytes): detects newline/binary mangling.
  const std::uint8_t tail[5] = {0, '\r', '\n', 0x1a, '\n'};
  f.setStr(4, 8, magic);
  for (int i = 0; i < 5; ++i) f.set<std::uint8_t>(7 + i, tail[i]);
  f.set<std::int16_t>(12, static_cast<std::int16_t>(h.datatype));
  f.set<std::int16_t>(14, static_cast<std::int16_t>(h.bitpix));
  for (int i = 0; i < 8; ++i) f.set<std::int64_t>(16 + 8 * i, h.dim[i]);
  f.set<double>(80, h.intentP1);
  f.set<double>(88, h.intentP2);
  f.set<double>(96, h.intentP3);
  for (int i = 0; i < 8; ++i) f.set<double>(104 + 8 * i, h.pixdim[i]);
  f.set<std::int64_t>(168, static_cast<std::int64_t>(h.voxOffset));
  f.set<double>(176, h.sclSlope);
  f.set<double>(184, h.sclInter);
  f.set<double>(192, h.calMax);
  f.set<double>(200, h.calMin);
  f.set<double>(208, h.sliceDuration);
  f.set<double>(216, h.toffset);
  f.set<std::int64_t>(224, h.sliceStart);
  f.set<std::int64_t>(232, h.sliceEnd);
  f.setStr(240, 80, h.descrip);
  f.setStr(320, 24, h.auxFile);
  f.set<std::int32_t>(344, h.qformCode);
  f.set<std::int32_t>(348, h.sformCode);
  f.set<double>(352, h.quaternB);
  f.set<double>(360, h.quaternC);
  f.set<double>(368, h.quaternD);
  f.set<double>(376, h.qoffsetX);
  f.set<double>(384, h.qoffsetY);
  f.set<double>(392, h.qoffsetZ);
  for (int i = 0; i < 4; ++i) {
    f.set<double>(400 + 8 * i, h.srowX[i]);
    f.set<double>(432 + 8 * i, h.srowY[i]);
    f.set<double>(464 + 8 * i, h.srowZ[i]);
  }
  f.set<std::int32_t>(496, h.sliceCode);
  f.set<std::int32_t>(500, h.xyztUnits);
  f.set<std::int32_t>(504, h.intentCode);
  f.setStr(508, 16, h.intentName);
  f.set<std::uint8_t>(524, static_cast<std::uint8_t>(h.dimInfo));
  f.setStr(525, 15, h.unusedStr);
}

void parseExtensions(const std::uint8_t* data, std::size_t size, std::size_t start, bool swap,
                     NiftiHeader& h, const std::string& what) {
  // Extender: 4 bytes after the header; byte 0 != 0 means extensions follow.
  if (size < start + 4 || data[start] == 0) return;
  std::size_t pos = start + 4;
  while (pos + 8 <= size) {
    const std::int32_t esize = readI32(data + pos, swap);
    const std::int32_t ecode = readI32(data + pos + 4, swap);
    if (esize < 8 || static_cast<std::size_t>(esize) > size - pos) {
      throw Error(ErrorKind::InvalidData, what + ": NIfTI extension at byte " +
                                              std::to_string(pos) + " has invalid esize " +
                                              std::to_string(esize));
    }
    NiftiExtension e;
    e.code = ecode;
    e.data.assign(data + pos + 8, data + pos + esize);
    h.extensions.push_back(std::move(e));
    pos += static_cast<std::size_t>(esize);
  }
}

void requireFinite(double v, const char* field, const std::string& what) {
  if (!std::isfinite(v)) {
    throw Error(ErrorKind::InvalidData, what + ": field " + field + " is not finite");
  }
}

Matrix4 identity() { return {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}; }

}  // namespace

Index5 NiftiHeader::shapeXyztc() const {
  Index5 s{1, 1, 1, 1, 1};
  const auto n = std::clamp<std::int64_t>(dim[0], 0, 7);
  for (int i = 0; i < 5 && i < n; ++i) s[i] = std::max<std::int64_t>(dim[i + 1], 1);
  return s;
}

std::size_t niftiHeaderSizeOf(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  for (bool swap : {false, true}) {
    const std::int32_t n = readI32(data, swap);
    if (n == 348 || n == 540) return static_cast<std::size_t>(n);
  }
  return 0;
}

NiftiHeader parseNiftiHeader(const std::uint8_t* data, std::size_t size, const std::string& what) {
  if (size < 4) {
    throw Error(ErrorKind::InvalidData,
                what + ": NIfTI header is " + std::to_string(size) + " bytes (truncated)");
  }
  NiftiHeader h;
  bool swap = false;
  std::int32_t sizeofHdr = readI32(data, false);
  if (sizeofHdr != 348 && sizeofHdr != 540) {
    swap = true;
    sizeofHdr = readI32(data, true);
  }
  if (sizeofHdr != 348 && sizeofHdr != 540) {
    throw Error(ErrorKind::InvalidData,
                what + ": field sizeof_hdr is " + std::to_string(readI32(data, false)) +
                    " (expected 348 for NIfTI-1 or 540 for NIfTI-2, in either byte order)");
  }
  if (size < static_cast<std::size_t>(sizeofHdr)) {
    throw Error(ErrorKind::InvalidData, what + ": NIfTI header is " + std::to_string(size) +
                                            " bytes, sizeof_hdr says " + std::to_string(sizeofHdr) +
                                            " (truncated)");
  }
  h.version = sizeofHdr == 540 ? 2 : 1;
  h.bigEndian = swap != kHostBig;
  const Fields f(const_cast<std::uint8_t*>(data), swap);
  if (h.version == 1) {
    parseV1(f, h);
  } else {
    parseV2(f, h);
  }
  if (h.dim[0] < 0 || h.dim[0] > 7) {
    throw Error(ErrorKind::InvalidData,
                what + ": field dim[0] is " + std::to_string(h.dim[0]) + " (must be 0..7)");
  }
  // vox_offset is a byte position in a file: a NaN, a negative value or one at or past 2^63
  // (NIfTI-2's int64 maximum becomes 2^63 as a double) cannot point into any real file, and
  // could not be written back as NIfTI-2's int64.
  if (!(h.voxOffset >= 0.0) || h.voxOffset >= 9223372036854775808.0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", h.voxOffset);
    throw Error(ErrorKind::InvalidData, what + ": field vox_offset is " + buf +
                                            " (must be a byte position from 0 to 2^63-1)");
  }
  for (int i = 1; i <= h.dim[0]; ++i) {
    if (h.dim[i] < 0) {
      throw Error(ErrorKind::InvalidData, what + ": field dim[" + std::to_string(i) + "] is " +
                                              std::to_string(h.dim[i]) + " (negative)");
    }
    if (h.dim[i] == 0) {
      // Not silently 1: an axis listed in dim[0] with no voxels is an empty (or broken) image.
      throw Error(ErrorKind::InvalidData, what + ": field dim[" + std::to_string(i) +
                                              "] is 0 (dim[0] is " + std::to_string(h.dim[0]) +
                                              ", so every dim[1.." + std::to_string(h.dim[0]) +
                                              "] must be at least 1)");
    }
  }
  const double q2 = h.quaternB * h.quaternB + h.quaternC * h.quaternC + h.quaternD * h.quaternD;
  if (h.qformCode > 0 && std::isfinite(q2) && q2 > 1.0 + 1e-6) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "quatern_b/c/d (%g, %g, %g) have a norm of %.6g, more than 1: normalised as "
                  "niftilib does (a = 0)",
                  h.quaternB, h.quaternC, h.quaternD, std::sqrt(q2));
    h.warnings.push_back(what + ": " + buf);
  }
  parseExtensions(data, size, static_cast<std::size_t>(sizeofHdr), swap, h, what);
  return h;
}

std::size_t niftiHeaderBytes(const NiftiHeader& h) {
  std::size_t n = h.headerSize() + 4;
  for (const auto& e : h.extensions) n += (e.data.size() + 8 + 15) / 16 * 16;
  return n;
}

Bytes serializeNiftiHeader(const NiftiHeader& h, bool padToVoxOffset, bool extender) {
  std::size_t total = niftiHeaderBytes(h);
  if (!extender && h.extensions.empty()) total = h.headerSize();
  if (padToVoxOffset && h.voxOffset > static_cast<double>(kMaxNiftiVoxOffset)) {
    throw Error(ErrorKind::InvalidArgument, "cannot pad a NIfTI header to vox_offset " +
                                                std::to_string(h.voxOffset) + " (at most " +
                                                std::to_string(kMaxNiftiVoxOffset) + " bytes)");
  }
  if (padToVoxOffset && h.voxOffset > static_cast<double>(total)) {
    total = static_cast<std::size_t>(h.voxOffset);
  }
  Bytes out(total, 0);
  const bool swap = h.bigEndian != kHostBig;
  Fields f(out.data(), swap);
  if (h.version == 2) {
    writeV2(f, h);
  } else {
    writeV1(f, h);
  }
  std::size_t pos = h.headerSize();
  if (pos >= out.size()) return out;
  out[pos] = h.extensions.empty() ? 0 : 1;
  pos += 4;
  for (const auto& e : h.extensions) {
    const std::size_t esize = (e.data.size() + 8 + 15) / 16 * 16;
    Fields ef(out.data() + pos, swap);
    ef.set<std::int32_t>(0, static_cast<std::int32_t>(esize));
    ef.set<std::int32_t>(4, e.code);
    // An empty payload has a null data() pointer: memcpy must not see it.
    if (!e.data.empty()) std::memcpy(out.data() + pos + 8, e.data.data(), e.data.size());
    pos += esize;
  }
  return out;
}

Matrix4 niftiSformAffine(const NiftiHeader& h) {
  Matrix4 m = identity();
  for (int c = 0; c < 4; ++c) {
    m[0 * 4 + c] = h.srowX[c];
    m[1 * 4 + c] = h.srowY[c];
    m[2 * 4 + c] = h.srowZ[c];
  }
  return m;
}

Matrix4 niftiQformAffine(const NiftiHeader& h) {
  // nibabel quaternions.quat2mat with a = sqrt(1 - b^2 - c^2 - d^2) (0 when slightly negative).
  // niftilib's nifti_quatern_to_mat44: when b^2+c^2+d^2 reaches 1 (or passes it, a broken
  // header), (b, c, d) is normalised and a = 0, so the matrix stays a rotation (never a shear).
  double b = h.quaternB, c = h.quaternC, d = h.quaternD, a = 0;
  const double a2 = 1.0 - (b * b + c * c + d * d);
  if (a2 < 1e-7) {
    const double s = 1.0 / std::sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
  } else {
    a = std::sqrt(a2);
  }
  const double r[3][3] = {
      {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
      {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
      {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
  const double qfac = h.pixdim[0] < 0 ? -1.0 : 1.0;  // 0 counts as 1 (NIfTI-1 standard)
  const double zoom[3] = {std::abs(h.pixdim[1]), std::abs(h.pixdim[2]),
                          std::abs(h.pixdim[3]) * qfac};
  Matrix4 m = identity();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) m[i * 4 + j] = r[i][j] * zoom[j];
  }
  m[3] = h.qoffsetX;
  m[7] = h.qoffsetY;
  m[11] = h.qoffsetZ;
  return m;
}

Matrix4 niftiBaseAffine(const NiftiHeader& h) {
  // nibabel shape_zoom_affine(shape, zooms, x_flip=True): centred, x flipped.
  const Index5 s = h.shapeXyztc();
  Matrix4 m = identity();
  for (int i = 0; i < 3; ++i) {
    const double zoom = (i == 0 ? -1.0 : 1.0) * (h.dim[0] > i ? h.pixdim[i + 1] : 1.0);
    m[i * 4 + i] = zoom;
    m[i * 4 + 3] = -(static_cast<double>(s[i]) - 1.0) / 2.0 * zoom;
  }
  return m;
}

Matrix4 niftiBestAffine(const NiftiHeader& h, std::string* source, const std::string& what) {
  Matrix4 m;
  const char* field;
  if (h.sformCode > 0) {
    m = niftiSformAffine(h);
    if (source) *source = "sform";
    field = "srow_x/srow_y/srow_z";
  } else if (h.qformCode > 0) {
    m = niftiQformAffine(h);
    if (source) *source = "qform";
    field = "quatern/qoffset/pixdim";
  } else {
    m = niftiBaseAffine(h);
    if (source) *source = "pixdim";
    field = "pixdim";
  }
  for (double v : m) requireFinite(v, field, what);
  return m;
}

void niftiSetAffine(NiftiHeader& h, const Matrix4& a, int sformCode, int qformCode) {
  h.srowX = {a[0], a[1], a[2], a[3]};
  h.srowY = {a[4], a[5], a[6], a[7]};
  h.srowZ = {a[8], a[9], a[10], a[11]};
  h.sformCode = sformCode;
  h.qformCode = qformCode;
  // Zooms are column norms; the rotation is the normalised columns, orthogonalised with
  // Gram-Schmidt (exact for rigid affines; shear is dropped as the qform cannot hold it).
  double col[3][3];
  double zoom[3];
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 3; ++i) col[j][i] = a[i * 4 + j];
  }
  auto dot = [](const double* x, const double* y) {
    return x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
  };
  for (int j = 0; j < 3; ++j) {
    zoom[j] = std::sqrt(dot(col[j], col[j]));
    if (zoom[j] == 0) {
      col[j][0] = col[j][1] = col[j][2] = 0;
      col[j][j] = 1;
      zoom[j] = 1;
    }
  }
  double r[3][3];
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 3; ++i) r[j][i] = col[j][i];
    for (int k = 0; k < j; ++k) {
      const double p = dot(r[j], r[k]);
      for (int i = 0; i < 3; ++i) r[j][i] -= p * r[k][i];
    }
    const double n = std::sqrt(dot(r[j], r[j]));
    for (int i = 0; i < 3; ++i) r[j][i] /= (n > 0 ? n : 1);
  }
  // Determinant sign decides qfac; flip the third column so R is a proper rotation.
  const double det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
                     r[1][0] * (r[0][1] * r[2][2] - r[0][2] * r[2][1]) +
                     r[2][0] * (r[0][1] * r[1][2] - r[0][2] * r[1][1]);
  double qfac = 1;
  if (det < 0) {
    qfac = -1;
    for (int i = 0; i < 3; ++i) r[2][i] = -r[2][i];
  }
  // R[i][j] with i = row: row i, column j = r[j][i].
  auto R = [&](int i, int j) { return r[j][i]; };
  // Rotation matrix -> quaternion (nifti_mat44_to_quatern).
  double qa, qb, qc, qd;
  const double trace = R(0, 0) + R(1, 1) + R(2, 2) + 1.0;
  if (trace > 0.5) {
    qa = 0.5 * std::sqrt(trace);
    qb = 0.25 * (R(2, 1) - R(1, 2)) / qa;
    qc = 0.25 * (R(0, 2) - R(2, 0)) / qa;
    qd = 0.25 * (R(1, 0) - R(0, 1)) / qa;
  } else {
    const double xd = 1.0 + R(0, 0) - (R(1, 1) + R(2, 2));
    const double yd = 1.0 + R(1, 1) - (R(0, 0) + R(2, 2));
    const double zd = 1.0 + R(2, 2) - (R(0, 0) + R(1, 1));
    if (xd > 1.0) {
      qb = 0.5 * std::sqrt(xd);
      qc = 0.25 * (R(0, 1) + R(1, 0)) / qb;
      qd = 0.25 * (R(0, 2) + R(2, 0)) / qb;
      qa = 0.25 * (R(2, 1) - R(1, 2)) / qb;
    } else if (yd > 1.0) {
      qc = 0.5 * std::sqrt(yd);
      qb = 0.25 * (R(0, 1) + R(1, 0)) / qc;
      qd = 0.25 * (R(1, 2) + R(2, 1)) / qc;
      qa = 0.25 * (R(0, 2) - R(2, 0)) / qc;
    } else {
      qd = 0.5 * std::sqrt(zd);
      qb = 0.25 * (R(0, 2) + R(2, 0)) / qd;
      qc = 0.25 * (R(1, 2) + R(2, 1)) / qd;
      qa = 0.25 * (R(1, 0) - R(0, 1)) / qd;
    }
    if (qa < 0) {
      qb = -qb;
      qc = -qc;
      qd = -qd;
    }
  }
  h.quaternB = qb;
  h.quaternC = qc;
  h.quaternD = qd;
  h.qoffsetX = a[3];
  h.qoffsetY = a[7];
  h.qoffsetZ = a[11];
  h.pixdim[0] = qfac;
  for (int j = 0; j < 3; ++j) h.pixdim[j + 1] = zoom[j];
}

bool dtypeFromNiftiCode(int code, DType& out) {
  switch (code) {
    case 2:
      out = DType::UInt8;
      return true;
    case 4:
      out = DType::Int16;
      return true;
    case 8:
      out = DType::Int32;
      return true;
    case 16:
      out = DType::Float32;
      return true;
    case 32:
      out = DType::Complex64;
      return true;
    case 64:
      out = DType::Float64;
      return true;
    case 128:
      out = DType::RGB24;
      return true;
    case 256:
      out = DType::Int8;
      return true;
    case 512:
      out = DType::UInt16;
      return true;
    case 768:
      out = DType::UInt32;
      return true;
    case 1024:
      out = DType::Int64;
      return true;
    case 1280:
      out = DType::UInt64;
      return true;
    case 1792:
      out = DType::Complex128;
      return true;
    case 2304:
      out = DType::RGBA32;
      return true;
    default:
      return false;
  }
}

int niftiCodeFromDtype(DType t) {
  switch (t) {
    case DType::UInt8:
      return 2;
    case DType::Int16:
      return 4;
    case DType::Int32:
      return 8;
    case DType::Float32:
      return 16;
    case DType::Complex64:
      return 32;
    case DType::Float64:
      return 64;
    case DType::RGB24:
      return 128;
    case DType::Int8:
      return 256;
    case DType::UInt16:
      return 512;
    case DType::UInt32:
      return 768;
    case DType::Int64:
      return 1024;
    case DType::UInt64:
      return 1280;
    case DType::Complex128:
      return 1792;
    case DType::RGBA32:
      return 2304;
  }
  return 0;
}

std::string niftiText(const std::string& field) { return field.substr(0, field.find('\0')); }

std::string niftiSpaceUnit(int xyztUnits) {
  switch (xyztUnits & 0x07) {
    case 1:
      return "m";
    case 2:
      return "mm";
    case 3:
      return "um";
    default:
      return "unknown";
  }
}

std::string niftiTimeUnit(int xyztUnits) {
  switch (xyztUnits & 0x38) {
    case 8:
      return "s";
    case 16:
      return "ms";
    case 24:
      return "us";
    default:
      return "unknown";
  }
}

}  // namespace nz
