#include "convert/nifti_stream.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/error.h"

namespace nz {

struct NiftiByteStream::Inflater {
  z_stream zs{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&zs, 15 + 32) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&zs);
  }
};

NiftiByteStream::NiftiByteStream(std::shared_ptr<Store> store, std::string key, std::string name,
                                 CancelToken cancel, Progress progress, std::uint64_t pieceBytes,
                                 int piecesInFlight, Known known)
    : store_(std::move(store)),
      key_(std::move(key)),
      name_(std::move(name)),
      cancel_(std::move(cancel)),
      progress_(std::move(progress)),
      piece_(pieceBytes),
      inFlight_(std::max(piecesInFlight, 1)),
      window_(std::min(2, inFlight_)) {
  auto size = known.storedSize ? known.storedSize : store_->size(key_);
  if (!size) throw Error(ErrorKind::NotFound, name_ + ": file not found");
  storedSize_ = *size;
  if (!known.prefix.empty() && known.prefix.size() <= storedSize_) {
    nextOffset_ = known.prefix.size();
    topUp();
    raw_ = std::move(known.prefix);
    received_ = raw_.size();
    if (progress_) progress_(received_, storedSize_);
  } else {
    topUp();
    if (!fillRaw()) throw Error(ErrorKind::InvalidData, name_ + ": file is empty");
  }
  // Detect gzip from the content (magic 1f 8b), not from the name.
  gzip_ = raw_.size() >= 2 && raw_[0] == 0x1f && raw_[1] == 0x8b;
  if (gzip_) {
    z_ = std::make_unique<Inflater>();
    if (!z_->ok) throw Error(ErrorKind::InvalidData, name_ + ": zlib init failed");
  }
}

NiftiByteStream::~NiftiByteStream() {
  // Pieces still in flight are not wanted any more (a reader that stops early, `info` on a
  // huge .nii.gz): abort them, then let their callbacks finish (they hold only the promise).
  abort_.cancel();
  for (auto& f : pending_) {
    if (f.valid()) f.wait();
  }
}

void NiftiByteStream::issue() {
  if (nextOffset_ >= storedSize_) return;
  const std::uint64_t len = std::min(piece_, storedSize_ - nextOffset_);
  auto promise = std::make_shared<std::promise<ReadResult>>();
  pending_.push_back(promise->get_future());
  // The caller's token is checked between pieces (fillRaw); the pieces get the stream's own.
  store_->readAsync(key_, ByteRange::span(nextOffset_, len), abort_.token(),
                    [promise](ReadResult r) { promise->set_value(std::move(r)); });
  nextOffset_ += len;
}

void NiftiByteStream::topUp() {
  while (static_cast<int>(pending_.size()) < window_ && nextOffset_ < storedSize_) issue();
}

bool NiftiByteStream::fillRaw() {
  if (pending_.empty()) return false;
  if (cancel_.cancelled()) throw Error(ErrorKind::Cancelled, name_ + ": cancelled");
  if (window_ < inFlight_ &&
      pending_.front().wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    window_ = std::min(inFlight_, window_ * 2);  // waiting on the network: widen the window
    topUp();
  }
  ReadResult r = pending_.front().get();
  pending_.pop_front();
  if (!r.throwIfError()) throw Error(ErrorKind::NotFound, name_ + ": file not found");
  if (r.data.empty()) throw Error(ErrorKind::InvalidData, name_ + ": truncated download");
  raw_ = std::move(r.data);
  rawPos_ = 0;
  received_ += raw_.size();
  if (progress_) progress_(received_, storedSize_);
  topUp();
  return true;
}

std::size_t NiftiByteStream::readSome(std::uint8_t* out, std::size_t n) {
  if (n == 0) return 0;
  if (!gzip_) {
    if (rawPos_ == raw_.size() && !fillRaw()) return 0;
    const std::size_t k = std::min(n, raw_.size() - rawPos_);
    std::memcpy(out, raw_.data() + rawPos_, k);
    rawPos_ += k;
    position_ += k;
    return k;
  }
  z_stream& zs = z_->zs;
  zs.next_out = out;
  zs.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
  while (zs.avail_out > 0) {
    if (rawPos_ == raw_.size()) {
      if (zs.avail_out != static_cast<uInt>(std::min<std::size_t>(n, 1u << 30))) break;
      if (!fillRaw()) break;
    }
    if (zEnded_) {
      // Another gzip member follows (concatenated .gz files are valid gzip).
      if (inflateReset(&zs) != Z_OK) throw Error(ErrorKind::InvalidData, name_ + ": zlib reset");
      zEnded_ = false;
    }
    zs.next_in = raw_.data() + rawPos_;
    zs.avail_in = static_cast<uInt>(raw_.size() - rawPos_);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    rawPos_ = raw_.size() - zs.avail_in;
    if (rc == Z_STREAM_END) {
      zEnded_ = true;
      // Trailing zero padding after the last member is tolerated: stop at a non-gzip byte.
      if (rawPos_ < raw_.size() && raw_[rawPos_] != 0x1f) rawPos_ = raw_.size();
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw Error(ErrorKind::InvalidData,
                  name_ + ": corrupt gzip data (" + (zs.msg ? zs.msg : "inflate error") + ")");
    }
  }
  const std::size_t k = static_cast<std::size_t>(zs.next_out - out);
  position_ += k;
  return k;
}

void NiftiByteStream::read(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const std::size_t k = readSome(out + done, n - done);
    if (k == 0) {
      throw Error(ErrorKind::InvalidData, name_ + ": file ends early (needed " +
                                              std::to_string(position_ + n - done) + " bytes of " +
                                              (gzip_ ? "decompressed " : "") + "data)");
    }
    done += k;
  }
}

void NiftiByteStream::skip(std::uint64_t n) {
  if (!gzip_ && n > 2 * piece_) {
    // Uncompressed: jump with a ranged read instead of downloading what is skipped (a
    // conversion part starting deep into a huge .nii). The pieces already in flight finish
    // and are dropped.
    for (auto& f : pending_) {
      if (f.valid()) f.wait();
    }
    pending_.clear();
    raw_.clear();
    rawPos_ = 0;
    position_ += n;
    nextOffset_ = std::min(position_, storedSize_);
    topUp();
    return;
  }
  Bytes tmp(static_cast<std::size_t>(std::min<std::uint64_t>(n, 1u << 20)));
  while (n > 0) {
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, tmp.size()));
    read(tmp.data(), k);
    n -= k;
  }
}

}  // namespace nz
