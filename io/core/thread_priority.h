#pragma once
// Background work that must leave the CPU to a GUI thread (decoders, a histogram worker) lowers
// its own thread's priority.

namespace nz {

// Linux: sets the calling thread's nice value (Linux schedules threads as tasks, so this
// touches no other thread). A lower value than the current one may be refused without
// privileges; failing is harmless and silent. Elsewhere: does nothing.
void setCurrentThreadNice(int nice);

}  // namespace nz
