#pragma once
// Fixed-size worker pool used for chunk decoding. Tasks must not block on the network.
#include <atomic>
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
  // Linux: the workers' nice value, applied by each worker before its next task (0, the
  // default, leaves them as started). A GUI raises it for the decoders, so that on a machine
  // with few cores they take the CPU time its own thread leaves instead of stretching frames.
  void setNice(int nice) { nice_ = nice; }

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::atomic<int> nice_{0};
  std::vector<std::thread> workers_;
};

}  // namespace nz
