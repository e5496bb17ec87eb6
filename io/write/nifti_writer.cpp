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

NiftiHeader makeExportHeader(const DatasetInfo& info, const Index5& shape, DType dtype,
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
  h.voxOffset = big ? 544 : 352;
  int sform = info.sformCode > 0 ? info.sformCode : 2;
  int qform = info.qformCode > 0 ? info.qformCode : sform;
  niftiSetAffine(h, affine, sform, qform);
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
