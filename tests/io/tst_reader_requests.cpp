// Request accounting through WaveStore (simulated round trips): opening a NIfTI-Zarr takes at
// most 2 metadata waves and touches no voxel chunk; readRegion fetches every chunk once, all
// in one wave (sharded: one index read per shard, then the inner chunks); the memory store
// counts reads per key.
#include <QtTest>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "dataset/nifti_zarr_dataset.h"
#include "io_test_util.h"

namespace {

bool isMetadataKey(const std::string& k) {
  auto ends = [&](const char* s) {
    const std::string x(s);
    return k.size() >= x.size() && k.compare(k.size() - x.size(), x.size(), x) == 0;
  };
  return ends("zarr.json") || ends(".zarray") || ends(".zgroup") || ends(".zattrs") ||
         k == "nifti/0" || k == "nifti/c/0";
}

std::shared_ptr<nztest::WaveStore> waveStoreFor(const std::string& dir) {
  return std::make_shared<nztest::WaveStore>(nz::openStore(nz::parseUri(dir)));
}

// Holds suffix reads (shard indexes) until released or until their token is cancelled, which
// it notices by polling like the HTTP client does; everything else goes to the inner store.
class HoldingStore : public nztest::ForwardingStore {
 public:
  explicit HoldingStore(std::shared_ptr<nz::Store> inner)
      : ForwardingStore(inner), inner_(std::move(inner)) {
    poller_ = std::thread([this] { poll(); });
  }
  ~HoldingStore() override {
    {
      std::lock_guard l(m_);
      stop_ = true;
    }
    poller_.join();
  }
  void readAsync(const std::string& key, nz::ByteRange range, nz::CancelToken cancel,
                 nz::ReadCallback done) override {
    if (!range.suffixLength) return inner_->readAsync(key, range, cancel, std::move(done));
    std::lock_guard l(m_);
    ++held_;
    pending_.push_back({key, range, cancel, std::move(done)});
  }
  void release() {
    std::lock_guard l(m_);
    release_ = true;
  }
  int held() const {
    std::lock_guard l(m_);
    return held_;
  }
  int cancelledFetches() const {
    std::lock_guard l(m_);
    return cancelled_;
  }

