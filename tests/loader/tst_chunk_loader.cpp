// Loader tests: cache budget and eviction order, scheduler ordering / de-duplication /
// preemption, level of detail, and the threaded loader against a delaying synthetic dataset
// (scrolling, fetch-once, budget, cancellation). Labelled tsan: also run under ThreadSanitizer.
#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "fake_dataset.h"
#include "loader/chunk_cache.h"
#include "loader/chunk_loader.h"
#include "loader/chunk_scheduler.h"
#include "loader/level_of_detail.h"
#include "loader/slice_request.h"

using namespace std::chrono_literals;
using nztest::FakeDataset;
using nztest::FakeOptions;

namespace {

nz::CachedChunk chunkOfBytes(std::size_t bytes) {
  auto v = std::make_shared<nz::Volume>();
  v->shape = {static_cast<std::int64_t>(bytes), 1, 1, 1, 1};
  v->data.assign(bytes, 1);
  return nz::CachedChunk{v, {}, false, bytes};
}

nz::ChunkKey keyOf(const nz::Dataset* d, int level, std::int64_t x) {
  return {d, level, {x, 0, 0, 0, 0}};
}

nz::ChunkRequest req(const std::shared_ptr<nz::Dataset>& d, int level, std::int64_t x,
                     nz::Tier tier, double distance = 0) {
  return nz::ChunkRequest{d, level, {x, 0, 0, 0, 0}, tier, distance};
}

// Drains the loader until idle, returning every delivered chunk.
std::vector<nz::LoadedChunk> drainUntilIdle(nz::ChunkLoader& loader,
                                            std::chrono::milliseconds timeout = 20s) {
  std::vector<nz::LoadedChunk> all;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = loader.takeCompleted(1000);
    for (auto& c : batch) all.push_back(std::move(c));
    if (batch.empty() && loader.waitIdle(5ms)) {
      for (auto& c : loader.takeCompleted(100000)) all.push_back(std::move(c));
      return all;
    }
  }
  qWarning("loader did not become idle");
  return all;
}

std::vector<nz::ViewSlice> axialView(const nz::DatasetInfo& info, double z, double pixelMm) {
  nz::ViewSlice v;
  v.plane = nz::wholeSlice(info, 2, z);
  v.screenPixelMm = pixelMm;
  return {v};
}

}  // namespace

class LoaderTest : public QObject {
  Q_OBJECT

 private slots:
  void cacheNeverExceedsBudgetAndEvictsRecentFirst() {
    auto ds = FakeDataset::make({});
    nz::ChunkCache cache(10 * 100);
    // Generation 1: chunks 0..9 visible, all cached.
    for (int i = 0; i < 10; ++i)
      QVERIFY(cache.insert(keyOf(ds.get(), 0, i), chunkOfBytes(100), nz::Tier::Visible, ds));
    QCOMPARE(cache.stats().bytes, std::size_t(1000));
    // Generation 2 wants 5..9 (visible) only: 0..4 become Recent.
    std::vector<std::pair<nz::ChunkKey, nz::Tier>> order;
    for (int i = 5; i < 10; ++i) order.emplace_back(keyOf(ds.get(), 0, i), nz::Tier::Visible);
    cache.touchGeneration(2, order);
    // A prefetch chunk evicts a Recent chunk (the least recently wanted), never a visible one.
    QVERIFY(cache.insert(keyOf(ds.get(), 1, 0), chunkOfBytes(100), nz::Tier::Prefetch, ds));
    QVERIFY(!cache.contains(keyOf(ds.get(), 0, 0)));
    for (int i = 5; i < 10; ++i) QVERIFY(cache.contains(keyOf(ds.get(), 0, i)));
    // Fill with prefetch until only visible + prefetch remain; then a prefetch that would need a
    // visible chunk's room evicts an older prefetch, and a Recent insert is rejected.
    for (int i = 1; i < 5; ++i)
      QVERIFY(cache.insert(keyOf(ds.get(), 1, i), chunkOfBytes(100), nz::Tier::Prefetch, ds));
    QVERIFY(!cache.insert(keyOf(ds.get(), 2, 0), chunkOfBytes(100), nz::Tier::Recent, ds));
    QVERIFY(cache.insert(keyOf(ds.get(), 1, 9), chunkOfBytes(100), nz::Tier::Prefetch, ds));
    for (int i = 5; i < 10; ++i) QVERIFY(cache.contains(keyOf(ds.get(), 0, i)));
    // Too big for the budget: rejected, nothing evicted.
    const auto before = cache.stats();
    QVERIFY(!cache.insert(keyOf(ds.get(), 3, 0), chunkOfBytes(2000), nz::Tier::Visible, ds));
    QCOMPARE(cache.stats().entries, before.entries);
    QVERIFY(cache.stats().peakBytes <= 1000);
    // Shrinking the budget evicts to fit.
    cache.setBudget(300);
    QVERIFY(cache.stats().bytes <= 300);
    cache.eraseDataset(ds.get());
    QCOMPARE(cache.stats().entries, std::size_t(0));
    QVERIFY(nz::defaultCacheBudget() > 0 && nz::defaultCacheBudget() <= (std::size_t{2} << 30));
  }

