#pragma once
// Store options every cloud store reads (--option key=value).
#include <cstdint>
#include <string>

#include "store/store_options.h"

namespace nz::cloud {

// Integer option from --option key=value (e.g. "multipart_threshold"), or `fallback`.
std::uint64_t sizeOption(const StoreOptions& options, const std::string& key,
                         std::uint64_t fallback);

// Seconds added to the clock when signing (--option clock_offset=S, may be negative): lets the
// connection doctor's tests sign with a skewed clock, and a user whose clock is off and cannot be
// fixed sign with the server's. 0 when unset; throws nz::Error(InvalidArgument) when malformed.
long long clockOffsetSeconds(const StoreOptions& options);

}  // namespace nz::cloud
