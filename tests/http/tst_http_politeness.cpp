// Polite, adaptive bursts (transfer_scheduler.h): Python's http.server with a listen backlog of 5
// (fixture "backlog_server") is never sent a burst of connects that overflows its accept queue,
// while nginx (keep-alive) gets the whole wave at once; the per-host limit's rules step by step.
#include <QtTest>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/latch.h"
#include "http/http_client.h"
#include "http/transfer_scheduler.h"
#include "http_test_util.h"

using namespace nz;
using namespace nztest;

namespace {

const char* kBacklog = "http://127.0.0.1:18097";

std::string backlogState() {
  const char* s = std::getenv("NZ_BACKLOG_STATE");
  return s ? s : std::string(NZ_BINARY_DIR) + "/test-servers/backlog";
}

// The kernel's count of connections dropped because a listen queue was full (all sockets).
std::uint64_t listenOverflows() {
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == "ListenOverflows") return std::stoull(value);
  }
  return 0;
}

using nztest::Latch;

struct WaveResult {
  int good = 0;
  HttpStats stats;
};

// n GETs of the backlog server's files, all submitted at once; counts correct bodies.
WaveResult backlogWave(HttpClient& client, int n) {
  Latch latch(n);
  std::atomic<int> good{0};
  for (int i = 0; i < n; ++i) {
    HttpRequest r;
    r.url = std::string(kBacklog) + "/f" + std::to_string(i % 64) + ".bin";
    const std::string path = backlogState() + "/files/f" + std::to_string(i % 64) + ".bin";
    client.send(std::move(r), {}, [&, path](HttpResponse resp) {
      if (resp.status == 200 && resp.body == readFile(path)) ++good;
      latch.countDown();
    });
  }
  if (!latch.wait(120)) return {};
  return {good.load(), client.stats()};
}

// n ranged GETs of 64 KiB of the 4 MiB blob at url, all submitted at once: how many came back
// right (206 with the blob's bytes), or -1 when they did not all complete within 60 s.
int blobRangeWave(HttpClient& client, const std::string& url, int n) {
  Latch latch(n);
  std::atomic<int> good{0};
  for (int i = 0; i < n; ++i) {
    HttpRequest r;
    r.url = url;
    r.range = ByteRange::span(static_cast<std::uint64_t>(i) * 65536, 65536);
    client.send(std::move(r), {}, [&, i](HttpResponse resp) {
      if (resp.status == 206 && resp.body == slice(blob(), std::size_t(i) * 65536, 65536)) ++good;
      latch.countDown();
    });
  }
  return latch.wait(60) ? good.load() : -1;
}

http::Transfer transferFor(const std::string& origin) {
  http::Transfer t;
  t.origin = origin;
  return t;
}

}  // namespace

class TestHttpPoliteness : public QObject {
  Q_OBJECT

 private slots:
  void smallBacklogServerNeverOverflows() {
    HttpOptions o;
    o.maxConcurrency = 128;
    HttpClient client(o);
    const std::uint64_t before = listenOverflows();
    WaveResult w = backlogWave(client, 256);
    const std::uint64_t overflows = listenOverflows() - before;
    QCOMPARE(w.good, 256);
    QCOMPARE(w.stats.retries, std::uint64_t(0));
    QCOMPARE(w.stats.slowConnects, std::uint64_t(0));
    QCOMPARE(overflows, std::uint64_t(0));
    // HTTP/1.0, one connection per request: the host keeps the initial burst size.
    QCOMPARE(w.stats.peakInFlight, std::uint64_t(o.initialHostConcurrency));
    QCOMPARE(w.stats.connections, std::uint64_t(256));
  }

  // The control: the same kind of server, bursting without the ramp, does overflow (so the
  // assertion above can fail), and every overflow costs a SYN resend.
  void burstWithoutRampOverflows() {
    HttpOptions o;
    o.maxConcurrency = 32;
    o.adaptiveConcurrency = false;
    HttpClient client(o);
    const std::uint64_t before = listenOverflows();
    WaveResult w = backlogWave(client, 32);
    QCOMPARE(w.good, 32);
    QVERIFY2(listenOverflows() - before > 0, "a burst of 32 connects did not overflow backlog 5");
    QVERIFY(w.stats.slowConnects > 0);
    // Far beyond the ramp's first burst. (Not always all 32: under ASan the first answers can
    // come back before the last requests are queued.)
    QVERIFY2(w.stats.peakInFlight > std::uint64_t(2 * o.initialHostConcurrency),
             qPrintable(QString("peak in flight %1").arg(w.stats.peakInFlight)));
  }

