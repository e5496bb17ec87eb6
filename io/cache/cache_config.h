#pragma once
// How nzview and nzview-cli decide their disk cache settings (flags and GUI settings are applied
// on top of these).
//   NZVIEW_DISK_CACHE=off   no disk cache (tests set this so they never touch the user's cache)
//   NZVIEW_CACHE_DIR=DIR    cache directory (default $XDG_CACHE_HOME/nzview/chunks)
//   NZVIEW_CACHE_SIZE=4G    budget (bytes, or with K/M/G/T suffix, powers of 1024)
#include <cstdint>
#include <string>

#include "store/store_options.h"

namespace nz {

// Enabled, default directory and 4 GiB unless the environment says otherwise.
DiskCacheSettings diskCacheFromEnvironment();

// "4G", "512M", "1.5GiB", "1073741824" -> bytes. Throws nz::Error(InvalidArgument) naming `what`.
std::uint64_t parseByteSize(const std::string& text, const std::string& what);
std::string formatBytes(std::uint64_t bytes);  // "1.2 GiB"

}  // namespace nz
