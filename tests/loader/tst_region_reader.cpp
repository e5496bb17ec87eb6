// readRegionThroughLoader (the read path of every export) against Dataset::readRegion on a
// reference dataset: identical voxels for aligned, unaligned and out-of-volume boxes, with a cache
// budget small enough to force many windows; every chunk fetched exactly once; failures and
// cancellation reported as nz::Error promptly.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "dataset/dataset.h"
#include "loader/chunk_loader.h"
#include "loader/fake_dataset.h"
#include "loader/region_reader.h"

namespace {

const std::string kPyramid =
    std::string(NZ_TEST_DATA_DIR) + "/refdata/e_uint16_pyramid_4levels.nii.zarr";

// Forwards to a real dataset, counting every chunk fetch; one chunk may be made to fail.
class CountingDataset : public nz::Dataset {
 public:
  static std::shared_ptr<CountingDataset> wrap(std::shared_ptr<nz::Dataset> inner) {
    return std::shared_ptr<CountingDataset>(new CountingDataset(std::move(inner)));
  }

  void readChunkAsync(int level, const nz::Index5& chunk, nz::CancelToken cancel,
                      nz::ChunkCallback done) override {
    {
      std::lock_guard lock(mutex_);
      ++fetches_[{level, chunk}];
    }
    if (failLevel_ == level && failChunk_ == chunk) {
      nz::ChunkResult r;
      r.errorKind = nz::ErrorKind::InvalidData;
      r.error = "corrupt chunk for the test";
      done(std::move(r));
      return;
    }
    inner_->readChunkAsync(level, chunk, std::move(cancel), std::move(done));
  }

  std::map<std::pair<int, nz::Index5>, int> fetches() const {
    std::lock_guard lock(mutex_);
    return fetches_;
  }
  void failOn(int level, const nz::Index5& chunk) {
    failLevel_ = level;
    failChunk_ = chunk;
  }

 private:
  explicit CountingDataset(std::shared_ptr<nz::Dataset> inner)
      : nz::Dataset(inner->sharedStore(), inner->info()), inner_(std::move(inner)) {}
  std::shared_ptr<nz::Dataset> inner_;
  mutable std::mutex mutex_;
  std::map<std::pair<int, nz::Index5>, int> fetches_;
  int failLevel_ = -1;
  nz::Index5 failChunk_{0, 0, 0, 0, 0};
};

nz::Box box3(std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1, std::int64_t z0,
             std::int64_t z1) {
  nz::Box b;
  b.begin = {x0, y0, z0, 0, 0};
  b.end = {x1, y1, z1, 1, 1};
  return b;
}

// Budget of `chunks` decoded uint16 32³ chunks; the reader's windows take half of it.
std::size_t budgetOfChunks(std::size_t chunks) { return chunks * 32 * 32 * 32 * 2; }

}  // namespace

Q_DECLARE_METATYPE(nz::Box)

class ExportLoaderTest : public QObject {
  Q_OBJECT

 private slots:
  void matchesReadRegion_data() {
    QTest::addColumn<int>("level");
    QTest::addColumn<nz::Box>("box");
    // Level 0 is 150 x 121 x 97 voxels in chunks of 32³ (5 x 4 x 4 chunks).
    QTest::newRow("aligned") << 0 << box3(32, 96, 0, 64, 32, 96);
    QTest::newRow("whole level") << 0 << box3(0, 150, 0, 121, 0, 97);
    QTest::newRow("unaligned") << 0 << box3(5, 77, 17, 90, 3, 61);
    QTest::newRow("reaches outside") << 0 << box3(-10, 160, 100, 140, -5, 20);
    QTest::newRow("fully outside") << 0 << box3(200, 210, 0, 8, 0, 8);
    QTest::newRow("coarse level") << 2 << box3(3, 20, -2, 40, 10, 38);
  }