  // nginx keeps connections alive: after the first answer the host gets the full limit, so the
  // first wave already runs at full concurrency (server side: as many connections as that).
  void keepAliveHostReachesFullConcurrencyInTheFirstWave() {
    for (const bool tls : {false, true}) {
      HttpOptions o;
      o.maxConcurrency = 64;
      o.caFile = caFile();
      HttpClient client(o);
      const std::string url = std::string(tls ? kHttps : kHttp) + "/scratch/blob4m.bin";
      const int n = 64;
      QCOMPARE(blobRangeWave(client, url, n), n);
      const HttpStats s = client.stats();
      QCOMPARE(s.retries, std::uint64_t(0));
      if (tls) {
        // HTTP/2: the whole wave as streams on the first connections. (Until the first answer
        // says HTTP/2, the first burst's transfers do not wait for one connection: a few may
        // open their own, at most the burst.)
        QVERIFY2(s.connections <= std::uint64_t(o.initialHostConcurrency),
                 qPrintable(QString("%1 connections").arg(s.connections)));
        QCOMPARE(s.warmUsed, std::uint64_t(0));
      } else {
        // HTTP/1.1: 6 connections for the first burst, then the rest of the wave at once;
        // never more connections than transfers in flight.
        QVERIFY2(s.peakInFlight >= std::uint64_t(n - o.initialHostConcurrency),
                 qPrintable(QString("peak in flight %1").arg(s.peakInFlight)));
        QVERIFY(s.connections <= s.peakInFlight);
      }
    }
  }

  // No handshake in the chunk wave: the first answer from a keep-alive plain-http host warms
  // the pool, and the next wave rides those connections (it opens none of its own).
  void warmedConnectionsCarryTheFirstWave() {
    for (const int warm : {32, 0}) {
      HttpOptions o;
      o.maxConcurrency = 32;
      o.warmConnections = warm;
      o.completeFirstBurst = warm > 0;  // its own test below
      o.adaptiveConcurrency = false;    // the whole wave at once (the ramp has its own tests)
      HttpClient client(o);
      const std::string url = std::string(kHttp) + "/scratch/blob4m.bin";
      HttpRequest first;
      first.url = std::string(kHttp) + "/scratch/small.txt";
      QCOMPARE(client.sendSync(first).status, 200L);  // "the metadata"
      QCOMPARE(client.stats().connections, std::uint64_t(1));
      QTest::qWait(100);  // the rest of the metadata phase: warm connects complete meanwhile
      const int n = 32;
      QCOMPARE(blobRangeWave(client, url, n), n);
      const HttpStats s = client.stats();
      if (warm > 0) {
        QCOMPARE(s.warmOpened, std::uint64_t(n - 1));
        // Every connection the wave needed beyond the first one came from the warm pool.
        QCOMPARE(s.connections - s.warmUsed, std::uint64_t(1));
        // How many warm connections the wave takes varies from run to run (from none, when
        // the first connection carries it, to all): what holds is that it opens no other.
      } else {
        // Off: no warm connection is opened or used. (How many connections the wave opens
        // itself depends on how fast the first answers free theirs for the rest: from 1, when
        // requests are queued slower than localhost answers them, to 32.)
        QCOMPARE(s.warmOpened, std::uint64_t(0));
        QCOMPARE(s.warmUsed, std::uint64_t(0));
      }
    }
  }

  // Over TLS: an https host that answers over HTTP/1.1 (as S3 and Azure Blob do) has its
  // connections' TCP connect done ahead of the wave too; one that speaks HTTP/2 carries the
  // wave on its one connection, and nothing is warmed for it.
  void warmedTlsConnectionsCarryTheFirstWave() {
    for (const bool http2 : {false, true}) {
      HttpOptions o;
      o.caFile = caFile();
      o.maxConcurrency = 32;
      o.adaptiveConcurrency = false;
      HttpClient client(o);
      const std::string base = http2 ? kHttps : kHttps11;
      HttpRequest first;
      first.url = base + "/scratch/small.txt";
      const HttpResponse r = client.sendSync(first);
      QCOMPARE(r.status, 200L);
      QCOMPARE(client.stats().connections, std::uint64_t(1));
      QTest::qWait(100);
      const int n = 32;
      QCOMPARE(blobRangeWave(client, base + "/scratch/blob4m.bin", n), n);
      const HttpStats s = client.stats();
      if (!http2) {
        // The first burst's spares, then the pool topped up to warm_connections.
        QVERIFY(s.warmOpened >= std::uint64_t(o.warmConnections - 1));
        // Every connection the wave needed beyond the first came from the warm pool. (How many
        // it takes varies: none, once in a while, when localhost answers the first connection's
        // requests as fast as they are queued.)
        QCOMPARE(s.connections - s.warmUsed, std::uint64_t(1));
      } else {
        // At most the first burst's spares (the protocol was not known yet), no pool after the
        // answer said HTTP/2, and the wave on the one connection.
        QVERIFY2(s.warmOpened < std::uint64_t(o.initialHostConcurrency),
                 qPrintable(QString("%1 warmed").arg(s.warmOpened)));
        QCOMPARE(s.warmUsed, std::uint64_t(0));
        QCOMPARE(s.connections, std::uint64_t(1));
      }
    }
  }

