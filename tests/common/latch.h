#pragma once
// Waits for a set of asynchronous completions (HTTP callbacks on the client's threads).
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace nztest {

struct Latch {
  std::mutex m;
  std::condition_variable cv;
  int remaining;
  explicit Latch(int n) : remaining(n) {}
  void countDown() {
    std::lock_guard lock(m);
    if (--remaining == 0) cv.notify_all();
  }
  bool wait(double seconds) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::duration<double>(seconds),
                       [&] { return remaining == 0; });
  }
};

}  // namespace nztest
