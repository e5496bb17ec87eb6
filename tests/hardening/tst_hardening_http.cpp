// The HTTP client against a hostile server started by this test (tests/hardening/
// hostile_server.py on a free 127.0.0.1 port): redirects to other schemes, 200 for a Range
// request with an endless body, endless chunked bodies, 1 byte/s trickles, a body that never
// ends, Retry-After: 3600, Content-Encoding. Every case ends with correct data or one clear
// error, within a bounded time and memory.
#include <QProcess>
#include <QtTest>
#include <chrono>

#include "http/http_client.h"
#include "http/http_util.h"

using namespace nz;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

HttpOptions quick() {
  HttpOptions o;
  o.initialBackoffSeconds = 0.05;
  o.maxBackoffSeconds = 0.2;
  o.stallTimeoutSeconds = 5;
  o.connectTimeoutSeconds = 5;
  o.maxRetries = 0;
  return o;
}

}  // namespace

class HardeningHttp : public QObject {
  Q_OBJECT
  QProcess server_;
  std::string base_;

  HttpResponse get(const std::string& path, HttpOptions o = quick(),
                   std::optional<ByteRange> range = std::nullopt) {
    HttpClient client(o);
    HttpRequest r;
    r.url = base_ + path;
    r.range = range;
    return client.sendSync(r);
  }

 private slots:
  void initTestCase() {
    server_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server_.start("python3", {QString(NZ_SOURCE_DIR) + "/tests/hardening/hostile_server.py"});
    QVERIFY(server_.waitForStarted(5000));
    QVERIFY(server_.waitForReadyRead(10000));
    const QString line = QString::fromUtf8(server_.readLine()).trimmed();
    QVERIFY2(line.startsWith("PORT "), qPrintable(line));
    base_ = "http://127.0.0.1:" + line.mid(5).toStdString();
  }

  void cleanupTestCase() {
    server_.kill();
    server_.waitForFinished(5000);
  }

  void onlyHttpAndHttpsAreFetched() {
    for (const char* path : {"/redirect-gopher", "/redirect-file"}) {
      const auto t0 = std::chrono::steady_clock::now();
      HttpResponse r = get(path);
      QCOMPARE(r.status, 0L);
      QVERIFY2(r.transportError.find("only http and https") != std::string::npos,
               r.transportError.c_str());
      QVERIFY(r.body.empty());
      QVERIFY(since(t0) < 5);
    }
    HttpClient client(quick());
    HttpRequest direct;
    direct.url = "file:///etc/hostname";
    HttpResponse r = client.sendSync(direct);
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("'file'") != std::string::npos, r.transportError.c_str());
    // The downgrade rule (no https server here: the rule itself, as the redirect code uses it).
    QVERIFY(http::schemeProblem("http://a/x", "https://a/y").find("https to http") !=
            std::string::npos);
    QVERIFY(http::schemeProblem("https://a/x", "http://a/y").empty());
    QVERIFY(http::schemeProblem("HTTPS://a/x").empty());
    QVERIFY(!http::schemeProblem("gopher://a/x").empty());
    QVERIFY(!http::schemeProblem("dict://a/x", "http://a").empty());
  }

  void rangeAnsweredWith200ReadsOnlyTheRange() {
    // The server ignores Range and streams forever: the client keeps the 16 bytes asked for
    // and stops reading after them.
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = get("/endless-200", quick(), ByteRange::span(1000, 16));
    QCOMPARE(r.status, 200L);
    QCOMPARE(r.body.size(), std::size_t{16});
    for (std::size_t i = 0; i < 16; ++i) QCOMPARE(int(r.body[i]), int((1000 + i) % 256));
    QVERIFY(since(t0) < 5);
    // The same through a redirect, and for a 256 MiB object sent whole with its length.
    r = get("/redirect-endless", quick(), ByteRange::span(5, 3));
    QCOMPARE(r.status, 200L);
    QCOMPARE(r.body, (Bytes{5, 6, 7}));
    r = get("/big-200-for-range", quick(), ByteRange::span(300, 2));
    QCOMPARE(r.status, 200L);
    QCOMPARE(r.body, (Bytes{300 % 256, 301 % 256}));
  }

  void endlessBodiesAreCapped() {
    HttpOptions o = quick();
    o.maxBodyBytes = 4u << 20;
    for (const char* path : {"/endless-chunked", "/redirect-endless"}) {
      const auto t0 = std::chrono::steady_clock::now();
      HttpResponse r = get(path, o);
      QCOMPARE(r.status, 0L);
      QVERIFY2(r.transportError.find("4194304-byte body limit") != std::string::npos,
               r.transportError.c_str());
      QVERIFY(r.body.empty());
      QVERIFY(since(t0) < 10);
    }
    // An endless error page is cut to a short prefix: the status still arrives.
    HttpResponse r = get("/huge-error", o);
    QCOMPARE(r.status, 500L);
    QCOMPARE(r.body.size(), std::size_t{1} << 20);
  }

  void trickleTripsTheMinimumThroughput() {
    HttpOptions o = quick();
    o.stallTimeoutSeconds = 1.5;  // also the throughput window
    o.minBytesPerSecond = 100;
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = get("/trickle", o);
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("too slow") != std::string::npos, r.transportError.c_str());
    QVERIFY2(r.transportError.find("http.min_speed") != std::string::npos,
             r.transportError.c_str());
    QVERIFY(since(t0) < 6);
  }

  void requestDeadlineEndsABodyThatNeverEnds() {
    HttpOptions o = quick();
    o.minBytesPerSecond = 0;
    o.requestDeadlineSeconds = 2;
    o.maxRetries = 5;
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = get("/silent-after-headers", o);
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("2 s request deadline") != std::string::npos,
             r.transportError.c_str());
    QVERIFY(since(t0) > 1.9);
    QVERIFY(since(t0) < 5);
  }

  void retryAfterAnHourFailsAtOnceAndSaysSo() {
    HttpOptions o = quick();
    o.maxRetries = 5;
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = get("/retry-after-hour", o);
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("503 Service Unavailable") != std::string::npos,
             r.transportError.c_str());
    QVERIFY2(r.transportError.find("asked to wait 3600 s") != std::string::npos,
             r.transportError.c_str());
    QCOMPARE(r.attempts, 1);
    QVERIFY(since(t0) < 3);
  }

  void totalRetryTimeIsCapped() {
    HttpOptions o = quick();
    o.maxRetries = 1000;
    // 2 s: room for several attempts even when a sanitizer build on a loaded machine makes the
    // first one slow (with 1 s it sometimes made only one).
    o.maxRetryTotalSeconds = 2;
    const auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = get("/always-503", o);
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("gave up retrying") != std::string::npos,
             r.transportError.c_str());
    QVERIFY2(r.attempts > 1, std::to_string(r.attempts).c_str());
    QVERIFY(since(t0) < 4);
  }

  void contentEncodingIsDecodedOrNamed() {
    HttpResponse r = get("/gzip-json");
    QCOMPARE(r.status, 200L);
    QCOMPARE(std::string(r.body.begin(), r.body.end()), std::string("{\"zarr_format\": 2}"));
    r = get("/br-json");
    QCOMPARE(r.status, 0L);
    QVERIFY2(r.transportError.find("Content-Encoding: br") != std::string::npos,
             r.transportError.c_str());
  }
};

QTEST_GUILESS_MAIN(HardeningHttp)
#include "tst_hardening_http.moc"