  void schedulerOrdersDedupesAndPreempts() {
    auto ds = FakeDataset::make({});
    nz::ChunkScheduler s(3);
    auto notCached = [](const nz::ChunkKey&) { return false; };
    // Duplicates keep the most urgent entry; order: tier, coarse level first, nearer first.
    s.setRequests({req(ds, 0, 1, nz::Tier::Prefetch, 1), req(ds, 0, 2, nz::Tier::Visible, 5),
                   req(ds, 0, 3, nz::Tier::Visible, 1), req(ds, 2, 0, nz::Tier::Visible, 9),
                   req(ds, 0, 1, nz::Tier::Visible, 2), req(ds, 0, 2, nz::Tier::Visible, 5)},
                  notCached);
    QCOMPARE(s.queued(), std::size_t(4));
    auto d = s.dispatch(notCached);
    QCOMPARE(d.start.size(), std::size_t(3));
    QCOMPARE(d.start[0].request.level, 2);                   // coarsest first
    QCOMPARE(d.start[1].request.chunk[0], std::int64_t(3));  // then nearest
    QCOMPARE(d.start[2].request.chunk[0], std::int64_t(1));  // promoted to visible
    QVERIFY(d.abort.empty());
    // Same set again: running chunks are not started twice; the last one waits for a slot.
    s.setRequests({req(ds, 0, 2, nz::Tier::Visible, 5), req(ds, 2, 0, nz::Tier::Visible, 9),
                   req(ds, 0, 3, nz::Tier::Visible, 1), req(ds, 0, 1, nz::Tier::Visible, 2)},
                  notCached);
    QCOMPARE(s.queued(), std::size_t(1));
    QVERIFY(s.dispatch(notCached).start.empty());
    auto fi = s.finish(d.start[0].request.key(), d.start[0].fetchId);
    QVERIFY(fi.current);
    QCOMPARE(fi.wanted, nz::Tier::Visible);
    d = s.dispatch(notCached);
    QCOMPARE(d.start.size(), std::size_t(1));
    QCOMPARE(d.start[0].request.chunk[0], std::int64_t(2));
    // New generation: two running chunks still wanted as prefetch, one dropped (Recent), and
    // three new visible ones. Recent is preempted first, then prefetch.
    s.setRequests({req(ds, 0, 3, nz::Tier::Prefetch), req(ds, 0, 1, nz::Tier::Prefetch),
                   req(ds, 1, 10, nz::Tier::Visible), req(ds, 1, 11, nz::Tier::Visible),
                   req(ds, 1, 12, nz::Tier::Visible)},
                  notCached);
    d = s.dispatch(notCached);
    QCOMPARE(d.abort.size(), std::size_t(3));
    QCOMPARE(d.start.size(), std::size_t(3));
    for (auto& f : d.start) QCOMPARE(f.request.tier, nz::Tier::Visible);
    QCOMPARE(s.queued(), std::size_t(2));  // the preempted prefetch chunks wait again
    // Queued requests that drop out are dropped.
    s.setRequests({}, notCached);
    QCOMPARE(s.queued(), std::size_t(0));
    // A finished aborted fetch is not current; a cached chunk is never queued.
    s.setRequests({req(ds, 0, 7, nz::Tier::Visible)}, [](const nz::ChunkKey&) { return true; });
    QCOMPARE(s.queued(), std::size_t(0));
  }

