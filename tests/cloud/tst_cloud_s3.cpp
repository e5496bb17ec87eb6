// S3 store end to end against s3rver (@20minutes/s3rver 4.0.4, checks SigV4), path-style at
// http://127.0.0.1:14568 with a key pair generated at fixture start. Credential sources:
// explicit keys, environment keys, profile files in a temporary HOME (AWS_PROFILE and
// --aws-profile, AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE), session token, endpoint from
// AWS_ENDPOINT_URL / the profile's endpoint_url; wrong secret -> 403 naming the source.
#include <QtTest>

#include "cloud/cloud_test_hooks.h"
#include "cloud_test_util.h"
#include "open/store_factory.h"

using namespace nz;

namespace {

const char* kEndpoint = "http://127.0.0.1:14568";

std::map<std::string, std::string> keys() {
  return nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
}

}  // namespace

class TestCloudS3 : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    auto k = keys();
    QVERIFY2(!k["NZ_S3_ACCESS_KEY"].empty(), "s3rver fixture state missing (keys.env)");
  }

  void uploadTreeAndReadRangesWithEnvKeys() {
    nztest::CleanEnv env;
    auto k = keys();
    env.set("AWS_ACCESS_KEY_ID", k["NZ_S3_ACCESS_KEY"]);
    env.set("AWS_SECRET_ACCESS_KEY", k["NZ_S3_SECRET_KEY"]);
    env.set("AWS_ENDPOINT_URL", kEndpoint);
    auto store = openStore(parseUri("s3://nzbucket/trees/sample.nii.zarr/"));
    QCOMPARE(QString::fromStdString(store->describe()),
             QString("s3://nzbucket/trees/sample.nii.zarr"));
    auto tree = nztest::sampleTree();
    for (const auto& [key, data] : tree) store->write(key, data);
    for (const auto& [key, data] : tree) {
      ReadResult all = store->read(key);
      QVERIFY2(all.ok(), all.error.c_str());
      QVERIFY(all.data == data);
      QCOMPARE(store->size(key).value_or(0), std::uint64_t(data.size()));
      if (data.size() > 20) {
        ReadResult part = store->read(key, ByteRange::span(5, 10));
        QVERIFY2(part.ok(), part.error.c_str());
        QVERIFY(part.data == nztest::slice(data, 5, 10));
        QCOMPARE(part.totalSize.value_or(0), std::uint64_t(data.size()));
        ReadResult tail = store->read(key, ByteRange::suffix(7));
        QVERIFY2(tail.ok(), tail.error.c_str());
        QVERIFY(tail.data == nztest::slice(data, data.size() - 7, 7));
      }
    }
    QVERIFY(store->read("no/such/key").missing());
    QVERIFY(!store->size("no/such/key"));
    store->remove(tree.begin()->first);
    QVERIFY(store->read(tree.begin()->first).missing());
    store->remove("never/existed");
    QVERIFY(store->stats().requests > 0);
  }

  void keysWithSpecialCharacters() {
    nztest::CleanEnv env;
    auto k = keys();
    StoreOptions o;
    o.awsAccessKeyId = k["NZ_S3_ACCESS_KEY"];
    o.awsSecretAccessKey = k["NZ_S3_SECRET_KEY"];
    o.endpointUrl = kEndpoint;
    o.awsRegion = "eu-west-3";
    auto store = openStore(parseUri("s3://nzbucket/odd names"), o);
    Bytes data = nztest::randomBytes(1000, 7);
    for (std::string key : {"a b/c+d&e=f(g)*.bin", "ü/ß.bin"}) {
      store->write(key, data);
      ReadResult r = store->read(key, ByteRange::span(100, 50));
      QVERIFY2(r.ok(), r.error.c_str());
      QVERIFY(r.data == nztest::slice(data, 100, 50));
    }
  }

  void profileFromFilesAndWrongSecret() {
    nztest::CleanEnv env;
    auto k = keys();
    nztest::writeFile(env.home() / ".aws/credentials",
                      "[lab]\naws_access_key_id = " + k["NZ_S3_ACCESS_KEY"] +
                          "\naws_secret_access_key = " + k["NZ_S3_SECRET_KEY"] +
                          "\naws_session_token = session-token-value\n"
                          "[wrong]\naws_access_key_id = " +
                          k["NZ_S3_ACCESS_KEY"] +
                          "\naws_secret_access_key = WRONGSECRETwrongsecret123\n");
    nztest::writeFile(
        env.home() / ".aws/config",
        "[profile lab]\nregion = eu-central-1\nendpoint_url = " + std::string(kEndpoint) +
            "\n[profile wrong]\nendpoint_url = " + kEndpoint + "\n");
    {
      env.set("AWS_PROFILE", "lab");
      auto store = openStore(parseUri("s3://nzbucket/profile"));
      Bytes data = nztest::randomBytes(4096, 3);
      store->write("obj.bin", data);
      ReadResult r = store->read("obj.bin", ByteRange::span(1000, 24));
      QVERIFY2(r.ok(), r.error.c_str());
      QVERIFY(r.data == nztest::slice(data, 1000, 24));

      StoreOptions o;
      o.awsProfile = "wrong";
      auto bad = openStore(parseUri("s3://nzbucket/profile"), o);
      ReadResult denied = bad->read("obj.bin");
      QCOMPARE(int(denied.status), int(ReadResult::Status::Error));
      QCOMPARE(int(denied.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
      QCOMPARE(QString::fromStdString(denied.error),
               QString("403 Forbidden from s3://nzbucket/profile/obj.bin using AWS profile "
                       "\"wrong\" (~/.aws/credentials): SignatureDoesNotMatch"));
      QVERIFY(!nztest::contains(denied.error, "WRONGSECRETwrongsecret123"));
      try {
        bad->write("x.bin", data);
        QFAIL("write with a wrong secret must throw");
      } catch (const Error& e) {
        QCOMPARE(int(e.kind()), int(ErrorKind::PermissionDenied));
        QVERIFY(std::string(e.what()).find("AWS profile \"wrong\"") != std::string::npos);
      }
      QVERIFY_THROWS_EXCEPTION(Error, bad->size("obj.bin"));

    }  // stores (and their client threads) end before the environment changes again
    // Files elsewhere (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE) with the default profile.
    ::unsetenv("AWS_PROFILE");
    std::filesystem::rename(env.home() / ".aws", env.home() / "elsewhere");
    nztest::writeFile(env.home() / "elsewhere/credentials2",
                      "[default]\naws_access_key_id=" + k["NZ_S3_ACCESS_KEY"] +
                          "\naws_secret_access_key=" + k["NZ_S3_SECRET_KEY"] + "\n");
    nztest::writeFile(env.home() / "elsewhere/config2",
                      "[default]\nendpoint_url=" + std::string(kEndpoint) + "\n");
    env.set("AWS_SHARED_CREDENTIALS_FILE", (env.home() / "elsewhere/credentials2").string());
    env.set("AWS_CONFIG_FILE", (env.home() / "elsewhere/config2").string());
    auto moved = openStore(parseUri("s3://nzbucket/profile"));
    ReadResult m = moved->read("obj.bin", ByteRange::span(0, 8));
    QVERIFY2(m.ok(), m.error.c_str());
  }

  void unknownKeyIdIsForbidden() {
    nztest::CleanEnv env;
    StoreOptions o;
    o.awsAccessKeyId = "AKIDUNKNOWN";
    o.awsSecretAccessKey = "whatever-secret-value";
    o.endpointUrl = kEndpoint;
    auto store = openStore(parseUri("s3://nzbucket/x"), o);
    ReadResult r = store->read("y");
    QCOMPARE(int(r.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
    QVERIFY(r.error.find("explicit AWS access key") != std::string::npos);
    QVERIFY(!nztest::contains(r.error, "whatever-secret-value"));
  }

  void missingBucketIsAnError() {
    nztest::CleanEnv env;
    auto k = keys();
    env.set("AWS_ACCESS_KEY_ID", k["NZ_S3_ACCESS_KEY"]);
    env.set("AWS_SECRET_ACCESS_KEY", k["NZ_S3_SECRET_KEY"]);
    env.set("AWS_ENDPOINT_URL", kEndpoint);
    ReadResult r = openStore(parseUri("s3://no-such-bucket-nz/x"))->read("y");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QCOMPARE(int(r.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::NotFound));
    QVERIFY2(r.error.find("NoSuchBucket") != std::string::npos, r.error.c_str());
  }

  void multipartUpload() {
    nztest::CleanEnv env;
    auto k = keys();
    env.set("AWS_ACCESS_KEY_ID", k["NZ_S3_ACCESS_KEY"]);
    env.set("AWS_SECRET_ACCESS_KEY", k["NZ_S3_SECRET_KEY"]);
    env.set("AWS_ENDPOINT_URL_S3", kEndpoint);
    StoreOptions o;
    o.extra["multipart_threshold"] = "100000";
    o.extra["multipart_part_size"] = "65536";
    auto store = openStore(parseUri("s3://nzbucket2/multi"), o);
    Bytes data = nztest::randomBytes(300000, 11);  // 5 parts, the last one short
    store->write("big.bin", data);
    ReadResult all = store->read("big.bin");
    QVERIFY2(all.ok(), all.error.c_str());
    QVERIFY(all.data == data);
    ReadResult mid = store->read("big.bin", ByteRange::span(65530, 20));  // across a part edge
    QVERIFY(mid.data == nztest::slice(data, 65530, 20));
    QVERIFY(store->stats().requests >= 7);
  }
};

QTEST_GUILESS_MAIN(TestCloudS3)
#include "tst_cloud_s3.moc"
