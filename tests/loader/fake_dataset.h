#pragma once
// A synthetic nz::Dataset for loader tests and benchmarks: a pyramid of `levels` levels
// (each halving x, y, z), served from memory after a configurable delay by a timer thread
// (never inline), honouring cancellation at once, and counting every fetch. In sparse mode only
// the chunks in `present` are stored; the others come back `missing` with the fill value, as a
// real dataset does.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "dataset/dataset.h"
#include "loader/chunk_key.h"
#include "loader/slice_request.h"

namespace nztest {

struct FakeOptions {
  nz::Index5 shape{256, 256, 256, 1, 1};
  nz::Index5 chunkShape{32, 32, 32, 1, 1};
  int levels = 4;
  double spacingMm = 1.0;
  std::chrono::milliseconds delay{0};
  bool sparse = false;  // only `present` chunks are stored
  std::set<std::pair<int, nz::Index5>> present;
  double fillValue = 0;
  bool ignoreCancel = false;  // a cancelled fetch still brings its data (a shared shard read)
};

// One event of the fake's fetch log: a fetch started ('S') or completed with data ('C').
struct FetchEvent {
  char kind;
  int level;
  nz::Index5 chunk;
};

class FakeDataset : public nz::Dataset {
 public:
  static std::shared_ptr<FakeDataset> make(const FakeOptions& options) {
    return std::shared_ptr<FakeDataset>(new FakeDataset(options));
  }

  ~FakeDataset() override {
    {
      std::lock_guard lock(state_->mutex);
      state_->stop = true;
    }
    state_->wake.notify_all();
    // The last reference may be dropped by a callback on the timer thread itself.
    if (timer_.get_id() == std::this_thread::get_id())
      timer_.detach();
    else
      timer_.join();
  }

  void readChunkAsync(int level, const nz::Index5& chunk, nz::CancelToken cancel,
                      nz::ChunkCallback done) override {
    Pending p{level, chunk, std::move(cancel), std::move(done)};
    {
      std::lock_guard lock(state_->mutex);
      ++state_->started;
      ++state_->fetches[{level, chunk}];
      state_->events.push_back({'S', level, chunk});
      ++state_->concurrent;
      state_->maxConcurrent = std::max(state_->maxConcurrent, state_->concurrent);
      state_->queue.emplace(std::chrono::steady_clock::now() + state_->delay, std::move(p));
    }
    state_->wake.notify_all();
  }

  // Counters (any thread).
  int fetchCount(int level, const nz::Index5& chunk) const {
    std::lock_guard lock(state_->mutex);
    auto it = state_->fetches.find({level, chunk});
    return it == state_->fetches.end() ? 0 : it->second;
  }
  std::map<std::pair<int, nz::Index5>, int> fetches() const {
    std::lock_guard lock(state_->mutex);
    return state_->fetches;
  }
  std::map<std::pair<int, nz::Index5>, int> completedFetches() const {
    std::lock_guard lock(state_->mutex);
    return state_->completed;
  }
  int started() const {
    std::lock_guard lock(state_->mutex);
    return state_->started;
  }
  int cancelled() const {
    std::lock_guard lock(state_->mutex);
    return state_->cancelled;
  }
  int maxConcurrent() const {
    std::lock_guard lock(state_->mutex);
    return state_->maxConcurrent;
  }
  std::vector<FetchEvent> events() const {
    std::lock_guard lock(state_->mutex);
    return state_->events;
  }
  void setDelay(std::chrono::milliseconds d) {
    std::lock_guard lock(state_->mutex);
    state_->delay = d;
  }

  // Expected voxel value of a stored chunk (tests check what arrives).
  static std::uint8_t chunkValue(int level, const nz::Index5& c) {
    return static_cast<std::uint8_t>(1 + (level * 31 + c[0] * 7 + c[1] * 13 + c[2] * 17) % 250);
  }

 private:
  struct Pending {
    int level;
    nz::Index5 chunk;
    nz::CancelToken cancel;
    nz::ChunkCallback done;
  };
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::chrono::milliseconds delay{0};
    std::multimap<std::chrono::steady_clock::time_point, Pending> queue;
    std::map<std::pair<int, nz::Index5>, int> fetches, completed;
    std::vector<FetchEvent> events;
    int started = 0, cancelled = 0, concurrent = 0, maxConcurrent = 0;
  };