  void levelOfDetailAndVisibleChunks() {
    FakeOptions o;
    o.shape = {256, 256, 128, 1, 1};
    o.spacingMm = 0.5;
    auto ds = FakeDataset::make(o);
    const auto& info = ds->info();
    QCOMPARE(nz::chooseLevel(info, 2, 0.5), 0);
    QCOMPARE(nz::chooseLevel(info, 2, 1.0), 1);
    QCOMPARE(nz::chooseLevel(info, 2, 1.9), 2);
    QCOMPARE(nz::chooseLevel(info, 2, 100.0), 3);
    QCOMPARE(nz::chooseLevel(info, 2, 0.01), 0);
    QCOMPARE(nz::chooseLevel(info, 2, 0), 0);
    QCOMPARE(nz::levelVoxelSizeMm(info, 2)[0], 2.0);
    // Level-0 voxel 3 lies in level-1 voxel 1 (covers 2..3): centre 1.25.
    QCOMPARE(nz::level0ToLevel(info, 1, {3, 3, 3})[0], 1.25);
    QCOMPARE(nz::levelToLevel0(info, 1, {1.25, 0, 0})[0], 3.0);
    // Whole axial slice at z = 40: 8x8 chunks at level 0, one layer.
    auto plane = nz::wholeSlice(info, 2, 40);
    auto box = nz::sliceBox(info, 0, plane);
    QCOMPARE(box.begin[2], std::int64_t(40));
    QCOMPARE(box.end[0], std::int64_t(256));
    auto chunks = nz::visibleChunks(info, 0, plane);
    QCOMPARE(chunks.size(), std::size_t(64));
    for (auto& c : chunks) QCOMPARE(c[2], std::int64_t(1));
    QCOMPARE(nz::visibleChunks(info, 3, plane).size(), std::size_t(1));
    QCOMPARE(nz::sliceBox(info, 1, plane).begin[2], std::int64_t(20));
    // A small window: x 0..40, y 100..140 touches 2x2 chunks.
    plane.u0 = -0.5;
    plane.u1 = 39.5;
    plane.v0 = 99.5;
    plane.v1 = 139.5;
    QCOMPARE(nz::visibleChunks(info, 0, plane).size(), std::size_t(4));
    // Outside the volume: nothing.
    plane.position = 500;
    QVERIFY(nz::visibleChunks(info, 0, plane).empty());
    // Request set: visible at chosen level + coarsest, prefetch neighbours and finer level.
    auto views = axialView(info, 40, 1.0);  // level 1
    auto set = nz::buildViewRequests(ds, views);
    QCOMPARE(set.levels.at(0), 1);
    std::map<std::pair<int, nz::Tier>, int> count;
    for (auto& r : set.requests) ++count[{r.level, r.tier}];
    QCOMPARE((count[{1, nz::Tier::Visible}]), 16);
    QCOMPARE((count[{2, nz::Tier::Visible}]), 0);  // shown level + coarsest, nothing between
    QCOMPARE((count[{3, nz::Tier::Visible}]), 1);
    QCOMPARE((count[{1, nz::Tier::Prefetch}]), 16);  // z 20 is in layer 0: only the layer after
    QCOMPARE((count[{0, nz::Tier::Prefetch}]), 64);
    QCOMPARE((count[{0, nz::Tier::Visible}]), 0);
    auto ortho = nz::buildOrthoRequests(ds, {128, 128, 64}, {views[0], views[0], views[0]});
    QCOMPARE(ortho.levels.size(), std::size_t(3));
  }

  void loaderFetchesOnceWhileCached() {
    FakeOptions o;
    o.delay = 5ms;
    auto ds = FakeDataset::make(o);
    nz::ChunkLoader loader(nz::LoaderOptions{64 << 20, 8});
    std::atomic<int> notified{0};
    loader.setCompletionNotifier([&] { ++notified; });
    auto set = nz::buildViewRequests(ds, axialView(ds->info(), 100, 1.0));
    // Twice while in flight, then repeatedly once cached.
    QVERIFY(loader.setRequests(set.requests).empty());
    QVERIFY(loader.setRequests(set.requests).empty());
    auto got = drainUntilIdle(loader);
    std::size_t visible = 0, gotVisible = 0;
    for (auto& r : set.requests) visible += r.tier == nz::Tier::Visible;
    for (auto& c : got) gotVisible += c.tier == nz::Tier::Visible;
    QCOMPARE(gotVisible, visible);  // every visible chunk delivered once
    QVERIFY(notified.load() >= 1);
    for (auto& c : got) {
      QVERIFY(c.ok);
      QCOMPARE(c.volume->data.at(0), FakeDataset::chunkValue(c.key.level, c.key.chunk));
    }
    for (int i = 0; i < 3; ++i) {
      auto hits = loader.setRequests(set.requests);
      QVERIFY(!hits.empty());
      for (auto& h : hits) QVERIFY(h.fromCache && h.volume);
      QVERIFY(drainUntilIdle(loader).empty());
    }
    for (const auto& [key, n] : ds->fetches()) QCOMPARE(n, 1);
    const auto m = loader.metrics();
    QCOMPARE(m.failed, std::uint64_t(0));
    QCOMPARE(m.visibleAvailable, m.visibleWanted);
    QVERIFY(m.cacheHits > 0);
    QVERIFY(ds->maxConcurrent() <= 8);
    QVERIFY(!nz::formatLoaderMetricsLine(m).empty());
    QVERIFY(nz::loaderMetricsJson(m).find("\"requests\"") != std::string::npos);
  }

