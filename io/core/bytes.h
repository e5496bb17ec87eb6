#pragma once
#include <cstdint>
#include <vector>

namespace nz {

using Bytes = std::vector<std::uint8_t>;

}  // namespace nz
