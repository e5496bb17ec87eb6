// The http(s):// store (openStore) against the private nginx: ranges, Missing, 403 message,
// sizes, PUT/DELETE where allowed and a clear Unsupported where not, TLS, headers, stats.
#include <QtTest>
#include <future>
#include <thread>

#include "http/http_store.h"
#include "http_test_util.h"
#include "open/store_factory.h"
#include "uri/uri.h"

using namespace nz;
using namespace nztest;

namespace {
std::shared_ptr<Store> open(const std::string& uri, StoreOptions o = {}) {
  return openStore(parseUri(uri), o);
}
std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }
}  // namespace

class TestHttpStore : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY2(blob().size() == (4u << 20), "fixture blob missing"); }

  void rangedReads() {
    auto store = open(std::string(kHttp) + "/scratch/");
    QCOMPARE(store->describe(), std::string("http://127.0.0.1:18080/scratch"));
    auto r = store->read("blob4m.bin", ByteRange::span(77, 1000));
    QVERIFY(r.ok());
    QVERIFY(r.data == slice(blob(), 77, 1000));
    QCOMPARE(r.totalSize.value_or(0), std::uint64_t(4u << 20));
    r = store->read("blob4m.bin", ByteRange::suffix(4096));
    QVERIFY(r.ok());
    QVERIFY(r.data == slice(blob(), blob().size() - 4096, 4096));
    r = store->read("blob4m.bin");
    QVERIFY(r.ok());
    QVERIFY(r.data == blob());
    QCOMPARE(r.totalSize.value_or(0), std::uint64_t(4u << 20));
    r = store->read("blob4m.bin", ByteRange::span(10, 0));  // empty range: existence only
    QVERIFY(r.ok());
    QVERIFY(r.data.empty());
    QCOMPARE(store->size("blob4m.bin").value_or(0), std::uint64_t(4u << 20));
    QCOMPARE(store->size("small.txt").value_or(0), std::uint64_t(36));

    auto many = store->readMany({"small.txt", "nope", "blob4m.bin"});
    QVERIFY(many[0].ok() && text(many[0].data) == "0123456789abcdefghijklmnopqrstuvwxyz");
    QVERIFY(many[1].missing());
    QVERIFY(many[2].ok() && many[2].data == blob());
  }

  void missingAndGone() {
    auto store = open(std::string(kHttp) + "/scratch");
    QVERIFY(store->read("does/not/exist.bin").missing());
    QVERIFY(!store->size("does/not/exist.bin"));
    QVERIFY(store->read("does-not-exist", ByteRange::span(0, 0)).missing());
    auto gone = open(std::string(kHttp) + "/gone");
    QVERIFY(gone->read("x").missing());
  }

  void forbiddenIsPermissionDenied() {
    auto store = open(std::string(kHttp) + "/forbidden/scan.nii.zarr");
    auto r = store->read(".zattrs");
    QCOMPARE(r.status, ReadResult::Status::Error);
    QCOMPARE(r.errorKind.value_or(ErrorKind::Io), ErrorKind::PermissionDenied);
    QCOMPARE(
        r.error,
        std::string("403 Forbidden from http://127.0.0.1:18080/forbidden/scan.nii.zarr/.zattrs"));
    try {
      store->size(".zattrs");
      QFAIL("no exception");
    } catch (const Error& e) {
      QCOMPARE(e.kind(), ErrorKind::PermissionDenied);
    }
    // Secrets in the query never show up in messages.
    auto sas = open(std::string(kHttp) + "/forbidden/scan?sv=1&sig=TOPSECRET");
    auto r2 = sas->read("a");
    QVERIFY2(r2.error.find("TOPSECRET") == std::string::npos, r2.error.c_str());
    QVERIFY(sas->describe().find("TOPSECRET") == std::string::npos);
  }

  void pastTheEndIsInvalidData() {
    auto store = open(std::string(kHttp) + "/scratch");
    auto r = store->read("small.txt", ByteRange::span(100, 10));
    QCOMPARE(r.status, ReadResult::Status::Error);
    QCOMPARE(r.errorKind.value_or(ErrorKind::Io), ErrorKind::InvalidData);
    QVERIFY2(r.error.find("small.txt") != std::string::npos, r.error.c_str());
  }

  void writeAndRemove() {
    auto store = open(std::string(kHttp) + "/scratch");
    const std::string key = "written/" + token() + "/0/c/1/2/3";
    Bytes data = slice(blob(), 999, 70000);
    store->write(key, data);
    auto r = store->read(key);
    QVERIFY(r.ok());
    QVERIFY(r.data == data);
    store->remove(key);
    QVERIFY(store->read(key).missing());
    store->remove(key);  // a missing key is not an error

    auto ro = open(std::string(kHttp) + "/readonly");
    try {
      ro->write("x.bin", data);
      QFAIL("no exception");
    } catch (const Error& e) {
      QCOMPARE(e.kind(), ErrorKind::Unsupported);
      QVERIFY2(
          std::string(e.what()).find("http://127.0.0.1:18080/readonly/x.bin") != std::string::npos,
          e.what());
    }
  }

  void httpsNeedsTrust() {
    StoreOptions trusted;
    trusted.caFile = caFile();
    auto store = open(std::string(kHttps) + "/scratch", trusted);
    auto r = store->read("blob4m.bin", ByteRange::span(4000, 4000));
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.data == slice(blob(), 4000, 4000));

    StoreOptions plain;
    plain.caFile = "/etc/ssl/certs/ca-certificates.crt";
    auto untrusted = open(std::string(kHttps) + "/scratch", plain);
    r = untrusted->read("blob4m.bin", ByteRange::span(0, 10));
    QCOMPARE(r.status, ReadResult::Status::Error);
    QCOMPARE(r.errorKind.value_or(ErrorKind::Io), ErrorKind::Network);
    QVERIFY2(r.error.find("certificate") != std::string::npos, r.error.c_str());
    QVERIFY2(r.error.find("https://127.0.0.1:18443/scratch/blob4m.bin") != std::string::npos,
             r.error.c_str());

    StoreOptions insecure;
    insecure.insecure = true;
    QVERIFY(open(std::string(kHttps) + "/scratch", insecure)->read("small.txt").ok());
  }

  void extraHeaderSent() {
    StoreOptions o;
    o.headers = {"X-Nz-Test: from-cli"};
    auto store = open(kHttp, o);
    auto r = store->read("echo-headers");
    QVERIFY(r.ok());
    QCOMPARE(text(r.data), std::string("x-nz-test=from-cli;authorization=;"));
    StoreOptions bad;
    bad.headers = {"no colon here"};
    QVERIFY_THROWS_EXCEPTION(Error, open(kHttp, bad));
  }

  void retriesAndStats() {
    StoreOptions o;
    o.extra["http.stall_timeout"] = "1";
    auto store = open(std::string(kFault) + "/f/503-2/" + token() + "/scratch", o);
    auto r = store->read("blob4m.bin", ByteRange::span(5, 5000));
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.data == slice(blob(), 5, 5000));
    StoreStats s = store->stats();
    QCOMPARE(s.requests, std::uint64_t(3));
    QCOMPARE(s.retries, std::uint64_t(2));
    QCOMPARE(s.bytesReceived, std::uint64_t(5000));

    o.extra["http.max_retries"] = "1";
    auto broken = open(std::string(kFault) + "/f/reset-100/" + token() + "/scratch", o);
    r = broken->read("blob4m.bin", ByteRange::span(5, 50000));
    QCOMPARE(r.status, ReadResult::Status::Error);
    QCOMPARE(r.errorKind.value_or(ErrorKind::Io), ErrorKind::Network);
    QVERIFY2(r.error.find("after 2 attempts") != std::string::npos, r.error.c_str());
    QVERIFY(r.data.empty());
  }

  void cancelledRead() {
    StoreOptions o;
    auto store = open(std::string(kFault) + "/f/stallhead-1-60/" + token() + "/scratch", o);
    CancelSource c;
    std::thread t([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      c.cancel();
    });
    Stopwatch sw;
    auto r = store->read("small.txt", ByteRange::all(), c.token());
    t.join();
    QCOMPARE(r.status, ReadResult::Status::Cancelled);
    QVERIFY(sw.seconds() < 2);
  }

  void lastReferenceDroppedInsideCallback() {
    // The store (and its client) dies on the client's own thread: it must neither deadlock
    // nor crash.
    auto holder = std::make_shared<std::shared_ptr<Store>>(open(std::string(kHttp) + "/scratch"));
    Store* raw = holder->get();
    std::promise<bool> done;
    auto future = done.get_future();
    raw->readAsync("small.txt", ByteRange::all(), {}, [holder, &done](ReadResult r) {
      holder->reset();
      done.set_value(r.ok());
    });
    holder.reset();
    QCOMPARE(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(future.get());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  void sharedClientHelper() {
    auto client = std::make_shared<HttpClient>();
    HttpStoreConfig cfg;
    cfg.baseUrl = std::string(kHttp) + "/scratch/";
    cfg.description = "test://scratch";
    int signs = 0;
    cfg.sign = [&signs](HttpRequest& r) {
      ++signs;
      r.headers.emplace_back("X-Signed", "1");
    };
    auto a = makeHttpStoreOnClient(client, cfg);
    auto r = a->read("small.txt", ByteRange::span(0, 4));
    QVERIFY(r.ok());
    QCOMPARE(text(r.data), std::string("0123"));
    QCOMPARE(signs, 1);
    QCOMPARE(a->describeKey("x"), std::string("test://scratch/x"));
    QVERIFY(a->read("nothing").missing());
  }
};

QTEST_GUILESS_MAIN(TestHttpStore)
#include "tst_http_store.moc"
