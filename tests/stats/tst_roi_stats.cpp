// io/stats through the chunk loader (TSan lane): chunks handed over as "preloaded" are not
// fetched again, a second pass is served from the loader's cache, the result does not depend
// on where chunks came from, cancel stops a computation from another thread, and the exact
// rank selection agrees with std::nth_element on keys of every width.
#include <QtTest>
#include <algorithm>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/error.h"
#include "dataset/dataset.h"
#include "loader/chunk_loader.h"
#include "stats/rank_select.h"
#include "stats/roi_stats.h"

class TstRoiStats : public QObject {
  Q_OBJECT

  static std::shared_ptr<nz::Dataset> open(const char* name) {
    return nz::openDataset(std::string(NZ_TEST_DATA_DIR "/refdata/") + name);
  }

 private slots:
  void preloadedChunksAreNotFetched() {
    auto ds = open("f_blosc_default_chunk64_float32.nii.zarr");  // float32: two passes
    nz::RoiStatsRequest req;
    req.box.end = ds->info().shape;
    nz::ChunkLoader first;
    const nz::RoiStats a = nz::computeRoiStats(first, ds, req);
    QCOMPARE(a.passes, 2);
    const nz::LoaderMetrics m = first.metrics();
    const std::size_t chunks = ds->chunksIntersecting(0, req.box).size();
    QCOMPARE(m.cacheMisses, std::uint64_t(chunks));  // pass 2 came from the cache
    QCOMPARE(m.cacheHits, std::uint64_t(chunks));
    // The same chunks handed to a fresh loader: nothing is requested at all.
    std::unordered_map<nz::ChunkKey, nz::SharedVolume, nz::ChunkKeyHash> held;
    for (auto& [k, v] : first.cachedChunks(ds.get(), 0)) held.emplace(k, v);
    QCOMPARE(held.size(), chunks);
    req.preloaded = [&held](const nz::ChunkKey& k) -> nz::SharedVolume {
      auto it = held.find(k);
      return it == held.end() ? nullptr : it->second;
    };
    nz::ChunkLoader second;
    const nz::RoiStats b = nz::computeRoiStats(second, ds, req);
    QCOMPARE(second.metrics().requests, std::uint64_t(0));
    QCOMPARE(b.mean, a.mean);  // bit for bit: merged in chunk order
    QCOMPARE(b.std, a.std);
    QCOMPARE(b.median, a.median);
    QCOMPARE(b.percentiles, a.percentiles);
  }

  void cancelFromAnotherThread() {
    auto ds = open("e_uint16_pyramid_4levels.nii.zarr");
    nz::RoiStatsRequest req;
    req.box.end = ds->info().shape;
    nz::CancelSource cancel;
    cancel.cancel();
    nz::ChunkLoader loader;
    bool thrown = false;
    try {
      nz::computeRoiStats(loader, ds, req, cancel.token());
    } catch (const nz::Error& e) {
      thrown = e.kind() == nz::ErrorKind::Cancelled;
    }
    QVERIFY(thrown);
    // Cancelled while it runs (from the progress callback's first report on another thread).
    nz::CancelSource live;
    std::atomic<bool> started{false};
    std::thread canceller([&] {
      while (!started) std::this_thread::yield();
      live.cancel();
    });
    thrown = false;
    try {
      nz::computeRoiStats(loader, ds, req, live.token(), [&](double) { started = true; });
      // A tiny region may finish before the cancel lands; both outcomes are fine here.
    } catch (const nz::Error& e) {
      thrown = e.kind() == nz::ErrorKind::Cancelled;
      QVERIFY(thrown);
    }
    canceller.join();
    QVERIFY(loader.waitIdle(std::chrono::seconds(10)));
  }

  void rankSelectionMatchesSort() {
    std::mt19937_64 rng(5);
    for (int bits : {8, 16, 32, 64}) {
      const std::uint64_t mask = bits == 64 ? ~0ULL : ((1ULL << bits) - 1);
      std::vector<std::uint64_t> keys(20000);
      for (auto& k : keys) k = rng() & mask;
      for (int i = 0; i < 3000; ++i) keys[std::size_t(i)] = keys[0];         // many ties
      for (int i = 3000; i < 3100; ++i) keys[std::size_t(i)] = keys[1] ^ 1;  // near neighbours
      nz::RankSelector sel(bits);
      for (auto k : keys) sel.add(k);
      sel.endPass();
      const std::vector<std::uint64_t> ranks{0, 1, 199, 5000, 9999, 10000, 19998, 19999};
      sel.want(ranks);
      int passes = 1;
      while (!sel.done()) {
        for (auto k : keys) sel.add(k);
        sel.endPass();
        ++passes;
      }
      QVERIFY(passes <= std::max(1, bits / 16));
      std::vector<std::uint64_t> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      for (auto r : ranks) QCOMPARE(sel.keyOfRank(r), sorted[std::size_t(r)]);
    }
  }

  void badRequests() {
    auto ds = open("a_uint8_oblique_sform.nii.zarr");
    nz::ChunkLoader loader;
    auto message = [&](nz::RoiStatsRequest req) -> QString {
      try {
        nz::computeRoiStats(loader, ds, req);
      } catch (const nz::Error& e) {
        return QString::fromStdString(e.what());
      }
      return {};
    };
    nz::RoiStatsRequest req;
    req.box.begin = {70, 0, 0, 0, 0};
    req.box.end = {80, 10, 10, 1, 1};
    QVERIFY(message(req).contains("lies outside the volume"));
    req.box.begin = {5, 0, 0, 0, 0};
    req.box.end = {5, 10, 10, 1, 1};
    QVERIFY(message(req).contains("is empty"));
    req.box.end = {9, 10, 10, 1, 1};
    req.level = 9;
    QVERIFY(message(req).contains("level 9 does not exist"));
  }
};

QTEST_MAIN(TstRoiStats)
#include "tst_roi_stats.moc"
