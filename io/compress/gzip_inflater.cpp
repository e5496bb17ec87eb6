#include "compress/gzip_inflater.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace nz {

struct GzipInflater::State {
  inflate_state s;
};

namespace {

const char* isalInflateError(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER:
      return "not a gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "CRC-32 mismatch";
    default:
      return "inflate error";
  }
}

}  // namespace

GzipInflater::GzipInflater(std::string what)
    : state_(std::make_unique<State>()), what_(std::move(what)) {
  std::memset(&state_->s, 0, sizeof state_->s);
  isal_inflate_init(&state_->s);
  state_->s.crc_flag = ISAL_GZIP;  // parse the gzip header, verify the trailer
}

GzipInflater::~GzipInflater() = default;

void GzipInflater::reset() {
  isal_inflate_reset(&state_->s);
  state_->s.crc_flag = ISAL_GZIP;
}

GzipInflater::Step GzipInflater::inflate(const std::uint8_t* in, std::size_t inLen,
                                         std::uint8_t* out, std::size_t outLen) {
  inflate_state& s = state_->s;
  // ISA-L counts in uint32: hand it at most 1 GiB at a time.
  const auto inTake = static_cast<std::uint32_t>(std::min<std::size_t>(inLen, 1u << 30));
  const auto outTake = static_cast<std::uint32_t>(std::min<std::size_t>(outLen, 1u << 30));
  s.next_in = const_cast<std::uint8_t*>(in);
  s.avail_in = inTake;
  s.next_out = out;
  s.avail_out = outTake;
  const int rc = isal_inflate(&s);
  // ISAL_END_INPUT: a header split across inputs, more input needed (not an error).
  if (rc != ISAL_DECOMP_OK && rc != ISAL_END_INPUT)
    throw Error(ErrorKind::InvalidData,
                what_ + ": corrupt gzip data (" + isalInflateError(rc) + ")");
  Step step;
  step.consumed = inTake - s.avail_in;
  step.produced = outTake - s.avail_out;
  step.memberEnd = s.block_state == ISAL_BLOCK_FINISH;
  return step;
}

}  // namespace nz