  void scrollingFetchesOnlyWhatIsVisibleWhenSettled() {
    FakeOptions o;
    o.delay = 400ms;  // a slow cloud round trip: each chunk layer is shown for less than that
    auto ds = FakeDataset::make(o);
    const std::size_t limit = 32;
    nz::ChunkLoader loader(nz::LoaderOptions{256 << 20, limit});
    nz::ViewRequests last;
    for (int z = 100; z < 200; ++z) {  // 100 slices across 4 chunk layers in ~0.3 s
      last = nz::buildViewRequests(ds, axialView(ds->info(), z, 1.0 /* level 0 */));
      loader.setRequests(last.requests);
      loader.takeCompleted(1000);
      std::this_thread::sleep_for(3ms);
    }
    auto got = drainUntilIdle(loader, 60s);
    std::set<std::pair<int, nz::Index5>> finalSet, visibleSet;
    for (auto& r : last.requests) {
      finalSet.insert({r.level, r.chunk});
      if (r.tier == nz::Tier::Visible) visibleSet.insert({r.level, r.chunk});
    }
    // Every chunk visible at the end arrived and was fetched exactly once.
    for (auto& key : visibleSet) {
      QVERIFY(loader.cached({ds.get(), key.first, key.second}) != nullptr);
      QCOMPARE(ds->completedFetches()[key], 1);
    }
    // Completed fetches outside the final set are bounded by the slots in flight at the end.
    int stale = 0, total = 0;
    for (const auto& [key, n] : ds->completedFetches()) {
      total += n;
      if (!finalSet.count(key)) stale += n;
    }
    qInfo("final set %zu (visible %zu), completed %d, stale %d, started %d, cancelled %d",
          finalSet.size(), visibleSet.size(), total, stale, ds->started(), ds->cancelled());
    QVERIFY(stale <= int(limit));
    QVERIFY(ds->started() > int(finalSet.size()));  // earlier layers were requested, then aborted
    QVERIFY(total <= int(finalSet.size() + limit));
    QVERIFY(ds->maxConcurrent() <= int(limit) + int(limit));  // aborted ones end promptly
    // Only the final generation's chunks are handed to the GUI after the scroll.
    for (auto& c : got) QVERIFY(finalSet.count({c.key.level, c.key.chunk}));
  }

  void budgetIsNeverExceeded() {
    FakeOptions o;
    o.delay = 1ms;
    auto ds = FakeDataset::make(o);
    const std::size_t chunkBytes = 32 * 32 * 32;
    for (std::size_t budgetChunks : {std::size_t(20), std::size_t(200)}) {
      nz::ChunkLoader loader(nz::LoaderOptions{budgetChunks * chunkBytes, 16});
      for (int z = 0; z < 256; z += 17) {
        auto set = nz::buildViewRequests(ds, axialView(ds->info(), z, 1.0));
        std::size_t visible = 0;
        for (auto& r : set.requests) visible += r.tier == nz::Tier::Visible;
        auto hits = loader.setRequests(set.requests);
        auto got = drainUntilIdle(loader);
        std::size_t delivered = 0;
        for (auto& c : hits) delivered += c.tier == nz::Tier::Visible;
        for (auto& c : got) delivered += c.tier == nz::Tier::Visible && c.ok;
        QCOMPARE(delivered, visible);  // even when the cache cannot hold them all
        const auto m = loader.metrics();
        QVERIFY(m.cacheBytes <= m.cacheBudget);
      }
      const auto m = loader.metrics();
      QVERIFY(m.cachePeakBytes <= budgetChunks * chunkBytes);
      QVERIFY(m.cacheEvictions > 0);
      if (budgetChunks == 20) QVERIFY(m.prefetchDropped > 0);  // no room: prefetch is skipped
    }
  }

