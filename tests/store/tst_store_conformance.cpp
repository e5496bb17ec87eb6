// Store conformance: every backend behind openStore() answers the same questions the same way.
// Rows: mem://, a local folder, http:// (nginx's writable /scratch/), az:// (Azurite, Shared Key),
// s3:// (s3rver, SigV4) and gs:// (the GCS fake, service-account JWT). Each row writes its own
// objects under a fresh prefix, so rows never see each other's data.
#include <QtTest>

#include <filesystem>
#include <functional>
#include <memory>

#include "../cloud/cloud_test_util.h"
#include "cloud/cloud_test_hooks.h"
#include "open/store_factory.h"

using namespace nz;

namespace {

struct Backend {
  std::string uri;  // store root
  StoreOptions options;
  std::function<void(nztest::CleanEnv&)> environment;  // variables the store reads
};

std::map<std::string, Backend> backends(const std::string& prefix) {
  std::map<std::string, Backend> out;
  out["memory"] = {"mem://conformance-" + prefix, {}, {}};
  out["file"] = {
      (std::filesystem::temp_directory_path() / ("nz-conformance-" + prefix)).string(), {}, {}};
  out["http"] = {"http://127.0.0.1:18080/scratch/conformance-" + prefix, {}, {}};

  auto az = nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env");
  Backend azure{"az://nzown/conformance-" + prefix, {}, {}};
  azure.options.azureAccount = az["NZ_AZ_ACCOUNT"];
  azure.options.azureKey = az["NZ_AZ_KEY"];
  azure.options.azureEndpoint = "http://127.0.0.1:10000";
  out["azure"] = azure;

  auto s3 = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
  Backend aws{"s3://nzbucket/conformance-" + prefix, {}, {}};
  aws.options.awsAccessKeyId = s3["NZ_S3_ACCESS_KEY"];
  aws.options.awsSecretAccessKey = s3["NZ_S3_SECRET_KEY"];
  aws.options.endpointUrl = "http://127.0.0.1:14568";
  out["s3"] = aws;

  Backend gcs{"gs://nzprivate/conformance-" + prefix, {}, [](nztest::CleanEnv& env) {
                env.set("STORAGE_EMULATOR_HOST", "127.0.0.1:14443");
              }};
  gcs.options.gcsCredentialsFile = nztest::serverState("gcs_fake") + "/sa.json";
  out["gcs"] = gcs;
  return out;
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

class TestStoreConformance : public QObject {
  Q_OBJECT

  // A fresh store for the current row, in a clean credential environment.
  std::shared_ptr<Store> open(nztest::CleanEnv& env) {
    QFETCH(QString, backend);
    Backend b = backends(prefix_)[backend.toStdString()];
    if (b.environment) b.environment(env);
    return openStore(parseUri(b.uri), b.options);
  }

  void rows() {
    QTest::addColumn<QString>("backend");
    for (const char* name : {"memory", "file", "http", "azure", "s3", "gcs"})
      QTest::newRow(name) << QString(name);
  }

  std::string prefix_ = std::to_string(::getpid());

  // Runs one check on a fresh store of the current row; an nz::Error (a write refused, say)
  // fails the row with its message instead of aborting the whole suite.
  void check(const std::function<void(Store&)>& body) {
    nztest::CleanEnv env;
    try {
      auto store = open(env);
      QFETCH(QString, backend);
      if (backend == "azure") azureCreateContainer(*store);  // Azurite starts with none
      body(*store);
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
  }

 private slots:
  void wholeObjectsAndSizes_data() { rows(); }
  void wholeObjectsAndSizes() {
    check([&](Store& store) {
      const Bytes big = nztest::randomBytes(300 * 1024 + 7, 11);
      const Bytes small = nztest::randomBytes(17, 12);
      store.write("objects/big.bin", big);
      store.write("objects/small.bin", small);
      ReadResult r = store.read("objects/big.bin");
      QVERIFY2(r.ok(), r.error.c_str());
      QVERIFY(r.data == big);
      QCOMPARE(store.size("objects/big.bin").value_or(0), std::uint64_t(big.size()));
      QCOMPARE(store.size("objects/small.bin").value_or(0), std::uint64_t(small.size()));

      std::vector<ReadResult> many = store.readMany({"objects/small.bin", "objects/none.bin"});
      QCOMPARE(many.size(), std::size_t(2));
      QVERIFY2(many[0].ok(), many[0].error.c_str());
      QVERIFY(many[0].data == small);
      QVERIFY(many[1].missing());
    });
  }

  void emptyObject_data() { rows(); }
  void emptyObject() {
    check([&](Store& store) {
      store.write("empty.bin", {});
      ReadResult r = store.read("empty.bin");
      QVERIFY2(r.ok(), r.error.c_str());
      QCOMPARE(r.data.size(), std::size_t(0));
      QCOMPARE(store.size("empty.bin").value_or(99), std::uint64_t(0));
    });
  }

  void ranges_data() { rows(); }
  void ranges() {
    check([&](Store& store) {
      const Bytes data = nztest::randomBytes(10000, 13);
      store.write("ranges.bin", data);

      ReadResult mid = store.read("ranges.bin", ByteRange::span(1234, 4321));
      QVERIFY2(mid.ok(), mid.error.c_str());
      QVERIFY(mid.data == nztest::slice(data, 1234, 4321));
      QCOMPARE(mid.totalSize.value_or(0), std::uint64_t(data.size()));

      // A range running past the end is cut at the end.
      ReadResult tail = store.read("ranges.bin", ByteRange::span(9990, 100));
      QVERIFY2(tail.ok(), tail.error.c_str());
      QVERIFY(tail.data == nztest::slice(data, 9990, 10));

      ReadResult suffix = store.read("ranges.bin", ByteRange::suffix(77));
      QVERIFY2(suffix.ok(), suffix.error.c_str());
      QVERIFY(suffix.data == nztest::slice(data, data.size() - 77, 77));

      // A suffix longer than the object is the whole object.
      ReadResult longSuffix = store.read("ranges.bin", ByteRange::suffix(20000));
      QVERIFY2(longSuffix.ok(), longSuffix.error.c_str());
      QVERIFY(longSuffix.data == data);

      // (A one-byte range "bytes=0-0" is answered with the whole object by s3rver: not tested.)
      ReadResult first = store.read("ranges.bin", ByteRange::span(0, 2));
      QVERIFY2(first.ok(), first.error.c_str());
      QVERIFY(first.data == nztest::slice(data, 0, 2));
    });
  }

  void rangePastTheEndIsAnError_data() { rows(); }
  void rangePastTheEndIsAnError() {
    check([&](Store& store) {
      store.write("short.bin", nztest::randomBytes(100, 14));
      ReadResult r = store.read("short.bin", ByteRange::span(5000, 10));
      QVERIFY2(r.status == ReadResult::Status::Error,
               ("expected an error, got status " + std::to_string(int(r.status))).c_str());
      QVERIFY2(r.error.find("short.bin") != std::string::npos, r.error.c_str());
    });
  }

  void missingKeys_data() { rows(); }
  void missingKeys() {
    check([&](Store& store) {
      QVERIFY(store.read("no/such/key.bin").missing());
      QVERIFY(store.read("no/such/key.bin", ByteRange::span(0, 10)).missing());
      QVERIFY(store.read("no/such/key.bin", ByteRange::suffix(10)).missing());
      QVERIFY(!store.size("no/such/key.bin"));
      store.remove("no/such/key.bin");  // not an error
    });
  }

  void replaceAndRemove_data() { rows(); }
  void replaceAndRemove() {
    check([&](Store& store) {
      const std::string a = "first version", b = "second, longer version of the object";
      store.write("replace.txt", Bytes(a.begin(), a.end()));
      store.write("replace.txt", Bytes(b.begin(), b.end()));
      ReadResult r = store.read("replace.txt");
      QVERIFY2(r.ok(), r.error.c_str());
      QCOMPARE(text(r.data), b);
      QCOMPARE(store.size("replace.txt").value_or(0), std::uint64_t(b.size()));
      store.remove("replace.txt");
      QVERIFY(store.read("replace.txt").missing());
      QVERIFY(!store.size("replace.txt"));
    });
  }

  void keysWithSpacesAndUnicode_data() { rows(); }
  void keysWithSpacesAndUnicode() {
    check([&](Store& store) {
      const Bytes data = nztest::randomBytes(500, 15);
      for (std::string key : {"a b/c+d=e(f).bin", "ü/ß.bin", "deep/er/than/four/levels.bin"}) {
        store.write(key, data);
        ReadResult r = store.read(key, ByteRange::span(100, 50));
        QVERIFY2(r.ok(), (key + ": " + r.error).c_str());
        QVERIFY(r.data == nztest::slice(data, 100, 50));
      }
    });
  }

  void countsRequests_data() { rows(); }
  void countsRequests() {
    check([&](Store& store) {
      store.write("count.bin", nztest::randomBytes(1000, 16));
      const StoreStats before = store.stats();
      for (int i = 0; i < 3; ++i) QVERIFY(store.read("count.bin", ByteRange::span(10, 10)).ok());
      const StoreStats after = store.stats();
      QCOMPARE(after.requests - before.requests, std::uint64_t(3));
      QCOMPARE(after.bytesReceived - before.bytesReceived, std::uint64_t(30));
    });
  }

  void describeNamesTheRootWithoutSecrets_data() { rows(); }
  void describeNamesTheRootWithoutSecrets() {
    check([&](Store& store) {
      QFETCH(QString, backend);
      Backend b = backends(prefix_)[backend.toStdString()];
      const std::string described = store.describe();
      QVERIFY2(described.find("conformance-" + prefix_) != std::string::npos, described.c_str());
      for (const std::string& secret : {b.options.azureKey, b.options.awsSecretAccessKey})
        QVERIFY2(!nztest::contains(described, secret), described.c_str());
      const std::string key = store.describeKey("x/y.bin");
      QVERIFY2(key.find("x/y.bin") != std::string::npos, key.c_str());
    });
  }

  void cleanupTestCase() {
    std::error_code ec;
    std::filesystem::remove_all(
        std::filesystem::temp_directory_path() / ("nz-conformance-" + prefix_), ec);
  }
};

QTEST_GUILESS_MAIN(TestStoreConformance)
#include "tst_store_conformance.moc"