  // The first burst to a fresh host is completed with spares to the ramp's opening allowance,
  // so a second wave one larger than the first (a dataset's levels plus its header chunk, after
  // five metadata reads) finds every connection it needs already connected.
  void firstBurstIsCompletedWithSpares() {
    for (const bool complete : {true, false}) {
      HttpOptions o;
      o.warmConnections = 0;  // only the first burst
      o.completeFirstBurst = complete;
      HttpClient client(o);
      QCOMPARE(o.initialHostConcurrency, 6);
      HttpRequest first;
      first.url = std::string(kHttp) + "/scratch/small.txt";
      const HttpResponse firstAnswer = client.sendSync(first);
      QVERIFY2(firstAnswer.status == 200, firstAnswer.transportError.c_str());
      QTest::qWait(100);  // the burst's window (5 ms) and the spares' connects
      QCOMPARE(client.stats().warmOpened, std::uint64_t(complete ? 5 : 0));
      const std::string url = std::string(kHttp) + "/scratch/blob4m.bin";
      QCOMPARE(blobRangeWave(client, url, 6), 6);
      const HttpStats s = client.stats();
      if (complete) {
        // Whatever the wave needed beyond the first connection came from the spares.
        QCOMPARE(s.connections - s.warmUsed, std::uint64_t(1));
        QVERIFY(s.warmUsed <= 5);
      } else {
        QCOMPARE(s.warmUsed, std::uint64_t(0));
      }
    }
  }

  // The per-host limit, rule by rule.
  void hostLimitRules() {
    http::TransferScheduler s(64, 6, true);
    const std::string a = "http://a:80", b = "http://b:80";
    QCOMPARE(s.hostLimit(a), 6);
    http::Transfer ta = transferFor(a), tb = transferFor(b);
    auto answer = [](bool keepsAlive, double ttfb) {
      http::HostSignal sig;
      sig.answered = true;
      sig.keepsAlive = keepsAlive;
      sig.ttfbSeconds = ttfb;
      return sig;
    };
    // A keep-alive answer opens the host fully; one that closes its connection does not.
    s.started(ta);
    s.ended(ta, answer(true, 0.05));
    QCOMPARE(s.hostLimit(a), 64);
    s.started(tb);
    s.ended(tb, answer(false, 0.05));
    QCOMPARE(s.hostLimit(b), 6);
    for (int i = 0; i < 50; ++i) {
      s.started(tb);
      s.ended(tb, answer(false, 0.05));
    }
    QCOMPARE(s.hostLimit(b), 6);
    // Congestion halves, once per round trip however many answers report it.
    http::HostSignal congested;
    congested.answered = true;
    congested.congested = true;
    for (int i = 0; i < 10; ++i) {
      s.started(ta);
      s.ended(ta, congested);
    }
    QCOMPARE(s.hostLimit(a), 32);
    // Clean answers with a flat latency grow it back by one per round (limit answers) ...
    for (int i = 0; i < 40; ++i) {
      s.started(ta);
      s.ended(ta, answer(true, 0.05));
    }
    QCOMPARE(s.hostLimit(a), 33);
    // ... but not when their first byte comes much later than the host's best.
    for (int i = 0; i < 100; ++i) {
      s.started(ta);
      s.ended(ta, answer(true, 0.5));
    }
    QCOMPARE(s.hostLimit(a), 33);
    // Congestion at first contact: halved, then slow start (one more per clean answer).
    const std::string c = "http://c:80";
    http::Transfer tc = transferFor(c);
    s.started(tc);
    s.ended(tc, congested);
    QCOMPARE(s.hostLimit(c), 3);
    for (int i = 0; i < 10; ++i) {
      s.started(tc);
      s.ended(tc, answer(true, 0.05));
    }
    QCOMPARE(s.hostLimit(c), 13);
    // Without the ramp every host gets the full limit.
    http::TransferScheduler off(64, 6, false);
    QCOMPARE(off.hostLimit(a), 64);
    // The ramp is per host: b's limit never moved a's, and waiting transfers of a full host
    // do not block another host's.
    QCOMPARE(s.hostLimit(b), 6);
  }
};

QTEST_GUILESS_MAIN(TestHttpPoliteness)
#include "tst_http_politeness.moc"
