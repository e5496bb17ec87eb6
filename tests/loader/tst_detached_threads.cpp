// Counted detached threads (core/detached_threads.h): the count covers the work and everything
// it captured, so a process that waits for it before exiting runs no teardown concurrently with
// the destruction of static objects.
#include <QtTest>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "common/latch.h"
#include "core/detached_threads.h"

using namespace std::chrono_literals;

class TstDetachedThreads : public QObject {
  Q_OBJECT
 private slots:
  void waitCoversRunningWork() {
    QCOMPARE(nz::detachedThreadsRunning(), 0);
    nztest::Latch release(1), started(3);
    for (int i = 0; i < 3; ++i)
      nz::startDetached([&] {
        started.countDown();
        release.wait(30);
      });
    QVERIFY(started.wait(10));
    QCOMPARE(nz::detachedThreadsRunning(), 3);
    QVERIFY(!nz::waitForDetachedThreads(50ms));  // all three still blocked
    release.countDown();
    QVERIFY(nz::waitForDetachedThreads(10s));
    QCOMPARE(nz::detachedThreadsRunning(), 0);
  }

  void capturesAreReleasedInsideTheCount() {
    // The last owner of an object travels in the work's captures and is released on the
    // thread, after the work returns (as a retired loader's last store): its destructor must
    // have finished when the wait returns.
    std::atomic<bool> destroyed{false};
    std::atomic<int> seen{0};
    {
      std::shared_ptr<int> last(new int(7), [&destroyed](int* p) {
        std::this_thread::sleep_for(200ms);  // a slow teardown
        delete p;
        destroyed = true;
      });
      nz::startDetached([owner = std::move(last), &seen] { seen = *owner; });
    }
    QVERIFY(nz::waitForDetachedThreads(10s));
    QCOMPARE(seen.load(), 7);
    QVERIFY(destroyed.load());
  }

  void nothingRunningReturnsAtOnce() {
    const auto t0 = std::chrono::steady_clock::now();
    QVERIFY(nz::waitForDetachedThreads(10s));
    QVERIFY(std::chrono::steady_clock::now() - t0 < 5s);
  }
};

QTEST_GUILESS_MAIN(TstDetachedThreads)
#include "tst_detached_threads.moc"
