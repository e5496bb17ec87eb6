// HttpClient against the private nginx and the fault proxy: ranges, concurrency, connection
// reuse, TLS trust, cancellation, retries for every injected fault (correct data or a clear
// error within a bounded time, never wrong data), header hygiene across redirects.
#include <QtTest>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "common/latch.h"
#include "http/http_client.h"
#include "http_test_util.h"

using namespace nz;
using namespace nztest;

namespace {

HttpOptions fastOptions() {
  HttpOptions o;
  o.initialBackoffSeconds = 0.05;
  o.maxBackoffSeconds = 0.5;
  o.stallTimeoutSeconds = 1;
  o.connectTimeoutSeconds = 5;
  return o;
}

HttpRequest get(const std::string& url, std::optional<ByteRange> range = std::nullopt) {
  HttpRequest r;
  r.url = url;
  r.range = range;
  return r;
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

using nztest::Latch;

}  // namespace

class TestHttpClient : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY2(blob().size() == (4u << 20), "fixture blob missing"); }

  void rangedReads() {
    HttpClient client(fastOptions());
    const std::string url = std::string(kHttp) + "/scratch/blob4m.bin";
    auto r = client.sendSync(get(url, ByteRange::span(1000, 5000)));
    QCOMPARE(r.status, 206L);
    QVERIFY(r.body == slice(blob(), 1000, 5000));
    QCOMPARE(r.header("content-range").value_or(""), std::string("bytes 1000-5999/4194304"));

    r = client.sendSync(get(url, ByteRange::suffix(100)));
    QCOMPARE(r.status, 206L);
    QVERIFY(r.body == slice(blob(), blob().size() - 100, 100));

    r = client.sendSync(get(url, ByteRange::span(blob().size() - 10, 100)));  // clipped at EOF
    QCOMPARE(r.status, 206L);
    QVERIFY(r.body == slice(blob(), blob().size() - 10, 10));

    r = client.sendSync(get(url, ByteRange{4096, std::nullopt, std::nullopt}));  // open-ended
    QVERIFY(r.body == slice(blob(), 4096, blob().size() - 4096));

    r = client.sendSync(get(url));
    QCOMPARE(r.status, 200L);
    QVERIFY(r.body == blob());

    r = client.sendSync(get(std::string(kHttp) + "/scratch/small.txt", ByteRange::suffix(1000)));
    QCOMPARE(text(r.body), std::string("0123456789abcdefghijklmnopqrstuvwxyz"));

    r = client.sendSync(get(std::string(kHttp) + "/scratch/missing.bin"));
    QCOMPARE(r.status, 404L);
    QCOMPARE(r.attempts, 1);
  }

  void manyConcurrentReadsReuseConnections() {
    HttpOptions o = fastOptions();
    o.maxConcurrency = 16;
    HttpClient client(o);
    const std::string url = std::string(kHttp) + "/scratch/blob4m.bin";
    const int n = 200;
    std::mt19937 rng(7);
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (int i = 0; i < n; ++i) {
      std::size_t off = rng() % (blob().size() - 70000);
      ranges.emplace_back(off, 1 + rng() % 65536);
    }
    Latch latch(n);
    std::atomic<int> good{0};
    for (int i = 0; i < n; ++i) {
      auto [off, len] = ranges[i];
      client.send(get(url, ByteRange::span(off, len)), {},
                  [&, off = off, len = len](HttpResponse r) {
                    if (r.status == 206 && r.body == slice(blob(), off, len)) ++good;
                    latch.countDown();
                  });
    }
    QVERIFY(latch.wait(60));
    QCOMPARE(good.load(), n);
    HttpStats s = client.stats();
    QCOMPARE(s.requests, std::uint64_t(n));
    QCOMPARE(s.retries, std::uint64_t(0));
    // At most one connection per transfer slot: the rest of the 200 requests reuse them.
    QVERIFY2(s.connections <= std::uint64_t(o.maxConcurrency),
             qPrintable(QString("connections %1").arg(s.connections)));

    // Sequential requests ride one connection.
    HttpClient seq(fastOptions());
    for (int i = 0; i < 20; ++i)
      QCOMPARE(seq.sendSync(get(url, ByteRange::span(i * 100, 100))).status, 206L);
    QCOMPARE(seq.stats().connections, std::uint64_t(1));
  }

  void httpsTrustAndHttp2() {
    const std::string url = std::string(kHttps) + "/scratch/blob4m.bin";
    {
      // Default verification rejects the test CA's certificate, with no retry.
      HttpOptions o = fastOptions();
      o.caFile = "/etc/ssl/certs/ca-certificates.crt";
      HttpClient client(o);
      Stopwatch sw;
      auto r = client.sendSync(get(url, ByteRange::span(0, 10)));
      QCOMPARE(r.status, 0L);
      QCOMPARE(r.attempts, 1);
      QVERIFY2(r.transportError.find("certificate") != std::string::npos, r.transportError.c_str());
      QVERIFY(r.body.empty());
      QVERIFY(sw.seconds() < 5);
    }
    {
      HttpClient client(fastOptions());  // system default bundle: also rejected
      auto r = client.sendSync(get(url, ByteRange::span(0, 10)));
      QCOMPARE(r.status, 0L);
    }
    {
      HttpOptions o = fastOptions();
      o.caFile = caFile();
      o.maxConcurrency = 8;
      HttpClient client(o);
      Latch latch(40);
      std::atomic<int> good{0};
      for (int i = 0; i < 40; ++i)
        client.send(get(url, ByteRange::span(i * 1000, 777)), {}, [&, i](HttpResponse r) {
          if (r.status == 206 && r.body == slice(blob(), i * 1000, 777)) ++good;
          latch.countDown();
        });
      QVERIFY(latch.wait(30));
      QCOMPARE(good.load(), 40);
      // HTTP/2 multiplexes the streams on the connections of the first burst (its transfers do
      // not wait to learn the protocol: an HTTP/1.1 server would make them wait a round trip
      // each), whatever the wave's size.
      QVERIFY2(client.stats().connections <= std::uint64_t(o.initialHostConcurrency),
               qPrintable(QString("%1 connections").arg(client.stats().connections)));
    }
    {
      HttpOptions o = fastOptions();
      o.insecure = true;
      HttpClient client(o);
      QCOMPARE(client.sendSync(get(url, ByteRange::span(0, 10))).status, 206L);
    }
  }

  void extraHeadersOnlyToOrigin() {
    HttpOptions o = fastOptions();
    o.extraHeaders = {{"X-Nz-Test", "hello"}};
    HttpClient client(o);
    HttpRequest req = get(std::string(kHttp) + "/echo-headers");
    req.headers = {{"Authorization", "Bearer secret"}};
    auto r = client.sendSync(req);
    QCOMPARE(text(r.body), std::string("x-nz-test=hello;authorization=Bearer secret;"));

    // Redirect to another origin (localhost): neither header follows.
    req.url = std::string(kHttp) + "/redirect-other/x";
    r = client.sendSync(req);
    QCOMPARE(r.status, 200L);
    QCOMPARE(text(r.body), std::string("x-nz-test=;authorization=;"));

    // Same-origin redirect is followed with the data intact.
    r = client.sendSync(
        get(std::string(kHttp) + "/redirect-same/blob4m.bin", ByteRange::span(5, 50)));
    QCOMPARE(r.status, 206L);
    QVERIFY(r.body == slice(blob(), 5, 50));

    HttpRequest noFollow = get(std::string(kHttp) + "/redirect-same/blob4m.bin");
    noFollow.followRedirects = false;
    QCOMPARE(client.sendSync(noFollow).status, 302L);
  }

  void signCalledBeforeEveryAttempt() {
    HttpClient client(fastOptions());
    std::atomic<int> calls{0};
    HttpRequest req = get(std::string(kFault) + "/f/503-2/" + token() + "/echo-headers");
    req.sign = [&calls](HttpRequest& r) {
      ++calls;
      r.headers.emplace_back("X-Nz-Test", "attempt" + std::to_string(calls.load()));
    };
    auto r = client.sendSync(req);
    QCOMPARE(r.status, 200L);
    QCOMPARE(r.attempts, 3);
    QCOMPARE(calls.load(), 3);
    QCOMPARE(text(r.body), std::string("x-nz-test=attempt3;authorization=;"));
  }

  void retriesGiveCorrectData_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<double>("minSeconds");
    QTest::addColumn<double>("maxSeconds");
    QTest::newRow("500 twice") << "500-2" << 0.0 << 5.0;
    QTest::newRow("503 three times") << "503-3" << 0.0 << 5.0;
    QTest::newRow("502 once") << "502-1" << 0.0 << 5.0;
    QTest::newRow("429 Retry-After 1") << "429-1-1" << 0.9 << 5.0;
    QTest::newRow("reset mid-body") << "reset-2" << 0.0 << 5.0;
    QTest::newRow("body shorter than Content-Length") << "short-2" << 0.0 << 5.0;
    QTest::newRow("stalled body") << "stall-1-60" << 0.9 << 8.0;
    QTest::newRow("stalled before headers") << "stallhead-1-60" << 0.9 << 8.0;
    QTest::newRow("wrong Content-Range") << "badrange-2" << 0.0 << 5.0;
    QTest::newRow("Content-Range longer than body") << "liarange-1" << 0.0 << 5.0;
  }
  void retriesGiveCorrectData() {
    QFETCH(QString, fault);
    QFETCH(double, minSeconds);
    QFETCH(double, maxSeconds);
    HttpClient client(fastOptions());
    const std::string url =
        std::string(kFault) + "/f/" + fault.toStdString() + "/" + token() + "/scratch/blob4m.bin";
    Stopwatch sw;
    auto r = client.sendSync(get(url, ByteRange::span(123456, 200000)));
    double t = sw.seconds();
    QCOMPARE(r.status, 206L);
    QVERIFY(r.body == slice(blob(), 123456, 200000));
    QVERIFY(r.attempts >= 2);
    QVERIFY2(t >= minSeconds && t <= maxSeconds, qPrintable(QString("elapsed %1 s").arg(t)));
    QVERIFY(client.stats().retries >= 1);
  }

  void persistentFaultsGiveClearErrors_data() {
    QTest::addColumn<QString>("fault");
    QTest::addColumn<long>("status");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("503 forever") << "503-100" << 503L << "";
    QTest::newRow("reset forever") << "reset-100" << 0L << "";
    QTest::newRow("short forever") << "short-100" << 0L << "";
    QTest::newRow("stall forever") << "stall-100-60" << 0L << "";
    QTest::newRow("bad Content-Range forever") << "badrange-100" << 0L << "Content-Range";
  }
  void persistentFaultsGiveClearErrors() {
    QFETCH(QString, fault);
    QFETCH(long, status);
    QFETCH(QString, errorPart);
    HttpOptions o = fastOptions();
    o.maxRetries = 2;
    HttpClient client(o);
    const std::string url =
        std::string(kFault) + "/f/" + fault.toStdString() + "/" + token() + "/scratch/blob4m.bin";
    Stopwatch sw;
    auto r = client.sendSync(get(url, ByteRange::span(1000, 100000)));
    QVERIFY2(sw.seconds() < 12, qPrintable(QString("elapsed %1 s").arg(sw.seconds())));
    QCOMPARE(r.status, status);
    QCOMPARE(r.attempts, 3);
    QVERIFY(r.body.empty() || r.status != 206);  // never data
    if (status == 0) QVERIFY(!r.transportError.empty());
    QVERIFY2(r.transportError.find(errorPart.toStdString()) != std::string::npos,
             r.transportError.c_str());
  }

  void retryAfterIsHonoured() {
    HttpOptions o = fastOptions();
    HttpClient client(o);
    Stopwatch sw;
    auto r =
        client.sendSync(get(std::string(kFault) + "/f/429-2-1/" + token() + "/scratch/small.txt"));
    QCOMPARE(r.status, 200L);
    QCOMPARE(r.attempts, 3);
    QVERIFY2(sw.seconds() >= 1.9 && sw.seconds() < 6, qPrintable(QString::number(sw.seconds())));
  }

  // On plain http nothing multiplexes, so a slow first answer must not hold back the rest of a
  // wave on the same origin (curl's PIPEWAIT would queue them behind it to probe for HTTP/2).
  void slowFirstAnswerDoesNotHoldBackOthers() {
    HttpOptions o = fastOptions();
    o.stallTimeoutSeconds = 60;
    HttpClient client(o);
    Latch slow(1), rest(6);
    std::atomic<int> good{0};
    Stopwatch sw;
    client.send(get(std::string(kFault) + "/f/stallhead-1-2/" + token() + "/scratch/small.txt"), {},
                [&](HttpResponse) { slow.countDown(); });
    double lastDone = 0;
    std::mutex m;
    for (int i = 0; i < 6; ++i)
      client.send(get(std::string(kFault) + "/scratch/blob4m.bin", ByteRange::span(i * 100, 10)),
                  {}, [&, i](HttpResponse r) {
                    if (r.status == 206 && r.body == slice(blob(), i * 100, 10)) ++good;
                    std::lock_guard lock(m);
                    lastDone = sw.seconds();
                    rest.countDown();
                  });
    QVERIFY(rest.wait(10));
    QCOMPARE(good.load(), 6);
    QVERIFY2(lastDone < 1.5,
             qPrintable(QString("others waited %1 s for the stalled one").arg(lastDone)));
    QVERIFY(slow.wait(10));
  }

  void cancelWhileQueuedAndInFlight() {
    HttpOptions o = fastOptions();
    o.maxConcurrency = 1;
    o.stallTimeoutSeconds = 60;
    HttpClient client(o);
    CancelSource first;
    Latch latch(11);
    std::atomic<int> cancelled{0};
    Stopwatch sw;
    // One stalled transfer occupies the only slot; ten more wait in the queue.
    client.send(get(std::string(kFault) + "/f/stallhead-1-60/" + token() + "/scratch/small.txt"),
                first.token(), [&](HttpResponse r) {
                  if (r.cancelled) ++cancelled;
                  latch.countDown();
                });
    CancelSource queued;
    for (int i = 0; i < 10; ++i)
      client.send(get(std::string(kHttp) + "/scratch/small.txt"), queued.token(),
                  [&](HttpResponse r) {
                    if (r.cancelled) ++cancelled;
                    latch.countDown();
                  });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    queued.cancel();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    first.cancel();
    QVERIFY(latch.wait(5));
    QCOMPARE(cancelled.load(), 11);
    QVERIFY(sw.seconds() < 3);
    // The client still works afterwards.
    QCOMPARE(client.sendSync(get(std::string(kHttp) + "/scratch/small.txt")).status, 200L);

    // A token cancelled before sending never reaches the network.
    CancelSource pre;
    pre.cancel();
    auto before = client.stats().requests;
    auto r = client.sendSync(get(std::string(kHttp) + "/scratch/small.txt"), pre.token());
    QVERIFY(r.cancelled);
    QCOMPARE(client.stats().requests, before);
  }

  void destructorCompletesPendingTransfers() {
    std::atomic<int> done{0};
    {
      HttpOptions o = fastOptions();
      o.maxConcurrency = 2;
      o.stallTimeoutSeconds = 60;
      HttpClient client(o);
      for (int i = 0; i < 5; ++i)
        client.send(
            get(std::string(kFault) + "/f/stallhead-1-60/" + token() + "/scratch/small.txt"), {},
            [&](HttpResponse r) {
              if (r.cancelled) ++done;
            });
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    QCOMPARE(done.load(), 5);
  }

  void connectionRefusedIsBounded() {
    HttpOptions o = fastOptions();
    o.maxRetries = 2;
    HttpClient client(o);
    Stopwatch sw;
    auto r = client.sendSync(get("http://127.0.0.1:1/x"));
    QCOMPARE(r.status, 0L);
    QCOMPARE(r.attempts, 3);
    QVERIFY(!r.transportError.empty());
    QVERIFY(sw.seconds() < 5);
  }
};

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_http_client.moc"
