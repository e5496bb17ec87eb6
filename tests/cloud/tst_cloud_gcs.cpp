// GCS store end to end against the GCS fake (tests/servers/gcs_fake.js: 14443 storage API,
// 14444 token + metadata endpoints), which checks RS256 JWT assertions and bearer tokens.
// Credential sources: service-account JSON via --gcs-credentials and
// GOOGLE_APPLICATION_CREDENTIALS, authorized_user (refresh token) as gcloud's ADC file in a
// temporary HOME, the metadata server (GCE_METADATA_HOST), anonymous on a public bucket;
// forged key / no token -> clear errors. Simple and resumable uploads, ranged reads.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "cloud_test_util.h"
#include "http/http_client.h"
#include "open/store_factory.h"

using namespace nz;

namespace {

const char* kGcs = "127.0.0.1:14443";

std::string state(const char* file) { return nztest::serverState("gcs_fake") + "/" + file; }

nlohmann::json fakeStats() {
  HttpClient c;
  HttpRequest r;
  r.url = "http://127.0.0.1:14444/_stats";
  HttpResponse resp = c.sendSync(std::move(r));
  return nlohmann::json::parse(std::string(resp.body.begin(), resp.body.end()));
}

}  // namespace

class TestCloudGcs : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QVERIFY2(std::filesystem::exists(state("sa.json")), "gcs_fake state missing");
  }

  void serviceAccountUploadAndRanges() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    StoreOptions o;
    // Its own account: tests running beside this one get tokens for the shared one.
    o.gcsCredentialsFile = state("sa-solo.json");
    const auto grants = [] {
      return fakeStats()["grantsByAccount"].value("nzview-solo@nzview-test.iam.gserviceaccount.com",
                                                  0);
    };
    const int grantsBefore = grants();
    auto store = openStore(parseUri("gs://nzprivate/trees/sample.nii.zarr"), o);
    auto tree = nztest::sampleTree();
    for (const auto& [key, data] : tree) store->write(key, data);
    for (const auto& [key, data] : tree) {
      ReadResult all = store->read(key);
      QVERIFY2(all.ok(), all.error.c_str());
      QVERIFY(all.data == data);
      QCOMPARE(store->size(key).value_or(0), std::uint64_t(data.size()));
      if (data.size() > 20) {
        ReadResult part = store->read(key, ByteRange::span(7, 13));
        QVERIFY(part.data == nztest::slice(data, 7, 13));
        QCOMPARE(part.totalSize.value_or(0), std::uint64_t(data.size()));
        ReadResult tail = store->read(key, ByteRange::suffix(5));
        QVERIFY(tail.data == nztest::slice(data, data.size() - 5, 5));
      }
    }
    // One token for the whole session (cached, shared by every request).
    QCOMPARE(grants(), grantsBefore + 1);
    QVERIFY(store->read("no/such").missing());
    QVERIFY(!store->size("no/such"));
    store->remove(tree.begin()->first);
    QVERIFY(store->read(tree.begin()->first).missing());
    store->remove("never/there");
  }

  void resumableUpload() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    env.set("GOOGLE_APPLICATION_CREDENTIALS", state("sa.json"));
    StoreOptions o;
    o.extra["multipart_threshold"] = "300000";
    o.extra["multipart_part_size"] = "262144";
    auto store = openStore(parseUri("gs://nzprivate/resumable"), o);
    Bytes data = nztest::randomBytes(700000, 4);  // 3 chunks
    store->write("big.bin", data);
    ReadResult all = store->read("big.bin");
    QVERIFY2(all.ok(), all.error.c_str());
    QVERIFY(all.data == data);
    QVERIFY(store->read("big.bin", ByteRange::span(262140, 10)).data ==
            nztest::slice(data, 262140, 10));
  }

  void authorizedUserAsApplicationDefault() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    std::filesystem::create_directories(env.home() / ".config/gcloud");
    std::filesystem::copy_file(state("user.json"),
                               env.home() / ".config/gcloud/application_default_credentials.json");
    auto store = openStore(parseUri("gs://nzprivate/user"));
    Bytes data = nztest::randomBytes(999, 8);
    store->write("u.bin", data);
    ReadResult r = store->read("u.bin", ByteRange::span(990, 9));
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.data == nztest::slice(data, 990, 9));
  }

  void metadataServer() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    env.set("GCE_METADATA_HOST", "127.0.0.1:14444");
    auto store = openStore(parseUri("gs://nzprivate/gce"));
    store->write("m.bin", Bytes(50, 3));
    QCOMPARE(store->read("m.bin").data.size(), std::size_t(50));
  }

  void anonymousPublicAndPrivate() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    StoreOptions sa;
    sa.gcsCredentialsFile = state("sa.json");
    openStore(parseUri("gs://nzpublic/p"), sa)->write("pub.bin", Bytes(30, 9));
    auto anon = openStore(parseUri("gs://nzpublic/p"));
    ReadResult r = anon->read("pub.bin", ByteRange::span(0, 10));
    QVERIFY2(r.ok(), r.error.c_str());
    auto priv = openStore(parseUri("gs://nzprivate/gce"));
    ReadResult denied = priv->read("m.bin");
    QCOMPARE(int(denied.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
    QVERIFY2(denied.error.rfind(
                 "401 Unauthorized from gs://nzprivate/gce/m.bin using anonymous access", 0) == 0,
             denied.error.c_str());
  }

  void forgedServiceAccountIsRefused() {
    nztest::CleanEnv env;
    env.set("STORAGE_EMULATOR_HOST", kGcs);
    StoreOptions o;
    o.gcsCredentialsFile = state("sa-forged.json");
    auto store = openStore(parseUri("gs://nzprivate/x"), o);
    ReadResult r = store->read("y");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QCOMPARE(int(r.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
    QVERIFY2(r.error.find("nzview-test@nzview-test.iam.gserviceaccount.com") != std::string::npos,
             r.error.c_str());
    QVERIFY2(r.error.find("Invalid JWT Signature") != std::string::npos, r.error.c_str());
    QVERIFY(r.error.find("PRIVATE KEY") == std::string::npos);
    QVERIFY_THROWS_EXCEPTION(Error, store->write("z", Bytes(3, 1)));
  }
};

QTEST_GUILESS_MAIN(TestCloudGcs)
#include "tst_cloud_gcs.moc"
