#include "nifti/nifti_stream.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "compress/gzip_inflater.h"
#include "core/error.h"

namespace nz {

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
  if (gzip_) z_ = std::make_unique<GzipInflater>(name_);
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
  std::size_t produced = 0;
  while (produced < n) {
    if (rawPos_ == raw_.size()) {
      if (produced > 0) break;  // hand out what is there before waiting for the network
      if (!fillRaw()) break;
    }
    if (zEnded_) {
      // Another gzip member follows (concatenated .gz files are valid gzip).
      z_->reset();
      zEnded_ = false;
    }
    const GzipInflater::Step step =
        z_->inflate(raw_.data() + rawPos_, raw_.size() - rawPos_, out + produced, n - produced);
    rawPos_ += step.consumed;
    produced += step.produced;
    if (step.memberEnd) {
      zEnded_ = true;
      // Trailing zero padding after the last member is tolerated: stop at a non-gzip byte.
      if (rawPos_ < raw_.size() && raw_[rawPos_] != 0x1f) rawPos_ = raw_.size();
      continue;
    }
    if (step.consumed == 0 && step.produced == 0 && rawPos_ < raw_.size())
      throw Error(ErrorKind::InvalidData, name_ + ": corrupt gzip data (inflate made no progress)");
  }
  position_ += produced;
  return produced;
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
    // conversion part starting deep into a huge .nii). The pieces in flight (read-ahead of
    // what is skipped) are aborted and dropped; the next ones get a fresh token.
    abort_.cancel();
    for (auto& f : pending_) {
      if (f.valid()) f.wait();
    }
    pending_.clear();
    abort_ = CancelSource();
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
