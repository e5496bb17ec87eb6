#pragma once
// The viewer's prefetch budget: decoded bytes the loader may prefetch per view change
// (neighbouring slices, the next finer level), only once everything on screen has arrived.
// From the settings (viewer/prefetchBytes; NZVIEW_SETTINGS names an INI file used instead of
// the user's), then NZVIEW_PREFETCH (e.g. "64M", "0" turns prefetch off), default 256 MiB.
// `nzview --prefetch SIZE` overrides both for one session.
#include <cstddef>

namespace nzviewer {

std::size_t loadPrefetchBudget();
void savePrefetchBudget(std::size_t bytes);

}  // namespace nzviewer
