#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace nz {

using Bytes = std::vector<std::uint8_t>;
// Immutable buffer shared between the cache, decoders and the GUI without copies.
using SharedBytes = std::shared_ptr<const Bytes>;

}  // namespace nz