 private:
  struct Pending {
    std::string key;
    nz::ByteRange range;
    nz::CancelToken cancel;
    nz::ReadCallback done;
  };
  void poll() {
    for (;;) {
      std::vector<Pending> fire, cancel;
      {
        std::lock_guard l(m_);
        if (stop_ && pending_.empty()) return;
        for (auto it = pending_.begin(); it != pending_.end();) {
          if (it->cancel.cancelled()) {
            cancel.push_back(std::move(*it));
            ++cancelled_;
          } else if (release_ || stop_) {
            fire.push_back(std::move(*it));
          } else {
            ++it;
            continue;
          }
          it = pending_.erase(it);
        }
      }
      // Finished callbacks are kept until the destructor: what they capture may hold the last
      // reference to this store, which must not be dropped (and joined) on the poller itself.
      for (auto& p : cancel) {
        nz::ReadResult r;
        r.status = nz::ReadResult::Status::Cancelled;
        p.done(std::move(r));
        keep(std::make_shared<nz::ReadCallback>(std::move(p.done)));
      }
      for (auto& p : fire) {
        auto done = keep(std::make_shared<nz::ReadCallback>(std::move(p.done)));
        inner_->readAsync(p.key, p.range, p.cancel,
                          [done](nz::ReadResult r) { (*done)(std::move(r)); });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::shared_ptr<nz::ReadCallback> keep(std::shared_ptr<nz::ReadCallback> done) {
    std::lock_guard l(m_);
    spent_.push_back(done);
    return done;
  }
  std::shared_ptr<nz::Store> inner_;
  mutable std::mutex m_;
  std::vector<Pending> pending_;
  std::vector<std::shared_ptr<nz::ReadCallback>> spent_;
  bool release_ = false, stop_ = false;
  int held_ = 0, cancelled_ = 0;
  std::thread poller_;
};

}  // namespace

class ReaderRequests : public QObject {
  Q_OBJECT
 private slots:
  void openTakesTwoWaves_data();
  void openTakesTwoWaves();
  void readRegionFetchesEachChunkOnce();
  void shardIndexFetchedOncePerShard();
  void shardIndexFetchStopsWhenNoReaderWantsIt();
  void memoryStoreCountsReads();
};

void ReaderRequests::openTakesTwoWaves_data() {
  QTest::addColumn<QString>("dir");
  QTest::newRow("v2 4 levels") << "refdata/e_uint16_pyramid_4levels.nii.zarr";
  QTest::newRow("v3 sharded") << "refdata/g2_v3_sharded_uint16.nii.zarr";
  QTest::newRow("v3 plain ome") << "fixtures/datasets/ome_plain_v3.nii.zarr";
  QTest::newRow("v2 5D") << "fixtures/datasets/pixdim_tczyx.nii.zarr";
}

void ReaderRequests::openTakesTwoWaves() {
  QFETCH(QString, dir);
  auto store = waveStoreFor(nztest::dataDir() + "/" + dir.toStdString());
  auto ds = nz::openDataset(store, "test");
  QVERIFY(ds->info().levels.size() >= 1);
  QVERIFY2(store->waves() <= 2, qPrintable(QString("%1 waves").arg(store->waves())));
  for (const auto& r : store->log()) {
    QVERIFY2(isMetadataKey(r.key),
             qPrintable(QString::fromStdString("voxel chunk read on open: " + r.key)));
  }
  ds.reset();
  nztest::waitSoleOwner(store);
}

void ReaderRequests::readRegionFetchesEachChunkOnce() {
  auto store = waveStoreFor(nztest::dataDir() + "/refdata/e_uint16_pyramid_4levels.nii.zarr");
  auto ds = nz::openDataset(store, "test");
  store->reset();
  // An unaligned box crossing chunk borders on every axis.
  nz::Box box;
  box.begin = {10, 20, 5, 0, 0};
  box.end = {140, 100, 90, 1, 1};
  const nz::Volume v = ds->readRegion(0, box);
  const auto chunks = ds->chunksIntersecting(0, box);
  const auto log = store->log();
  QCOMPARE(log.size(), chunks.size());
  std::set<std::string> keys;
  for (const auto& r : log)
    QVERIFY2(keys.insert(r.key).second, qPrintable(QString::fromStdString(r.key)));
  QCOMPARE(store->waves(), 1);  // every chunk in flight at once
  // Region content equals the same box cut out of the whole level.
  const nz::Volume whole = ds->readRegion(0, nztest::wholeLevel(*ds, 0));
  for (std::int64_t z = box.begin[2]; z < box.end[2]; z += 7) {
    for (std::int64_t y = box.begin[1]; y < box.end[1]; y += 5) {
      for (std::int64_t x = box.begin[0]; x < box.end[0]; x += 3) {
        QCOMPARE(v.valueAt(x - box.begin[0], y - box.begin[1], z - box.begin[2]),
                 whole.valueAt(x, y, z));
      }
    }
  }
  // Outside the volume: the pad value.
  nz::Box out;
  out.begin = {-4, -4, -4, 0, 0};
  out.end = {4, 4, 4, 1, 1};
  const nz::Volume p = ds->readRegion(0, out, 7);
  QCOMPARE(p.valueAt(0, 0, 0), 7.0);
  QCOMPARE(p.valueAt(5, 5, 5), whole.valueAt(1, 1, 1));
  ds.reset();
  nztest::waitSoleOwner(store);
}

void ReaderRequests::shardIndexFetchedOncePerShard() {
  auto store = waveStoreFor(nztest::dataDir() + "/refdata/g2_v3_sharded_uint16.nii.zarr");
  auto ds = nz::openDataset(store, "test");
  store->reset();
  ds->readRegion(0, nztest::wholeLevel(*ds, 0));
  std::map<std::string, int> indexReads;
  std::set<nztest::WaveStore::Request> seen;
  for (const auto& r : store->log()) {
    QVERIFY2(seen.insert(r).second, qPrintable(QString::fromStdString("fetched twice: " + r.key)));
    if (r.suffix >= 0) ++indexReads[r.key];
  }
  QVERIFY(!indexReads.empty());
  for (const auto& [k, n] : indexReads) QCOMPARE(n, 1);
  QCOMPARE(store->waves(), 2);  // indexes, then every inner chunk
  // A second read reuses the cached indexes: inner chunks only, one wave.
  store->reset();
  ds->readRegion(0, nztest::wholeLevel(*ds, 0));
  for (const auto& r : store->log()) QVERIFY(r.suffix < 0);
  QCOMPARE(store->waves(), 1);
  ds.reset();
  nztest::waitSoleOwner(store);
}

// The index fetch of a shard is shared by its inner chunks: cancelling some readers keeps it
// going, cancelling all of them stops it (no wait for a stalled server), and a reader that
// joins afterwards still gets its chunk.
void ReaderRequests::shardIndexFetchStopsWhenNoReaderWantsIt() {
  auto store = std::make_shared<HoldingStore>(
      nz::openStore(nz::parseUri(nztest::dataDir() + "/refdata/g2_v3_sharded_uint16.nii.zarr")));
  auto ds = nz::openDataset(store, "test");
  std::mutex m;
  std::condition_variable cv;
  std::vector<nz::ChunkResult> results;
  auto collect = [&](nz::ChunkResult r) {
    std::lock_guard l(m);
    results.push_back(std::move(r));
    cv.notify_all();
  };
  auto waitResults = [&](std::size_t n) {
    std::unique_lock l(m);
    return cv.wait_for(l, std::chrono::seconds(10), [&] { return results.size() >= n; });
  };
  // Three inner chunks of shard (0,0,0) (32^3 inner chunks in 64^3 shards).
  nz::CancelSource a, b, c;
  ds->readChunkAsync(0, {0, 0, 0, 0, 0}, a.token(), collect);
  ds->readChunkAsync(0, {1, 0, 0, 0, 0}, b.token(), collect);
  ds->readChunkAsync(0, {0, 1, 0, 0, 0}, c.token(), collect);
  QTRY_COMPARE(store->held(), 1);  // one index fetch for the three
  a.cancel();
  b.cancel();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  QCOMPARE(store->cancelledFetches(), 0);  // c still wants it
  c.cancel();
  QTRY_COMPARE(store->cancelledFetches(), 1);
  QVERIFY(waitResults(3));
  for (const auto& r : results) QVERIFY(!r.ok);
  // A new reader starts a new fetch and gets its chunk once the server answers.
  results.clear();
  ds->readChunkAsync(0, {1, 1, 0, 0, 0}, nz::CancelToken{}, collect);
  QTRY_COMPARE(store->held(), 2);
  store->release();
  QVERIFY(waitResults(1));
  QVERIFY2(results[0].ok, results[0].error.c_str());
  nz::Box box = results[0].box;
  const nz::Volume want = ds->readRegion(0, box);
  QVERIFY(results[0].volume->data == want.data);
  ds.reset();
}

void ReaderRequests::memoryStoreCountsReads() {
  auto mem = nz::MemoryStore::named("requests-test");
  nztest::loadDir(nztest::dataDir() + "/refdata/a_uint8_oblique_sform.nii.zarr", *mem);
  auto ds = nz::openDataset("mem://requests-test");
  QCOMPARE(mem->readCount(".zattrs"), std::size_t{1});
  QCOMPARE(mem->readCount("0/.zarray"), std::size_t{1});
  QCOMPARE(mem->readCount("0/0/0/0"), std::size_t{0});
  ds->readRegion(0, nztest::wholeLevel(*ds, 0));
  QCOMPARE(mem->readCount("0/0/0/0"), std::size_t{1});
  QCOMPARE(mem->readCount("0/1/1/1"), std::size_t{1});
  nz::MemoryStore::dropNamed("requests-test");
}

QTEST_GUILESS_MAIN(ReaderRequests)
#include "tst_reader_requests.moc"
