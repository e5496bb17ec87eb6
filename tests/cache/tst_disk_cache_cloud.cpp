// The disk cache holds no secret: a scan read from Azurite (account key, connection string, a
// SAS pasted into the URI), from s3rver (SigV4 keys) and from the GCS fake (service-account
// JWT) through nzview-cli --cache-dir; then
// every file under the cache directory is searched for each secret. Also: the SAS-in-URI read
// and the key read share the cache entries (the key is the URI without its query).
#include <QTemporaryDir>
#include <QtTest>
#include <ctime>

#include "cache_test_util.h"
#include "cloud/azure_shared_key.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace nz {
void azureCreateContainer(Store& store);  // test hook in io/cloud/azure_store.cpp
}

using namespace nztest;

namespace {

const QString kEndpoint = "http://127.0.0.1:10000/nzacct";
const QString kScan = "e_uint16_pyramid_4levels.nii.zarr";

QString cloudState(const char* server) {
  const QByteArray s = qgetenv("NZ_CLOUD_STATE");
  return (s.isEmpty() ? QString(NZ_BINARY_DIR "/test-servers") : QString(s)) + "/" + server;
}

QMap<QString, QString> envFile(const QString& path) {
  QMap<QString, QString> out;
  for (const QByteArray& line : fileBytes(path).split('\n')) {
    const int eq = line.indexOf('=');
    if (eq > 0) out[QString(line.left(eq))] = QString(line.mid(eq + 1)).trimmed();
  }
  return out;
}

QString unique() {
  return QString("c%1-%2").arg(QCoreApplication::applicationPid()).arg(std::time(nullptr));
}

}  // namespace

class TestDiskCacheCloud : public QObject {
  Q_OBJECT

 private slots:
  void azureSecretsStayOutOfTheCache() {
    const QString key = envFile(cloudState("azurite") + "/accounts.env")["NZ_AZ_KEY"];
    QVERIFY2(!key.isEmpty(), "no Azurite accounts.env (is the azurite fixture running?)");
    nz::StoreOptions o;
    o.azureAccount = "nzacct";
    o.azureKey = key.toStdString();
    o.azureEndpoint = kEndpoint.toStdString();
    nz::azureCreateContainer(*nz::openStore(nz::parseUri("az://nzcache"), o));
    const QString uri = "az://nzcache/" + unique() + "/e.nii.zarr";
    const QStringList keyCreds{"--azure-account",  "nzacct", "--azure-key", key,
                               "--azure-endpoint", kEndpoint};
    Run up =
        cli(QStringList{"export", kRef + "/" + kScan, "-o", uri, "--zarr-version", "2"} + keyCreds);
    QVERIFY2(up.rc == 0, qPrintable(up.err));

    QTemporaryDir tmp, cache;
    Run viaKey = cli(QStringList{"export", uri, "-o", tmp.filePath("k.nii"), "--cache-dir",
                                 cache.path(), "--stats"} +
                     keyCreds);
    QVERIFY2(viaKey.rc == 0, qPrintable(viaKey.err));
    const QString cs = "DefaultEndpointsProtocol=http;AccountName=nzacct;AccountKey=" + key +
                       ";BlobEndpoint=" + kEndpoint + ";";
    Run viaCs =
        cli({"prefetch", uri, "--azure-connection-string", cs, "--cache-dir", cache.path()});
    QVERIFY2(viaCs.rc == 0, qPrintable(viaCs.err));
    const QString sas = QString::fromStdString(nz::azureServiceSas(
        "nzacct", key.toStdString(), "nzcache", "", "rl", nz::isoUtc(std::time(nullptr) + 3600)));
    const QString sig = sas.section("sig=", 1).section('&', 0, 0);
    QVERIFY(sig.size() > 10);
    Run viaSas = cli({"export", uri + "?" + sas, "-o", tmp.filePath("s.nii"), "--azure-endpoint",
                      kEndpoint, "--cache-dir", cache.path(), "--stats"});
    QVERIFY2(viaSas.rc == 0, qPrintable(viaSas.err));
    QCOMPARE(fileBytes(tmp.filePath("s.nii")), fileBytes(tmp.filePath("k.nii")));
    // Same canonical URI: the SAS read found every chunk the key read cached.
    QVERIFY2(viaSas.stats()["disk_hits"].toInt() >= viaKey.stats()["requests"].toInt() / 2,
             qPrintable(viaSas.err));

    QVERIFY(cacheEntries(cache.path()).size() >= 8);
    const QString leak = findSecret(cache.path(), {key, sig, QUrl::toPercentEncoding(sig), cs});
    QVERIFY2(leak.isEmpty(), qPrintable("secret in the cache: " + leak));
  }

