#pragma once
// Sequential reader of a NIfTI file held in a Store: the raw bytes of a .nii, or the inflated
// bytes of a .nii.gz (ISA-L igzip; concatenated gzip members allowed).
// The object is fetched as consecutive ranged reads with a few in flight, so a remote
// download streams: the header is available after the first piece, and memory stays at a few
// pieces whatever the file size. Used by the converter and by the .nii.gz Dataset.
//
//   NiftiByteStream s(store, "brain.nii.gz", "https://host/brain.nii.gz");
//   Bytes head(348);  s.read(head.data(), head.size());
//
// Not thread-safe: one consumer thread. Errors: nz::Error naming the file.
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "compress/gzip_inflater.h"
#include "core/bytes.h"
#include "core/cancel.h"
#include "store/store.h"

namespace nz {

// Pieces for a whole-file download. The window of pieces in flight starts at 2 and doubles
// whenever the reader finds the next piece not there yet (the network, not the reader, is
// the bottleneck), up to 16 x 2 MiB = 32 MiB: the bandwidth-delay product of a 50 ms,
// 5 Gbit/s link. A local file never makes the reader wait, so it stays at 2 pieces.
inline constexpr std::uint64_t kStreamPieceBytes = 2u << 20;
inline constexpr int kStreamPiecesInFlight = 16;

class NiftiByteStream {
 public:
  // progress(storedBytesReceived, storedTotal) after every piece.
  using Progress = std::function<void(std::uint64_t received, std::uint64_t total)>;
  // What the caller already knows, to save round trips: the stored size (else a HEAD asks)
  // and the first stored bytes (the stream continues after them).
  struct Known {
    std::optional<std::uint64_t> storedSize;
    Bytes prefix;
  };

  NiftiByteStream(std::shared_ptr<Store> store, std::string key, std::string name,
                  CancelToken cancel = {}, Progress progress = {},
                  std::uint64_t pieceBytes = 4u << 20, int piecesInFlight = 4, Known known = {});
  // piecesInFlight is the most pieces in flight; the window grows to it while the reader waits.
  ~NiftiByteStream();
  NiftiByteStream(const NiftiByteStream&) = delete;
  NiftiByteStream& operator=(const NiftiByteStream&) = delete;

  bool gzip() const { return gzip_; }
  std::uint64_t storedSize() const { return storedSize_; }
  std::uint64_t position() const { return position_; }  // decoded bytes consumed
  std::uint64_t storedReceived() const { return received_; }

  // Reads exactly n decoded bytes; throws nz::Error(InvalidData) at a premature end.
  void read(std::uint8_t* out, std::size_t n);
  // Reads up to n bytes; returns the count (0 at the end).
  std::size_t readSome(std::uint8_t* out, std::size_t n);
  void skip(std::uint64_t n);

 private:
  bool fillRaw();  // makes the next stored piece current; false at the end
  void issue();
  void topUp();  // issues pieces until window_ are in flight

  std::shared_ptr<Store> store_;
  std::string key_, name_;
  CancelToken cancel_;
  CancelSource abort_;  // the pieces in flight stop when the stream is destroyed
  Progress progress_;
  std::uint64_t piece_;
  int inFlight_;    // the most pieces in flight
  int window_ = 2;  // pieces in flight now (grows up to inFlight_)
  std::uint64_t storedSize_ = 0, nextOffset_ = 0, received_ = 0, position_ = 0;
  bool gzip_ = false;
  std::deque<std::future<ReadResult>> pending_;
  Bytes raw_;               // current stored piece
  std::size_t rawPos_ = 0;  // consumed bytes of raw_
  std::unique_ptr<GzipInflater> z_;
  bool zEnded_ = false;
};

}  // namespace nz
