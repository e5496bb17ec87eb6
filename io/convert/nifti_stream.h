#pragma once
// Sequential reader of a NIfTI file held in a Store: the raw bytes of a .nii, or the inflated
// bytes of a .nii.gz (zlib, windowBits 15+32: gzip or zlib, concatenated members allowed).
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

#include "core/bytes.h"
#include "core/cancel.h"
#include "store/store.h"

namespace nz {

class NiftiByteStream {
 public:
  // progress(storedBytesReceived, storedTotal) after every piece.
  using Progress = std::function<void(std::uint64_t received, std::uint64_t total)>;

  NiftiByteStream(std::shared_ptr<Store> store, std::string key, std::string name,
                  CancelToken cancel = {}, Progress progress = {},
                  std::uint64_t pieceBytes = 4u << 20, int piecesInFlight = 4);
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

  std::shared_ptr<Store> store_;
  std::string key_, name_;
  CancelToken cancel_;
  Progress progress_;
  std::uint64_t piece_;
  int inFlight_;
  std::uint64_t storedSize_ = 0, nextOffset_ = 0, received_ = 0, position_ = 0;
  bool gzip_ = false;
  std::deque<std::future<ReadResult>> pending_;
  Bytes raw_;               // current stored piece
  std::size_t rawPos_ = 0;  // consumed bytes of raw_
  struct Inflater;
  std::unique_ptr<Inflater> z_;
  bool zEnded_ = false;
};

}  // namespace nz