  void s3SecretsStayOutOfTheCache() {
    const auto keys = envFile(cloudState("s3rver") + "/keys.env");
    const QString access = keys["NZ_S3_ACCESS_KEY"], secret = keys["NZ_S3_SECRET_KEY"];
    QVERIFY2(!secret.isEmpty(), "no s3rver keys.env (is the s3rver fixture running?)");
    QProcessEnvironment env;
    env.insert("AWS_ACCESS_KEY_ID", access);
    env.insert("AWS_SECRET_ACCESS_KEY", secret);
    env.insert("AWS_REGION", "us-east-1");
    const QStringList opts{"--endpoint-url", "http://127.0.0.1:14568"};
    const QString uri = "s3://nzbucket/" + unique() + "/e.nii.zarr";
    Run up = cli(QStringList{"export", kRef + "/" + kScan, "-o", uri, "--zarr-version", "2"} + opts,
                 env);
    QVERIFY2(up.rc == 0, qPrintable(up.err));
    QTemporaryDir tmp, cache;
    Run pre = cli(QStringList{"prefetch", uri, "--cache-dir", cache.path()} + opts, env);
    QVERIFY2(pre.rc == 0, qPrintable(pre.err));
    Run off = cli(QStringList{"export", uri, "-o", tmp.filePath("o.nii"), "--offline",
                              "--cache-dir", cache.path(), "--stats"} +
                      opts,
                  env);
    QVERIFY2(off.rc == 0, qPrintable(off.err));
    QCOMPARE(off.stats()["requests"].toInt(), 0);
    QVERIFY(cacheEntries(cache.path()).size() >= 8);
    const QString leak = findSecret(cache.path(), {secret, access});
    QVERIFY2(leak.isEmpty(), qPrintable("secret in the cache: " + leak));
  }

  void gcsSecretsStayOutOfTheCache() {
    const QString sa = cloudState("gcs_fake") + "/sa.json";
    const QByteArray json = fileBytes(sa);
    QVERIFY2(!json.isEmpty(), "no GCS fake sa.json (is the gcs_fake fixture running?)");
    // A piece of the service account's private key: it signs the JWT, and must stay out.
    const QString key = QString::fromUtf8(json).section("BEGIN PRIVATE KEY-----", 1).left(60);
    QVERIFY(key.size() > 40);
    QProcessEnvironment env;
    env.insert("STORAGE_EMULATOR_HOST", "127.0.0.1:14443");
    const QStringList opts{"--gcs-credentials", sa};
    const QString uri = "gs://nzprivate/" + unique() + "/e.nii.zarr";
    Run up = cli(QStringList{"export", kRef + "/" + kScan, "-o", uri, "--zarr-version", "2"} + opts,
                 env);
    QVERIFY2(up.rc == 0, qPrintable(up.err));
    QTemporaryDir tmp, cache;
    Run pre = cli(QStringList{"prefetch", uri, "--cache-dir", cache.path()} + opts, env);
    QVERIFY2(pre.rc == 0, qPrintable(pre.err));
    Run off = cli(QStringList{"export", uri, "-o", tmp.filePath("o.nii"), "--offline",
                              "--cache-dir", cache.path(), "--stats"} +
                      opts,
                  env);
    QVERIFY2(off.rc == 0, qPrintable(off.err));
    QCOMPARE(off.stats()["requests"].toInt(), 0);
    QVERIFY(cacheEntries(cache.path()).size() >= 8);
    QStringList secrets{key};
    for (const QString& line : QString::fromUtf8(json).split('\n'))
      if (line.contains("private_key_id")) secrets << line.section('"', 3, 3);
    const QString leak = findSecret(cache.path(), secrets);
    QVERIFY2(leak.isEmpty(), qPrintable("secret in the cache: " + leak));
  }
};

QTEST_GUILESS_MAIN(TestDiskCacheCloud)
#include "tst_disk_cache_cloud.moc"