  void matchesReadRegion() {
    QFETCH(int, level);
    QFETCH(nz::Box, box);
    auto ds = CountingDataset::wrap(nz::openDataset(kPyramid));
    const double pad = 7;
    const nz::Volume expected = ds->readRegion(level, box, pad);
    const auto before = ds->fetches();

    // Room for 6 chunks: windows of 3 chunks, so every multi-chunk box needs several windows.
    nz::ChunkLoader loader({budgetOfChunks(6), 4});
    double lastProgress = -1;
    bool monotonic = true;
    const nz::Volume got =
        nz::readRegionThroughLoader(loader, ds, level, box, pad, {}, [&](double f) {
          monotonic = monotonic && f >= lastProgress;
          lastProgress = f;
        });

    QCOMPARE(got.dtype, expected.dtype);
    QVERIFY(got.shape == expected.shape);
    QVERIFY(got.data == expected.data);

    // Each intersecting chunk fetched exactly once by the loader, nothing else.
    const auto chunks = ds->chunksIntersecting(level, box);
    auto after = ds->fetches();
    for (const auto& [key, count] : before) after[key] -= count;
    std::erase_if(after, [](const auto& e) { return e.second == 0; });
    QCOMPARE(after.size(), chunks.size());
    for (const auto& c : chunks) QCOMPARE(after[std::make_pair(level, c)], 1);
    const nz::LoaderMetrics m = loader.metrics();
    QCOMPARE(m.requests, static_cast<std::uint64_t>(chunks.size()));
    QCOMPARE(m.cacheMisses, static_cast<std::uint64_t>(chunks.size()));
    QCOMPARE(m.failed, std::uint64_t{0});
    // Windows hold at most half the budget of decoded bytes, so a big box needs several.
    const std::uint64_t window = budgetOfChunks(6) / 2;
    QVERIFY(m.generation >= (m.bytesDecoded + window - 1) / window);
    if (chunks.size() > 3) QVERIFY(m.generation >= 2);
    if (!chunks.empty()) {
      QVERIFY(monotonic);
      QCOMPARE(lastProgress, 1.0);
    }
  }

  void secondReadIsServedFromTheCache() {
    auto ds = CountingDataset::wrap(nz::openDataset(kPyramid));
    nz::ChunkLoader loader({budgetOfChunks(64), 8});
    const nz::Box box = box3(0, 64, 0, 64, 0, 64);  // 8 chunks: one window
    const nz::Volume a = nz::readRegionThroughLoader(loader, ds, 0, box);
    const nz::Volume b = nz::readRegionThroughLoader(loader, ds, 0, box);
    QVERIFY(a.data == b.data);
    for (const auto& [key, count] : ds->fetches()) QCOMPARE(count, 1);
    QCOMPARE(loader.metrics().cacheHits, std::uint64_t{8});
  }

  void failedChunkThrowsItsMessage() {
    auto ds = CountingDataset::wrap(nz::openDataset(kPyramid));
    ds->failOn(0, {1, 1, 0, 0, 0});
    nz::ChunkLoader loader({budgetOfChunks(6), 4});
    try {
      nz::readRegionThroughLoader(loader, ds, 0, box3(0, 150, 0, 121, 0, 97));
      QFAIL("expected nz::Error");
    } catch (const nz::Error& e) {
      QCOMPARE(e.kind(), nz::ErrorKind::InvalidData);
      QVERIFY(std::string(e.what()).find("corrupt chunk for the test") != std::string::npos);
    }
    QVERIFY(loader.waitIdle(std::chrono::seconds(10)));
  }

  void cancelledBeforeStartFetchesNothing() {
    auto ds = CountingDataset::wrap(nz::openDataset(kPyramid));
    nz::ChunkLoader loader;
    nz::CancelSource cancel;
    cancel.cancel();
    try {
      nz::readRegionThroughLoader(loader, ds, 0, box3(0, 64, 0, 64, 0, 64), 0, cancel.token());
      QFAIL("expected nz::Error");
    } catch (const nz::Error& e) {
      QCOMPARE(e.kind(), nz::ErrorKind::Cancelled);
    }
    QVERIFY(ds->fetches().empty());
  }

  void cancelIsPrompt() {
    // 512 chunks of 100 ms with 2 slots would take ~25 s; the cancel must end the read at once.
    nztest::FakeOptions o;
    o.delay = std::chrono::milliseconds(100);
    auto fake = nztest::FakeDataset::make(o);
    nz::CancelSource cancel;
    std::atomic<bool> sawProgress{false};
    auto t0 = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point cancelledAt;
    {
      nz::ChunkLoader loader({budgetOfChunks(64), 2});
      std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        cancelledAt = std::chrono::steady_clock::now();
        cancel.cancel();
      });
      try {
        nz::readRegionThroughLoader(loader, fake, 0, box3(0, 256, 0, 256, 0, 256), 0,
                                    cancel.token(), [&](double f) {
                                      if (f > 0) sawProgress = true;
                                    });
        canceller.join();
        QFAIL("expected nz::Error");
      } catch (const nz::Error& e) {
        canceller.join();
        QCOMPARE(e.kind(), nz::ErrorKind::Cancelled);
      }
      const auto latency = std::chrono::steady_clock::now() - cancelledAt;
      QVERIFY2(latency < std::chrono::seconds(1), "cancel took more than a second");
    }  // the loader's destructor aborts the running fetches
    QVERIFY(sawProgress.load());
    QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    QVERIFY(fake->started() < 512);
  }
};

QTEST_GUILESS_MAIN(ExportLoaderTest)
#include "tst_region_reader.moc"
