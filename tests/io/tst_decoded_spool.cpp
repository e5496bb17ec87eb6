// DecodedSpool (io/dataset/decoded_spool.h): the store of a .nii.gz's inflated bytes. Bytes
// written in pieces that straddle blocks read back exactly, from memory and from the temporary
// file once over the memory limit, also while the writer is still writing (the TSan lane runs
// this), and a read past what is decoded is refused with a message naming the source.
#include <QtTest>
#include <atomic>
#include <cstring>
#include <thread>

#include "core/error.h"
#include "dataset/decoded_spool.h"

namespace {

constexpr std::size_t kBlock = 4096;

std::uint8_t patternAt(std::uint64_t i) {
  return static_cast<std::uint8_t>((i * 2654435761u) >> 13);
}

// Writes `total` pattern bytes in pieces of `piece` (straddling blocks).
void writePattern(nz::DecodedSpool& spool, std::uint64_t total, std::size_t piece) {
  std::uint64_t at = 0;
  while (at < total) {
    const std::span<std::uint8_t> room = spool.writable();
    QVERIFY(!room.empty());
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>({static_cast<std::uint64_t>(piece), room.size(), total - at}));
    for (std::size_t i = 0; i < n; ++i) room[i] = patternAt(at + i);
    spool.commit(n);
    at += n;
  }
}

bool matches(const nz::DecodedSpool& spool, std::uint64_t offset, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  spool.copyOut(offset, out.data(), n);
  for (std::size_t i = 0; i < n; ++i)
    if (out[i] != patternAt(offset + i)) return false;
  return true;
}

}  // namespace

class DecodedSpoolTest : public QObject {
  Q_OBJECT
 private slots:
  void inMemoryOnly();
  void spillsPastTheLimit();
  void readsWhileWriting();
  void refusesReadsPastTheEnd();
  void releasesWholeBlocksBehindAReader();
};

void DecodedSpoolTest::inMemoryOnly() {
  nz::DecodedSpool spool("a.nii.gz", 64 * kBlock, kBlock);
  writePattern(spool, 10 * kBlock + 123, 1000);
  QCOMPARE(spool.size(), std::uint64_t{10 * kBlock + 123});
  QCOMPARE(spool.blocksSpilled(), std::size_t{0});
  QVERIFY(matches(spool, 0, 10 * kBlock + 123));
  QVERIFY(matches(spool, kBlock - 7, 20));  // across a block boundary
}

void DecodedSpoolTest::spillsPastTheLimit() {
  nz::DecodedSpool spool("b.nii.gz", 3 * kBlock, kBlock);  // three blocks in memory
  const std::uint64_t total = 40 * kBlock + 17;
  writePattern(spool, total, 3000);
  // The helper spills in the background: wait until it has caught up with the limit.
  QTRY_VERIFY_WITH_TIMEOUT(spool.blocksSpilled() >= 40 - 3, 5000);
  QVERIFY(spool.blocksSpilled() <= 40);
  QVERIFY(matches(spool, 0, static_cast<std::size_t>(total)));  // file, then memory
  QVERIFY(matches(spool, 5 * kBlock - 3, 2 * kBlock + 6));      // spans three spilled blocks
  QVERIFY(matches(spool, total - 5, 5));
}

void DecodedSpoolTest::readsWhileWriting() {
  nz::DecodedSpool spool("c.nii.gz", 2 * kBlock, kBlock);
  const std::uint64_t total = 300 * kBlock;
  std::atomic<bool> ok{true};
  std::thread reader([&] {
    std::uint64_t checked = 0;
    std::vector<std::uint8_t> out(3 * kBlock);
    while (checked < total) {
      const std::uint64_t have = spool.size();
      if (have == checked) {
        std::this_thread::yield();
        continue;
      }
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(have - checked, out.size()));
      spool.copyOut(checked, out.data(), n);
      for (std::size_t i = 0; i < n; ++i)
        if (out[i] != patternAt(checked + i)) ok = false;
      checked += n;
    }
  });
  writePattern(spool, total, 1500);
  reader.join();
  QVERIFY(ok);
  QVERIFY(spool.blocksSpilled() > 0);
  QVERIFY(matches(spool, 0, static_cast<std::size_t>(total)));
}

void DecodedSpoolTest::refusesReadsPastTheEnd() {
  nz::DecodedSpool spool("https://host/d.nii.gz", 64 * kBlock, kBlock);
  writePattern(spool, 100, 100);
  std::uint8_t out[8];
  try {
    spool.copyOut(96, out, 8);
    QFAIL("a read past the decoded bytes was allowed");
  } catch (const nz::Error& e) {
    QCOMPARE(e.kind(), nz::ErrorKind::InvalidArgument);
    const QString what = QString::fromStdString(e.what());
    QVERIFY2(what.contains("https://host/d.nii.gz") && what.contains("100 decoded"),
             qPrintable(what));
  }
  QVERIFY(matches(spool, 92, 8));
}

void DecodedSpoolTest::releasesWholeBlocksBehindAReader() {
  nz::DecodedSpool spool("e.nii.gz", 64 * kBlock, kBlock);
  writePattern(spool, 10 * kBlock, 700);
  QCOMPARE(spool.release(5 * kBlock + kBlock / 2), std::uint64_t{5 * kBlock});  // whole blocks
  QVERIFY(matches(spool, 5 * kBlock, 5 * kBlock));
  std::uint8_t out[4];
  try {
    spool.copyOut(5 * kBlock - 2, out, 4);
    QFAIL("released bytes were read");
  } catch (const nz::Error& e) {
    QVERIFY2(QString::fromStdString(e.what()).contains("released"), e.what());
  }
  // The writer's block (the last) is never released; writing on reuses the released memory.
  QCOMPARE(spool.release(100 * kBlock), std::uint64_t{9 * kBlock});
  std::uint64_t at = spool.size();
  while (at < 30 * kBlock) {
    const std::span<std::uint8_t> room = spool.writable();
    const std::size_t n = std::min<std::size_t>(room.size(), 1000);
    for (std::size_t i = 0; i < n; ++i) room[i] = patternAt(at + i);
    spool.commit(n);
    at += n;
  }
  QVERIFY(matches(spool, 9 * kBlock, 21 * kBlock));
  QCOMPARE(spool.blocksSpilled(), std::size_t{0});
}

QTEST_GUILESS_MAIN(DecodedSpoolTest)
#include "tst_decoded_spool.moc"
