#include "core/detached_threads.h"

#include <condition_variable>
#include <mutex>

namespace nz {

namespace {
struct Count {
  std::mutex mutex;
  std::condition_variable none;
  int running = 0;
};
// Never destroyed: a detached thread may finish after the static objects are gone.
Count& count() {
  static Count* c = new Count;
  return *c;
}
}  // namespace

namespace detail {
void detachedThreadStarted() {
  std::lock_guard lock(count().mutex);
  ++count().running;
}

void detachedThreadFinished() {
  Count& c = count();
  std::lock_guard lock(c.mutex);
  if (--c.running == 0) c.none.notify_all();
}
}  // namespace detail

bool waitForDetachedThreads(std::chrono::milliseconds timeout) {
  Count& c = count();
  std::unique_lock lock(c.mutex);
  return c.none.wait_for(lock, timeout, [&c] { return c.running == 0; });
}

int detachedThreadsRunning() {
  std::lock_guard lock(count().mutex);
  return count().running;
}

}  // namespace nz
