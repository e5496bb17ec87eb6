// StoreSpeed: per-request latency (Little's law) and bandwidth from the loader's counters while
// busy, kept while idle (the old estimate divided by a throughput that decayed to zero, so it
// grew while the viewer sat idle), and the export estimate range from them.
#include <QtTest>

#include "viewer/roi/store_speed.h"

using nzviewer::StoreSpeed;

class TstStoreSpeed : public QObject {
  Q_OBJECT
 private:
  static nz::LoaderMetrics at(std::uint64_t completed, std::uint64_t stored, std::uint64_t decoded,
                              std::size_t inFlight) {
    nz::LoaderMetrics m;
    m.completed = completed;
    m.bytesFetched = stored;
    m.bytesDecoded = decoded;
    m.inFlight = inFlight;
    return m;
  }

 private slots:
  void measuresLatencyAndBandwidth() {
    StoreSpeed s;
    QVERIFY(!s.measured());
    s.sample(at(0, 0, 0, 8), 10.0);
    // 1 s: 100 requests completed with 8 in flight -> 80 ms each; 10 MB stored, 40 MB decoded.
    s.sample(at(100, 10'000'000, 40'000'000, 8), 11.0);
    QVERIFY(s.measured());
    QCOMPARE(s.latencySeconds(), 0.08);
    QCOMPARE(s.bytesPerSecond(), 10e6);
    QCOMPARE(s.decodedPerStored(), 4.0);
    const nz::ThroughputModel t = s.model(false);
    QCOMPARE(t.roundTripSeconds, 0.08);
    QCOMPARE(t.bytesPerSecond, 40e6);  // decoded bytes per second, as planExport counts
  }

  void keptWhenIdle() {
    StoreSpeed s;
    s.sample(at(0, 0, 0, 4), 0.0);
    s.sample(at(50, 5'000'000, 5'000'000, 4), 1.0);
    const double latency = s.latencySeconds(), bandwidth = s.bytesPerSecond();
    nz::ExportPlan plan;
    plan.chunks = 1000;
    plan.bytesToFetchEstimate = 100'000'000;
    const auto before = s.range(plan, false);
    for (int i = 2; i < 600; ++i) s.sample(at(50, 5'000'000, 5'000'000, 0), double(i));
    QCOMPARE(s.latencySeconds(), latency);
    QCOMPARE(s.bytesPerSecond(), bandwidth);
    QCOMPARE(s.range(plan, false), before);
  }

  void rangeFromOverlapToSum() {
    StoreSpeed s;
    s.sample(at(0, 0, 0, 10), 0.0);
    s.sample(at(100, 20'000'000, 20'000'000, 10), 2.0);  // 200 ms per request, 10 MB/s
    nz::ExportPlan plan;
    plan.chunks = 256;                       // 2 waves of 128
    plan.bytesToFetchEstimate = 30'000'000;  // 3 s at 10 MB/s
    const auto [fast, slow] = s.range(plan, false, 128);
    QCOMPARE(fast, 3.0);        // max(2 x 0.2, 3)
    QCOMPARE(slow, 3.0 + 0.4);  // 2 x 0.2 + 3
    QVERIFY(fast <= slow);
  }

  void newLoaderStartsOver() {
    StoreSpeed s;
    s.sample(at(0, 0, 0, 1), 0.0);
    s.sample(at(10, 1000, 1000, 1), 1.0);
    QVERIFY(s.measured());
    s.sample(at(2, 100, 100, 1), 2.0);  // counters went down: another dataset's loader
    QVERIFY(!s.measured());
    const nz::ThroughputModel local = s.model(true);
    QCOMPARE(local.roundTripSeconds, 0.0);
    QCOMPARE(local.bytesPerSecond, 1e9);
  }
};

QTEST_GUILESS_MAIN(TstStoreSpeed)
#include "tst_store_speed.moc"
