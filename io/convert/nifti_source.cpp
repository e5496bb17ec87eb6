#include "convert/nifti_source.h"

#include <algorithm>
#include <bit>

#include "core/error.h"
#include "zarr/codecs.h"

namespace nz {

NiftiFileHead readNiftiHead(NiftiByteStream& stream, const std::string& name) {
  Bytes buf(4);
  stream.read(buf.data(), 4);
  const std::size_t hdr = niftiHeaderSizeOf(buf.data(), buf.size());
  if (hdr == 0) {
    throw Error(ErrorKind::InvalidData,
                name + ": not a NIfTI file (sizeof_hdr is neither 348 nor 540)");
  }
  buf.resize(hdr);
  stream.read(buf.data() + 4, hdr - 4);
  NiftiFileHead head;
  NiftiHeader h = parseNiftiHeader(buf.data(), buf.size(), name);
  if (h.magic != "n+1" && h.magic != "n+2") {
    throw Error(ErrorKind::Unsupported,
                name + ": field magic is '" + h.magic +
                    "' (a .hdr/.img pair); only single-file NIfTI (n+1/n+2) is supported");
  }
  const double vo = h.voxOffset;
  if (!(vo >= static_cast<double>(hdr)) || vo > 1e9) {
    throw Error(ErrorKind::InvalidData,
                name + ": field vox_offset is " + std::to_string(vo) + " (invalid)");
  }
  head.voxOffset = static_cast<std::uint64_t>(vo);
  // Extender flag and extensions live between the header and vox_offset.
  if (head.voxOffset >= hdr + 4) {
    buf.resize(static_cast<std::size_t>(head.voxOffset));
    stream.read(buf.data() + hdr, buf.size() - hdr);
    h = parseNiftiHeader(buf.data(), buf.size(), name);
  }
  if (!dtypeFromNiftiCode(h.datatype, head.dtype)) {
    throw Error(ErrorKind::Unsupported,
                name + ": field datatype is " + std::to_string(h.datatype) + " (not supported)");
  }
  head.shape = h.shapeXyztc();
  if (h.dim[0] > 5) {
    for (int i = 6; i <= h.dim[0]; ++i) {
      if (h.dim[i] > 1) {
        throw Error(ErrorKind::Unsupported,
                    name + ": more than 5 dimensions (dim[0] is " + std::to_string(h.dim[0]) + ")");
      }
    }
  }
  std::uint64_t n = dtypeSize(head.dtype);
  for (auto s : head.shape) {
    if (s <= 0 || __builtin_mul_overflow(n, static_cast<std::uint64_t>(s), &n) ||
        n > (std::uint64_t{1} << 46)) {
      throw Error(ErrorKind::InvalidData, name + ": field dim gives an impossible size");
    }
  }
  head.dataBytes = n;
  const std::size_t keep = h.extensions.empty() ? hdr : niftiHeaderBytes(h);
  head.storedHeader.assign(buf.begin(),
                           buf.begin() + static_cast<std::ptrdiff_t>(std::min(keep, buf.size())));
  head.header = std::move(h);
  if (stream.position() < head.voxOffset) stream.skip(head.voxOffset - stream.position());
  return head;
}

void niftiToNative(std::uint8_t* data, std::size_t count, DType dtype, bool fileBigEndian) {
  const bool hostBig = std::endian::native == std::endian::big;
  if (fileBigEndian == hostBig) return;
  std::size_t unit = dtypeSize(dtype);
  if (dtype == DType::Complex64 || dtype == DType::Complex128) {
    unit /= 2;
    count *= 2;
  }
  if (dtype == DType::RGB24 || dtype == DType::RGBA32 || unit <= 1) return;
  byteSwapInPlace(data, count, unit);
}

}  // namespace nz
