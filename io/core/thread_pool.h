#pragma once
// Fixed-size worker pool used for chunk decoding. Tasks must not block on the network.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nz {

class ThreadPool {
 public:
  explicit ThreadPool(std::size_t threads = 0);  // 0 = hardware concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(std::function<void()> task);
  std::size_t size() const { return workers_.size(); }
  // Process-wide pool for decoding, sized to the machine.
  static ThreadPool& shared();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace nz