  void cancelsStaleFetchesUnderDelay() {
    FakeOptions o;
    o.delay = 2000ms;
    auto ds = FakeDataset::make(o);
    nz::ChunkLoader loader(nz::LoaderOptions{64 << 20, 8});
    std::vector<nz::ChunkRequest> a, b;
    for (int x = 0; x < 8; ++x)
      for (int y = 0; y < 5; ++y) {
        a.push_back(nz::ChunkRequest{ds, 0, {x, y, 0, 0, 0}, nz::Tier::Visible, double(x + y)});
        b.push_back(nz::ChunkRequest{ds, 0, {x, y, 7, 0, 0}, nz::Tier::Visible, double(x + y)});
      }
    loader.setRequests(a);
    QTRY_COMPARE_WITH_TIMEOUT(ds->started(), 8, 5000);
    const auto t0 = std::chrono::steady_clock::now();
    ds->setDelay(20ms);  // the new requests are served quickly
    loader.setRequests(b);
    auto got = drainUntilIdle(loader, 30s);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    QCOMPARE(got.size(), b.size());
    for (auto& c : got) QCOMPARE(c.key.chunk[2], std::int64_t(7));
    QCOMPARE(ds->cancelled(), 8);  // every stale transfer was aborted ...
    QVERIFY(elapsed < 1900ms);     // ... without waiting for the slow server
    QCOMPARE(ds->started(), int(a.size() / 5 + b.size()));  // queued stale ones never started
    const auto m = loader.metrics();
    QCOMPARE(m.aborted, std::uint64_t(8));
    QCOMPARE(m.failed, std::uint64_t(0));
  }

  void batchesAndNotifier() {
    FakeOptions o;
    auto ds = FakeDataset::make(o);
    nz::ChunkLoader loader(nz::LoaderOptions{64 << 20, 32});
    std::atomic<int> notified{0};
    loader.setCompletionNotifier([&] { ++notified; });
    auto set = nz::buildViewRequests(ds, axialView(ds->info(), 10, 1.0), {false, false});
    loader.setRequests(set.requests);
    QVERIFY(loader.waitIdle(10s));
    const int before = notified.load();
    QVERIFY(before >= 1);
    auto first = loader.takeCompleted(5);
    QCOMPARE(first.size(), std::size_t(5));
    QCOMPARE(notified.load(), before + 1);  // more waiting: notified again
    std::size_t total = first.size();
    while (true) {
      auto more = loader.takeCompleted(5);
      if (more.empty()) break;
      total += more.size();
    }
    QCOMPARE(total, set.requests.size());
  }

  void prefetchStartsOnlyOnceTheVisibleSetIsComplete() {
    FakeOptions o;
    o.delay = 15ms;
    auto ds = FakeDataset::make(o);
    nz::ChunkLoader loader(nz::LoaderOptions{256 << 20, 8});
    auto set = nz::buildViewRequests(ds, axialView(ds->info(), 100, 2.0));  // level 1
    std::set<std::pair<int, nz::Index5>> visible, prefetch;
    for (auto& r : set.requests)
      (r.tier == nz::Tier::Visible ? visible : prefetch).insert({r.level, r.chunk});
    QCOMPARE(visible.size(), std::size_t(16 + 1));  // level 1 (4x4 chunks) + coarsest (1)
    loader.setRequests(set.requests);
    drainUntilIdle(loader);
    std::size_t visibleDone = 0, prefetchStarted = 0;
    for (const auto& e : ds->events()) {
      const std::pair<int, nz::Index5> key{e.level, e.chunk};
      if (e.kind == 'C' && visible.count(key)) ++visibleDone;
      if (e.kind == 'S' && prefetch.count(key)) {
        QCOMPARE(visibleDone, visible.size());  // nothing prefetched before all is on screen
        ++prefetchStarted;
      }
    }
    QCOMPARE(prefetchStarted, prefetch.size());  // within the default budget: all of it
    const auto m = loader.metrics();
    QCOMPARE(m.prefetchRequests, std::uint64_t(prefetch.size()));
    QCOMPARE(m.requests, std::uint64_t(visible.size() + prefetch.size()));
    QCOMPARE(m.requestsByLevel.size(), std::size_t(4));
    QCOMPARE(m.requestsByLevel[2], std::uint64_t(0));  // no intermediate level
    QCOMPARE(m.requestsByLevel[3], std::uint64_t(1));
  }

