#include "data/background.h"

#include <cstdio>
#include <mutex>

namespace nzviewer {

namespace {
// Long enough for a loader's teardown to cancel its fetches and close its connections; a
// teardown that waits out a stalled request is not awaited that long (the window is gone: the
// process should end), and the exit then proceeds as before.
constexpr std::chrono::seconds kExitWait{10};

void waitAtExit() {
  if (!nz::waitForDetachedThreads(kExitWait))
    std::fprintf(stderr, "nzview: %d background threads still running at exit\n",
                 nz::detachedThreadsRunning());
}
}  // namespace

void waitForDetachedThreadsAtExit() {
  static std::once_flag once;
  std::call_once(once, [] { qAddPostRoutine(waitAtExit); });
}

}  // namespace nzviewer
