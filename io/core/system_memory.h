#pragma once
// The machine's physical memory, for budgets that scale with it (the chunk cache, the decoded
// bytes of a .nii.gz kept in memory).
#include <cstddef>

namespace nz {

// Bytes of physical memory; 0 when the system does not say.
std::size_t physicalMemoryBytes();

}  // namespace nz