  void prefetchBudgetBoundsItPerGeneration() {
    FakeOptions o;
    o.delay = 1ms;
    const std::size_t chunkBytes = 32 * 32 * 32;
    for (std::size_t budgetChunks : {std::size_t(0), std::size_t(10)}) {
      auto ds = FakeDataset::make(o);
      nz::LoaderOptions lo{256 << 20, 8};
      lo.prefetchBytes = budgetChunks * chunkBytes;
      nz::ChunkLoader loader(lo);
      auto set = nz::buildViewRequests(ds, axialView(ds->info(), 100, 2.0));
      std::size_t visible = 0;
      for (auto& r : set.requests) visible += r.tier == nz::Tier::Visible;
      loader.setRequests(set.requests);
      drainUntilIdle(loader);
      const auto m = loader.metrics();
      QCOMPARE(m.prefetchRequests, std::uint64_t(budgetChunks));
      QCOMPARE(m.requests, std::uint64_t(visible + budgetChunks));
    }
  }

  void visibleWorkCancelsPrefetchFirst() {
    FakeOptions o;
    o.delay = 2000ms;
    auto ds = FakeDataset::make(o);
    nz::ChunkLoader loader(nz::LoaderOptions{256 << 20, 32});
    // Generation 1: prefetch only (nothing visible is missing), running slowly.
    std::vector<nz::ChunkRequest> a;
    for (int x = 1; x <= 6; ++x) a.push_back(req(ds, 0, x, nz::Tier::Prefetch, x));
    loader.setRequests(a);
    QTRY_COMPARE_WITH_TIMEOUT(ds->started(), 6, 5000);
    // Generation 2 wants one new visible chunk with 30 slots free: the prefetch still running
    // (wanted again as prefetch) is aborted anyway, and requeued behind it.
    std::vector<nz::ChunkRequest> b = a;
    b.push_back(req(ds, 0, 7, nz::Tier::Visible));
    ds->setDelay(1ms);
    loader.setRequests(b);
    QTRY_COMPARE_WITH_TIMEOUT(ds->cancelled(), 6, 5000);
    QVERIFY(drainUntilIdle(loader, 30s).size() >= 7);
    QCOMPARE(loader.metrics().aborted, std::uint64_t(6));
  }

  void forgottenDatasetsLateResultsLandNowhere() {
    FakeOptions o;
    o.delay = 300ms;
    o.ignoreCancel = true;  // aborted fetches still bring data, as a shared shard read does
    auto ds = FakeDataset::make(o);
    auto other = FakeDataset::make(FakeOptions{});
    nz::ChunkLoader loader(nz::LoaderOptions{256 << 20, 16});
    auto set = nz::buildViewRequests(ds, axialView(ds->info(), 100, 1.0), {false, false});
    auto keep = nz::buildViewRequests(other, axialView(other->info(), 10, 1.0), {false, false});
    std::vector<nz::ChunkRequest> both = set.requests;
    both.insert(both.end(), keep.requests.begin(), keep.requests.end());
    loader.setRequests(both);
    QTRY_VERIFY_WITH_TIMEOUT(ds->started() >= 8, 5000);
    loader.forgetDataset(ds.get());  // the layer is removed while its chunks are in flight
    const auto got = drainUntilIdle(loader, 30s);
    for (const auto& c : got) QVERIFY(c.key.dataset != ds.get());
    QTRY_VERIFY_WITH_TIMEOUT(!ds->completedFetches().empty(), 5000);  // they did bring data
    QVERIFY(loader.waitIdle(10s));
    QVERIFY(loader.cachedChunks(ds.get()).empty());
    QCOMPARE(loader.cachedChunks(other.get()).size(), keep.requests.size());
    QVERIFY(ds->started() < int(set.requests.size()));  // the queued rest never started
  }

  void destroyWhileBusy() {
    FakeOptions o;
    o.delay = 500ms;
    auto ds = FakeDataset::make(o);
    {
      nz::ChunkLoader loader(nz::LoaderOptions{64 << 20, 16});
      loader.setCompletionNotifier([] {});
      loader.setRequests(nz::buildViewRequests(ds, axialView(ds->info(), 10, 1.0)).requests);
      QTRY_VERIFY_WITH_TIMEOUT(ds->started() > 0, 5000);
    }  // must cancel and return promptly, with no callback left pointing at the loader
    QVERIFY(ds->cancelled() > 0);
  }
};

QTEST_GUILESS_MAIN(LoaderTest)
#include "tst_chunk_loader.moc"
