#include "nifti/nifti_source.h"

#include <algorithm>
#include <bit>

#include "core/error.h"
#include "core/limits.h"
#include "zarr/codecs.h"

namespace nz {

namespace {

std::int32_t readI32(const std::uint8_t* p, bool swap) {
  std::uint32_t v = std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
                    std::uint32_t(p[3]) << 24;
  if (swap) v = __builtin_bswap32(v);
  return static_cast<std::int32_t>(v);
}

// Reads the extender and the extensions one by one, each checked against vox_offset and the
// header size limit before it is read (a 1 GB esize costs nothing; a vox_offset of 1e9 with
// no extensions reads 4 bytes, not 1e9).
void readExtensions(NiftiByteStream& stream, Bytes& buf, std::size_t hdr, std::uint64_t voxOffset,
                    bool swap, const std::string& name) {
  if (voxOffset < hdr + 4) return;
  buf.resize(hdr + 4);
  stream.read(buf.data() + hdr, 4);
  if (buf[hdr] == 0) return;
  const std::uint64_t cap = inputLimits().niftiHeaderMaxBytes;
  while (buf.size() + 8 <= voxOffset) {
    const std::size_t pos = buf.size();
    buf.resize(pos + 8);
    stream.read(buf.data() + pos, 8);
    const std::int32_t esize = readI32(buf.data() + pos, swap);
    if (esize < 8 || pos + static_cast<std::uint64_t>(esize) > voxOffset) {
      throw Error(ErrorKind::InvalidData,
                  name + ": NIfTI extension at byte " + std::to_string(pos) +
                      " has invalid esize " + std::to_string(esize) +
                      " (the voxels start at byte " + std::to_string(voxOffset) + ")");
    }
    if (pos + static_cast<std::uint64_t>(esize) > cap) {
      throw Error(ErrorKind::InvalidData,
                  name + ": NIfTI extensions take more than the " + std::to_string(cap) +
                      "-byte header limit (raise it with --option nifti.max_header_bytes=N)");
    }
    buf.resize(pos + static_cast<std::size_t>(esize));
    stream.read(buf.data() + pos + 8, static_cast<std::size_t>(esize) - 8);
  }
}

}  // namespace

NiftiFileHead readNiftiHead(NiftiByteStream& stream, const std::string& name, bool skipToData) {
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
  if (!(vo >= static_cast<double>(hdr)) || vo > static_cast<double>(kMaxNiftiVoxOffset)) {
    throw Error(ErrorKind::InvalidData, name + ": field vox_offset is " + std::to_string(vo) +
                                            " (must be " + std::to_string(hdr) + " to " +
                                            std::to_string(kMaxNiftiVoxOffset) + ")");
  }
  head.voxOffset = static_cast<std::uint64_t>(vo);
  // Extender flag and extensions live between the header and vox_offset.
  const bool swap = h.bigEndian != (std::endian::native == std::endian::big);
  readExtensions(stream, buf, hdr, head.voxOffset, swap, name);
  if (buf.size() > hdr) h = parseNiftiHeader(buf.data(), buf.size(), name);
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
  if (stream.gzip()) {
    // What the compressed file can hold at deflate's best ratio (1032:1): a header that claims
    // more is refused now, not after gigabytes were allocated and inflated.
    const std::uint64_t canHold = stream.storedSize() * 1032 + 65536;
    if (head.voxOffset + head.dataBytes > canHold) {
      throw Error(ErrorKind::InvalidData, name + ": the header describes " +
                                              std::to_string(head.voxOffset + head.dataBytes) +
                                              " bytes, but a gzip file of " +
                                              std::to_string(stream.storedSize()) +
                                              " bytes can hold at most " + std::to_string(canHold) +
                                              " (truncated file or wrong dim/datatype)");
    }
  }
  const std::size_t keep = h.extensions.empty() ? hdr : niftiHeaderBytes(h);
  head.storedHeader.assign(buf.begin(),
                           buf.begin() + static_cast<std::ptrdiff_t>(std::min(keep, buf.size())));
  head.header = std::move(h);
  if (skipToData && stream.position() < head.voxOffset)
    stream.skip(head.voxOffset - stream.position());
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
