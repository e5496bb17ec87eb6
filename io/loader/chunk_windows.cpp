#include "loader/chunk_windows.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include "core/error.h"

namespace nz {

namespace {

// Upper bound on the chunks of one window: keeps the request set (and the loader's per-generation
// bookkeeping) small even for tiny chunks.
constexpr std::size_t kMaxWindowChunks = 4096;
// How often a wait re-checks the cancel token (CancelToken has no callback to wake us).
constexpr auto kCancelCheck = std::chrono::milliseconds(20);

std::size_t decodedBytes(const Box& b, DType dtype) {
  std::size_t v = dtypeSize(dtype);
  for (auto e : b.shape()) v *= static_cast<std::size_t>(std::max<std::int64_t>(e, 0));
  return v;
}

// Set by the loader's completion notifier (worker thread), consumed by the fetching thread.
struct Wakeup {
  std::mutex mutex;
  std::condition_variable cond;
  bool ready = false;
};

// Leaves the loader without our notifier and, unless the fetch finished, without our requests.
struct LoaderReset {
  ChunkLoader& loader;
  bool finished = false;
  ~LoaderReset() {
    if (!finished) loader.setRequests({});
    loader.setCompletionNotifier({});
  }
};

}  // namespace

void fetchChunksInWindows(ChunkLoader& loader, const std::shared_ptr<Dataset>& ds, int level,
                          const std::vector<Index5>& chunks, const ChunkDelivery& deliver,
                          const CancelToken& cancel, const ProgressCallback& progress,
                          const PreloadedChunks& preloaded, std::size_t windowBytes) {
  const DatasetInfo& info = ds->info();
  const DType dtype = info.levels.at(static_cast<std::size_t>(level)).dtype;
  auto cancelled = [&] { return Error(ErrorKind::Cancelled, "cancelled: " + info.uri); };
  if (cancel.cancelled()) throw cancelled();
  const std::size_t n = chunks.size();
  if (n == 0) return;

  auto wake = std::make_shared<Wakeup>();
  loader.setCompletionNotifier([wake] {
    std::lock_guard lock(wake->mutex);
    wake->ready = true;
    wake->cond.notify_all();
  });
  LoaderReset reset{loader};

  if (windowBytes == 0) windowBytes = std::max<std::size_t>(loader.metrics().cacheBudget / 2, 1);
  std::unordered_set<ChunkKey, ChunkKeyHash> pending;
  std::size_t done = 0;
  auto consume = [&](LoadedChunk& c) {
    if (!pending.erase(c.key)) return;  // not ours (cannot happen with exclusive use)
    if (!c.ok) throw Error(c.errorKind, c.error);
    if (c.volume) deliver(*c.volume, c.box);
    ++done;
  };
  auto report = [&] {
    if (progress) progress(static_cast<double>(done) / static_cast<double>(n));
  };

  for (std::size_t next = 0; next < n;) {
    // The next window: at least one chunk, then as many as fit the byte and count limits.
    std::vector<ChunkRequest> requests;
    std::size_t used = 0;
    while (next < n && requests.size() < kMaxWindowChunks) {
      if (preloaded) {
        if (SharedVolume v = preloaded(ChunkKey{ds.get(), level, chunks[next]})) {
          deliver(*v, ds->chunkBox(level, chunks[next]));
          ++done;
          ++next;
          if (cancel.cancelled()) throw cancelled();
          continue;
        }
      }
      const std::size_t size = decodedBytes(ds->chunkBox(level, chunks[next]), dtype);
      if (!requests.empty() && used + size > windowBytes) break;
      used += size;
      ChunkRequest r;
      r.dataset = ds;
      r.level = level;
      r.chunk = chunks[next];
      r.tier = Tier::Visible;
      r.distance = static_cast<double>(requests.size());  // fetch in x-fastest order
      pending.insert(r.key());
      requests.push_back(std::move(r));
      ++next;
    }
    if (requests.empty()) {  // every chunk of the window was preloaded
      report();
      continue;
    }

    for (auto& c : loader.setRequests(std::move(requests))) consume(c);
    report();
    while (!pending.empty()) {
      if (cancel.cancelled()) throw cancelled();
      {
        std::lock_guard lock(wake->mutex);
        wake->ready = false;  // before draining: a completion after the drain sets it again
      }
      auto batch = loader.takeCompleted(256);
      for (auto& c : batch) consume(c);
      if (!batch.empty()) {
        report();
        continue;
      }
      if (loader.idle()) {
        // Every fetch has reported back: whatever it delivered is queued by now.
        batch = loader.takeCompleted(256);
        for (auto& c : batch) consume(c);
        if (batch.empty() && !pending.empty())
          throw Error(ErrorKind::Io, info.uri + ": the chunk loader did not deliver " +
                                         std::to_string(pending.size()) + " chunk(s)");
        report();
        continue;
      }
      std::unique_lock lock(wake->mutex);
      wake->cond.wait_for(lock, kCancelCheck, [&] { return wake->ready || cancel.cancelled(); });
    }
  }
  if (cancel.cancelled()) throw cancelled();
  reset.finished = true;
}

}  // namespace nz
