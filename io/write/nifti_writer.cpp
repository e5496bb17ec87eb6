#include "write/nifti_writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "compress/parallel_gzip.h"
#include "core/error.h"
#include "write/atomic_file.h"

namespace nz {

bool niftiPathIsGzip(const std::string& path) {
  std::string p = path.substr(0, path.find('?'));
  if (p.size() < 7) return false;
  std::string tail = p.substr(p.size() - 7);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == ".nii.gz";
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
  // A big-endian header (export --byte-order big) takes big-endian voxels: each element (each
  // half of a complex) is byte-reversed; blocks then hold whole elements.
  DType dtype{};
  if (header.bigEndian && dtypeFromNiftiCode(header.datatype, dtype) && dtype != DType::RGB24 &&
      dtype != DType::RGBA32) {
    swapUnit_ = dtypeSize(dtype);
    if (dtype == DType::Complex64 || dtype == DType::Complex128) swapUnit_ /= 2;
    if (swapUnit_ <= 1) swapUnit_ = 0;
    block_ -= block_ % 16;
  }
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
  if (swapUnit_ > 0) {
    swapped_.assign(data, data + size);
    for (std::size_t i = 0; i + swapUnit_ <= size; i += swapUnit_)
      std::reverse(swapped_.begin() + static_cast<std::ptrdiff_t>(i),
                   swapped_.begin() + static_cast<std::ptrdiff_t>(i + swapUnit_));
    data = swapped_.data();
  }
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