  explicit FakeDataset(const FakeOptions& o)
      : nz::Dataset(nullptr, makeInfo(o)), options_(o), state_(std::make_shared<State>()) {
    state_->delay = o.delay;
    timer_ = std::thread([state = state_, this] { run(state); });
  }

  static nz::DatasetInfo makeInfo(const FakeOptions& o) {
    nz::DatasetInfo info;
    info.uri = "fake://dataset";
    info.format = "nifti-zarr";
    info.zarrFormat = 3;
    info.ndim = 3;
    info.axes = {"x", "y", "z"};
    info.shape = o.shape;
    info.dtype = nz::DType::UInt8;
    info.spaceUnit = "mm";
    info.spacing = {o.spacingMm, o.spacingMm, o.spacingMm};
    for (int l = 0; l < o.levels; ++l) {
      nz::LevelInfo L;
      L.path = std::to_string(l);
      const double f = double(1 << l);
      for (int i = 0; i < 5; ++i) {
        L.shape[i] =
            i < 3 ? std::max<std::int64_t>(1, (o.shape[i] + (1 << l) - 1) >> l) : o.shape[i];
        L.chunkShape[i] = std::min(o.chunkShape[i], L.shape[i]);
        L.gridShape[i] = (L.shape[i] + L.chunkShape[i] - 1) / L.chunkShape[i];
      }
      L.dtype = nz::DType::UInt8;
      L.fillValue = o.fillValue;
      L.affine = {};
      for (int i = 0; i < 3; ++i) {
        L.affine[i * 4 + i] = o.spacingMm * f;
        L.affine[i * 4 + 3] = o.spacingMm * (f - 1) / 2;  // centres of 2^l level-0 voxels
      }
      L.affine[15] = 1;
      info.levels.push_back(L);
    }
    info.affine = info.levels[0].affine;
    return info;
  }

  nz::ChunkResult serve(const Pending& p) const {
    nz::ChunkResult r;
    if (p.cancel.cancelled() && !options_.ignoreCancel) {
      r.errorKind = nz::ErrorKind::Cancelled;
      r.error = "cancelled";
      return r;
    }
    const nz::LevelInfo& L = info_.levels.at(p.level);
    r.box = nz::chunkBoxOf(L, p.chunk);
    const bool stored = !options_.sparse || options_.present.count({p.level, p.chunk});
    auto v = std::make_shared<nz::Volume>();
    v->dtype = nz::DType::UInt8;
    v->shape = r.box.shape();
    v->data.assign(v->voxelCount(), stored ? chunkValue(p.level, p.chunk)
                                           : static_cast<std::uint8_t>(options_.fillValue));
    r.ok = true;
    r.missing = !stored;
    r.storedBytes = stored ? v->data.size() / 4 : 0;  // pretend 4:1 compression
    r.volume = std::move(v);
    return r;
  }

  void run(std::shared_ptr<State> s) {
    std::unique_lock lock(s->mutex);
    while (!s->stop) {
      // Anything cancelled or due completes now; poll for cancellation every millisecond.
      auto now = std::chrono::steady_clock::now();
      auto it = s->queue.begin();
      while (it != s->queue.end() && !(it->first <= now || it->second.cancel.cancelled())) ++it;
      if (it == s->queue.end()) {
        auto until = now + std::chrono::milliseconds(1);
        if (s->queue.empty()) until = now + std::chrono::milliseconds(50);
        s->wake.wait_until(lock, until);
        continue;
      }
      Pending p = std::move(it->second);
      s->queue.erase(it);
      --s->concurrent;
      lock.unlock();
      nz::ChunkResult r = serve(p);
      const bool ok = r.ok;
      {
        std::lock_guard g(s->mutex);
        if (ok) {
          ++s->completed[{p.level, p.chunk}];
          s->events.push_back({'C', p.level, p.chunk});
        } else
          ++s->cancelled;
      }
      p.done(std::move(r));
      p = Pending{};  // drop the callback (and what it holds) before touching `this` again
      lock.lock();
    }
  }

  FakeOptions options_;
  std::shared_ptr<State> state_;
  std::thread timer_;
};

}  // namespace nztest
