#pragma once
// Writes a volume as a single-file NIfTI (.nii, or .nii.gz as one streamed gzip member),
// keeping the source data type and scl_slope/scl_inter so scaled values are identical.
// The affine is written as the sform (code kept from the source, or 2) and as the qform
// (quaternion + qfac + pixdim from its polar decomposition). Little-endian unless the header
// says bigEndian (then header and voxels are big-endian), NIfTI-1 unless a dimension needs
// NIfTI-2. Output goes through AtomicOutput: local or cloud, all or nothing.
//
//   nz::NiftiHeader h = nz::makeExportHeader(info, volume.shape, volume.dtype, plan.affine);
//   (roi/export_header.h)
//   nz::writeNifti("roi.nii.gz", h, volume);
//
// Voxels that never sit in memory at once (a streamed export) go through NiftiStreamWriter:
//   nz::NiftiStreamWriter w(h, dataBytes, gzip, [&](auto* p, std::size_t n) { out.write(p, n); });
//   for (...) w.write(slab.data(), slab.size());   // NIfTI order, any piece sizes
//   w.finish();
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/cancel.h"
#include "nifti/nifti_header.h"
#include "store/store_options.h"
#include "volume/volume.h"

namespace nz {

struct NiftiWriteOptions {
  int gzipLevel = 1;                 // 0 (stored), 1 (fast) .. 9; used for .nii.gz
  std::size_t blockBytes = 4 << 20;  // streaming granularity (and cancel check interval)
  StoreOptions store;                // for cloud destinations
  CancelToken cancel;
  std::function<void(double)> progress;  // fraction of voxel bytes written
};

// True when `path` ends in .nii.gz (case-insensitive); .nii otherwise.
bool niftiPathIsGzip(const std::string& path);

using NiftiSink = std::function<void(const std::uint8_t*, std::size_t)>;

// Serialises a NIfTI file piece by piece: the header at construction, then `dataBytes` voxel
// bytes in NIfTI order (x fastest; z, then t, then c slowest) through write(), in pieces of any
// size, then finish(). The data are cut into the same options.blockBytes blocks (each one a
// cancel check, a progress report and one compressor call) whatever the pieces, so the file,
// gzip stream included, is byte-identical to streamNifti of the whole volume. Throws nz::Error.
class NiftiStreamWriter {
 public:
  NiftiStreamWriter(const NiftiHeader& header, std::uint64_t dataBytes, bool gzip, NiftiSink sink,
                    const NiftiWriteOptions& options = {});
  ~NiftiStreamWriter();
  NiftiStreamWriter(const NiftiStreamWriter&) = delete;
  NiftiStreamWriter& operator=(const NiftiStreamWriter&) = delete;

  void write(const std::uint8_t* data, std::size_t size);
  // Throws nz::Error(InvalidArgument) unless exactly dataBytes were written.
  void finish();

 private:
  class Gzip;
  void emitBlock(const std::uint8_t* data, std::size_t size);

  NiftiSink sink_;
  NiftiWriteOptions options_;
  std::size_t swapUnit_ = 0;  // big-endian header: bytes per swapped word (0: no swap)
  Bytes swapped_;             // a block in the file's byte order
  std::uint64_t expected_ = 0;
  std::uint64_t received_ = 0;  // bytes passed to write()
  std::uint64_t emitted_ = 0;   // bytes passed on in blocks
  std::size_t block_ = 0;
  Bytes pending_;  // a partial block
  std::unique_ptr<Gzip> gzip_;
};

// Serialises header + voxels (gzip when `gzip`) into `sink` in blocks. Throws nz::Error.
void streamNifti(const NiftiHeader& header, const Volume& volume, bool gzip,
                 const std::function<void(const std::uint8_t*, std::size_t)>& sink,
                 const NiftiWriteOptions& options = {});

// Atomically writes `destination` (.nii or .nii.gz; local path or any store URI).
// Returns the bytes written.
std::uint64_t writeNifti(const std::string& destination, const NiftiHeader& header,
                         const Volume& volume, const NiftiWriteOptions& options = {});

}  // namespace nz
