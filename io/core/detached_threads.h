#pragma once
// Threads that are never joined: work that must not block its caller and may outlive its owner
// (a chunk loader's teardown, which can wait out a stalled request; a callback delivered later;
// in the viewer, an open or a background job). Each one is counted, so that a process can wait
// for those still running before it exits. At exit the static objects are destroyed (libcurl's
// and OpenSSL's global state, Qt's, the C++ runtime's), and a thread still tearing down a loader
// then would use state being destroyed (the likely cause of a GUI test's occasional
// "malloc_consolidate(): invalid chunk size" abort after its last function).
//
//   nz::startDetached([loader = std::move(loader)]() mutable { loader.reset(); });
//   ...
//   nz::waitForDetachedThreads(std::chrono::seconds(10));  // before the process exits
#include <chrono>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace nz {

namespace detail {
void detachedThreadStarted();
void detachedThreadFinished();
}  // namespace detail

// Runs `work` on a new detached thread. The callable, and everything it captured, is destroyed
// on that thread before it counts as finished (a captured last owner of a store is released
// inside the count).
template <typename F>
void startDetached(F&& work) {
  using Work = std::decay_t<F>;
  detail::detachedThreadStarted();
  try {
    std::thread([w = std::optional<Work>(std::forward<F>(work))]() mutable {
      (*w)();
      w.reset();
      detail::detachedThreadFinished();
    }).detach();
  } catch (...) {
    detail::detachedThreadFinished();  // no thread could be started
    throw;
  }
}

// Waits until every thread started by startDetached has finished, at most `timeout`; false
// when some are still running then.
bool waitForDetachedThreads(std::chrono::milliseconds timeout);

// How many are running now.
int detachedThreadsRunning();

}  // namespace nz
