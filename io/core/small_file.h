#pragma once
// Reads a small local text file (an ROI list, a manifest, an export list) whole, safely: the
// path is opened without blocking and must be a regular file (a FIFO or a device never blocks
// the caller or fills memory), of at most `maxBytes`. Throws nz::Error naming the path and
// `what` ("the ROI file").
#include <cstddef>
#include <string>

namespace nz {

std::string readSmallLocalFile(const std::string& path, const std::string& what,
                               std::size_t maxBytes = 64u << 20);

}  // namespace nz
