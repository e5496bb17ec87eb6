#include "compress/inflate_buffer.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace nz {

std::optional<Bytes> inflateWholeIsal(const std::uint8_t* in, std::size_t inLen,
                                      std::uint64_t limit, std::size_t initialCapacity) {
  // ISA-L counts in uint32; chunks are far below 4 GiB, anything larger goes to zlib.
  if (inLen == 0 || inLen > (1u << 30) || limit == 0) return std::nullopt;
  const bool gzip = inLen >= 2 && in[0] == 0x1f && in[1] == 0x8b;
  auto state = std::make_unique<inflate_state>();  // tens of KiB: on the heap
  std::memset(state.get(), 0, sizeof *state);
  isal_inflate_init(state.get());
  state->crc_flag = gzip ? ISAL_GZIP : ISAL_ZLIB;
  state->next_in = const_cast<std::uint8_t*>(in);
  state->avail_in = static_cast<std::uint32_t>(inLen);
  Bytes out(static_cast<std::size_t>(
      std::min<std::uint64_t>(limit, std::max<std::size_t>(initialCapacity, 1))));
  std::size_t produced = 0;
  for (;;) {
    const std::size_t room = std::min<std::size_t>(out.size() - produced, 1u << 30);
    state->next_out = out.data() + produced;
    state->avail_out = static_cast<std::uint32_t>(room);
    const int rc = isal_inflate(state.get());
    produced += room - state->avail_out;
    if (rc != ISAL_DECOMP_OK) return std::nullopt;  // corrupt, dictionary, bad checksum
    if (state->block_state == ISAL_BLOCK_FINISH) break;
    if (produced < out.size()) return std::nullopt;  // input used up: truncated
    if (out.size() >= limit) return std::nullopt;    // decodes to more than allowed
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, limit)));
  }
  out.resize(produced);
  return out;
}

}  // namespace nz
