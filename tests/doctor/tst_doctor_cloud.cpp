// The connection doctor against the real local servers (Azurite, s3rver, the GCS fake, Azurite
// over HTTPS with the test CA): each failure class produced for real and classified, through
// `nzview-cli doctor URI --json` with the same credential flags as the other commands, and no
// secret in any output. Also: the wrong-region answer of AWS (s3_region_proxy.py in front of
// s3rver) is named by the doctor and followed by a normal open; a manifest of an export from
// Azure records the blob's ETag, and its replay refuses after the blob was replaced.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "../cloud/cloud_test_util.h"
#include "cloud/azure_shared_key.h"
#include "cloud/cloud_test_hooks.h"
#include "cloud/s3_sigv4.h"
#include "http/http_client.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace {

const QString kCli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");
const QString kAzEndpoint = "http://127.0.0.1:10000/nzacct";
const QString kS3Endpoint = "http://127.0.0.1:14568";
const QString kGcsHost = "127.0.0.1:14443";

struct Run {
  int rc = -1;
  QString out, err;
  QJsonObject json;
  QString problem() const { return json["problem"].toString(); }
  QJsonObject step(const QString& id) const {
    for (const auto& s : json["steps"].toArray())
      if (s.toObject()["id"].toString() == id) return s.toObject();
    return {};
  }
  QString all() const { return out + err; }
  // The steps that are not ok, one line each (for failure messages).
  QString brief() const {
    QString b = err;
    for (const auto& v : json["steps"].toArray()) {
      const QJsonObject s = v.toObject();
      if (s["status"].toString() != "ok")
        b += s["id"].toString() + " " + s["status"].toString() + ": " +
             s["lines"].toVariant().toStringList().join(" | ") + "\n";
    }
    return b;
  }
};

// Runs nzview-cli with a clean cloud environment (HOME empty, no cloud variables) plus `env`.
Run run(const QStringList& args, const QMap<QString, QString>& env = {}) {
  QProcess p;
  QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
  for (const char* v : nztest::cloudEnvNames()) e.remove(v);
  e.insert("HOME", QDir::tempPath() + "/nz-doctor-empty-home");
  for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
  p.setProcessEnvironment(e);
  p.start(kCli, args);
  Run r;
  if (!p.waitForFinished(120000)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.rc = p.exitCode();
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  r.json = QJsonDocument::fromJson(r.out.toUtf8()).object();
  return r;
}

QString expiry(int secondsFromNow) {
  return QDateTime::currentDateTimeUtc().addSecs(secondsFromNow).toString("yyyy-MM-ddTHH:mm:ssZ");
}

}  // namespace

class TestDoctorCloud : public QObject {
  Q_OBJECT
  QString azKey_, s3Access_, s3Secret_, gcsKeyPart_;
  QStringList secrets_;  // every secret that must never be printed

  QStringList az(const QString& key) const {
    return {"--azure-account", "nzacct", "--azure-key", key, "--azure-endpoint", kAzEndpoint};
  }
  QMap<QString, QString> s3Env(const QString& secret) const {
    return {{"AWS_ACCESS_KEY_ID", s3Access_}, {"AWS_SECRET_ACCESS_KEY", secret}};
  }
  QString state(const char* server, const char* file) const {
    return QString::fromStdString(nztest::serverState(server)) + "/" + file;
  }
  void noSecrets(const Run& r) {
    for (const QString& s : secrets_)
      QVERIFY2(!r.all().contains(s), qPrintable("a secret was printed: " + s.left(6) + "..."));
  }
  Run doctor(const QString& uri, const QStringList& opts, const QMap<QString, QString>& env = {}) {
    Run r = run(QStringList{"doctor", uri, "--json"} + opts, env);
    if (!r.json.contains("steps")) qWarning("%s", qPrintable(r.brief()));
    // The text form says the same and prints no secret either.
    Run text = run(QStringList{"doctor", uri} + opts, env);
    if (text.rc != r.rc) qWarning("text %d json %d", text.rc, r.rc);
    for (const QString& s : secrets_)
      if (text.all().contains(s)) qFatal("a secret was printed by doctor (text)");
    return r;
  }

 private slots:
  void initTestCase() {
    azKey_ = QString::fromStdString(
        nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env")["NZ_AZ_KEY"]);
    QVERIFY2(!azKey_.isEmpty(), "no Azurite accounts.env");
    auto keys = nztest::readEnvFile(nztest::serverState("s3rver") + "/keys.env");
    s3Access_ = QString::fromStdString(keys["NZ_S3_ACCESS_KEY"]);
    s3Secret_ = QString::fromStdString(keys["NZ_S3_SECRET_KEY"]);
    QVERIFY(!s3Secret_.isEmpty());
    QFile sa(state("gcs_fake", "sa.json"));
    QVERIFY(sa.open(QIODevice::ReadOnly));
    gcsKeyPart_ = QString::fromUtf8(sa.readAll()).section("BEGIN PRIVATE KEY-----", 1).left(40);
    secrets_ = {azKey_, s3Secret_, gcsKeyPart_};

    const nz::Bytes brain = nztest::readFile((kRef + "/b_int16_scl_qform.nii.gz").toStdString());
    nz::StoreOptions o;
    o.azureAccount = "nzacct";
    o.azureKey = azKey_.toStdString();
    o.azureEndpoint = kAzEndpoint.toStdString();
    auto az = nz::openStore(nz::parseUri("az://nzdoctor"), o);
    nz::azureCreateContainer(*az);
    az->write("d/brain.nii.gz", brain);
    nz::StoreOptions s3;
    s3.awsAccessKeyId = s3Access_.toStdString();
    s3.awsSecretAccessKey = s3Secret_.toStdString();
    s3.endpointUrl = kS3Endpoint.toStdString();
    nz::openStore(nz::parseUri("s3://nzbucket/doctor"), s3)->write("brain.nii.gz", brain);
    qputenv("STORAGE_EMULATOR_HOST", kGcsHost.toUtf8());
    nz::StoreOptions g;
    g.gcsCredentialsFile = state("gcs_fake", "sa.json").toStdString();
    nz::openStore(nz::parseUri("gs://nzprivate/doctor"), g)->write("brain.nii.gz", brain);
    qunsetenv("STORAGE_EMULATOR_HOST");
  }

  void azureOk() {
    Run r = doctor("az://nzdoctor/d/brain.nii.gz", az(azKey_));
    QVERIFY2(r.rc == 0, qPrintable(r.brief()));
    QCOMPARE(r.json["ok"].toBool(), true);
    QCOMPARE(r.problem(), QString());
    QStringList ids;
    for (const auto& s : r.json["steps"].toArray()) ids << s.toObject()["id"].toString();
    QCOMPARE(ids,
             QStringList({"uri", "endpoint", "credentials", "dns", "tcp", "tls", "clock", "read"}));
    QCOMPARE(r.step("uri")["lines"].toArray()[1].toString(), QStringLiteral("container: nzdoctor"));
    const QString cred = r.step("credentials")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(cred.contains("skipped:   --azure-connection-string (not given)") &&
                 cred.contains("chosen:    --azure-key") &&
                 cred.contains("nzview uses: Azure account key from --azure-key"),
             qPrintable(cred));
    QCOMPARE(r.step("tls")["status"].toString(), QStringLiteral("skipped"));
    QCOMPARE(r.step("clock")["status"].toString(), QStringLiteral("ok"));
    noSecrets(r);
  }

  void azureWrongKey() {
    const QString wrong = QString::fromLatin1(QByteArray(64, '\x42').toBase64());
    secrets_ << wrong;
    Run r = doctor("az://nzdoctor/d/brain.nii.gz", az(wrong));
    QCOMPARE(r.rc, 1);
    QCOMPARE(r.problem(), QStringLiteral("bad_signature"));
    QCOMPARE(r.step("read")["status"].toString(), QStringLiteral("fail"));
    QVERIFY(r.json["hint"].toString().contains("key"));
    noSecrets(r);
  }

  void azureExpiredSas() {
    const std::string sas = nz::azureServiceSas("nzacct", azKey_.toStdString(), "nzdoctor",
                                                "d/brain.nii.gz", "r", expiry(-3600).toStdString());
    const QString sig = QString::fromStdString(sas).section("sig=", 1).section('&', 0, 0);
    secrets_ << sig;
    Run r = doctor("az://nzdoctor/d/brain.nii.gz",
                   {"--azure-account", "nzacct", "--azure-sas", QString::fromStdString(sas),
                    "--azure-endpoint", kAzEndpoint});
    QCOMPARE(r.rc, 1);
    QCOMPARE(r.problem(), QStringLiteral("expired_sas"));
    QVERIFY2(r.json["hint"].toString().contains(expiry(-3600).left(13)), qPrintable(r.brief()));
    // The server refused it for real, and the read says why.
    const QString read = r.step("read")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(read.contains("403") && read.contains("class: expired_sas"), qPrintable(read));
    noSecrets(r);
  }

  // A SAS that may write but not read: denied by its permissions (policy), not by its signature.
  void azurePolicyDenied() {
    const std::string sas = nz::azureServiceSas("nzacct", azKey_.toStdString(), "nzdoctor",
                                                "d/brain.nii.gz", "w", expiry(3600).toStdString());
    secrets_ << QString::fromStdString(sas).section("sig=", 1).section('&', 0, 0);
    Run r = doctor("az://nzdoctor/d/brain.nii.gz",
                   {"--azure-account", "nzacct", "--azure-sas", QString::fromStdString(sas),
                    "--azure-endpoint", kAzEndpoint});
    QCOMPARE(r.rc, 1);
    QVERIFY2(r.problem() == "access_denied", qPrintable(r.brief()));
    noSecrets(r);
  }

  void azureMissingContainerAndKey() {
    Run c = doctor("az://nzmissingcontainer/d/brain.nii.gz", az(azKey_));
    QCOMPARE(c.rc, 1);
    QCOMPARE(c.problem(), QStringLiteral("bucket_not_found"));
    Run k = doctor("az://nzdoctor/d/missing.nii.gz", az(azKey_));
    QCOMPARE(k.rc, 1);
    QCOMPARE(k.problem(), QStringLiteral("key_not_found"));
    Run z = doctor("az://nzdoctor/d/missing.nii.zarr", az(azKey_));
    QCOMPARE(z.problem(), QStringLiteral("key_not_found"));
    QVERIFY(z.step("read")["lines"].toVariant().toStringList().join("\n").contains("zarr.json"));
  }

  // A signing clock two hours ahead: the clock step measures it against the server's Date.
  void clockSkew_data() {
    QTest::addColumn<QString>("which");
    QTest::newRow("azure") << "azure";
    QTest::newRow("s3") << "s3";
  }
  void clockSkew() {
    QFETCH(QString, which);
    const QStringList skew{"--option", "clock_offset=7200"};
    Run r = which == "azure"
                ? doctor("az://nzdoctor/d/brain.nii.gz", az(azKey_) + skew)
                : doctor("s3://nzbucket/doctor/brain.nii.gz",
                         QStringList{"--endpoint-url", kS3Endpoint} + skew, s3Env(s3Secret_));
    QCOMPARE(r.problem(), QStringLiteral("clock_skew"));
    QCOMPARE(r.step("clock")["status"].toString(), QStringLiteral("fail"));
    const QString clock = r.step("clock")["lines"].toArray()[0].toString();
    QVERIFY2(
        clock.contains("(+7200 s)") || clock.contains("(+7199 s)") || clock.contains("(+7201 s)"),
        qPrintable(clock));
    QVERIFY(r.json["hint"].toString().contains("ahead"));
    if (which == "s3") {  // s3rver checks the signing time: the read fails for that reason
      QCOMPARE(r.rc, 1);
      const QString read = r.step("read")["lines"].toVariant().toStringList().join("\n");
      QVERIFY2(read.contains("class: clock_skew"), qPrintable(read));
    }
    noSecrets(r);
  }

  void s3OkWrongSecretMissingBucket() {
    Run ok = doctor("s3://nzbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint},
                    s3Env(s3Secret_));
    QVERIFY2(ok.rc == 0, qPrintable(ok.brief()));
    const QString cred = ok.step("credentials")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(cred.contains("skipped:   explicit AWS access key (not given)") &&
                 cred.contains("chosen:    AWS_ACCESS_KEY_ID") &&
                 cred.contains("not tried: AWS profile"),
             qPrintable(cred));
    QVERIFY(ok.step("endpoint")["lines"].toVariant().toStringList().join("\n").contains(
        "region: us-east-1"));
    const QString wrong = "WRONGwrongWRONGwrongWRONGwrong0123456789";
    secrets_ << wrong;
    Run bad =
        doctor("s3://nzbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint}, s3Env(wrong));
    QCOMPARE(bad.rc, 1);
    QCOMPARE(bad.problem(), QStringLiteral("bad_signature"));
    Run nb = doctor("s3://nzmissingbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint},
                    s3Env(s3Secret_));
    QCOMPARE(nb.rc, 1);
    QCOMPARE(nb.problem(), QStringLiteral("bucket_not_found"));
    noSecrets(ok);
    noSecrets(bad);
    noSecrets(nb);
  }

  // The two kinds of wrong S3 key, as s3rver answers them: an unknown key id (403
  // InvalidAccessKeyId) and a known key id with the wrong secret (403 SignatureDoesNotMatch):
  // both bad_signature, each with its own explanation and fix. A bucket policy that denies the
  // read cannot be made here: s3rver answers PUT ?policy with 501 NotImplemented (checked, so
  // this test notices a server that starts to support policies).
  void s3KeyIdVersusSecretAndPolicy() {
    const QString wrongSecret = "WRONGwrongWRONGwrongWRONGwrong0123456789";
    secrets_ << wrongSecret;
    Run secret = doctor("s3://nzbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint},
                        s3Env(wrongSecret));
    QCOMPARE(secret.rc, 1);
    QCOMPARE(secret.problem(), QStringLiteral("bad_signature"));
    const QString sread = secret.step("read")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(sread.contains("403") && sread.contains("SignatureDoesNotMatch") &&
                 sread.contains("the key id is known but the signature does not match"),
             qPrintable(sread));
    QVERIFY(secret.json["hint"].toString().contains("secret does not belong to this key id"));
    Run keyId = doctor(
        "s3://nzbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint},
        {{"AWS_ACCESS_KEY_ID", "AKIDNOTKNOWNHERE0000"}, {"AWS_SECRET_ACCESS_KEY", s3Secret_}});
    QCOMPARE(keyId.rc, 1);
    QCOMPARE(keyId.problem(), QStringLiteral("bad_signature"));
    const QString kread = keyId.step("read")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(kread.contains("403") && kread.contains("InvalidAccessKeyId") &&
                 kread.contains("does not know this access key id"),
             qPrintable(kread));
    QVERIFY(keyId.json["hint"].toString().contains("AWS_ACCESS_KEY_ID"));
    noSecrets(secret);
    noSecrets(keyId);

    // A deny-everything bucket policy, signed with the right key.
    nz::HttpClient http;
    nz::HttpRequest req;
    req.method = "PUT";
    req.url = (kS3Endpoint + "/nzbucket?policy=").toStdString();
    const std::string policy =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","
        "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::nzbucket/doctor/*\"}]}";
    req.body.assign(policy.begin(), policy.end());
    const nz::AwsCredentials creds{s3Access_.toStdString(), s3Secret_.toStdString(), ""};
    req.sign = [creds](nz::HttpRequest& r) {
      nz::signSigV4(r, creds, "us-east-1", "s3", std::time(nullptr));
    };
    const nz::HttpResponse put = http.sendSync(std::move(req));
    const std::string body(put.body.begin(), put.body.end());
    if (put.status == 501 && body.find("NotImplemented") != std::string::npos)
      QSKIP(
          "s3rver does not implement bucket policies (PUT ?policy: 501 NotImplemented), so "
          "no S3 policy denial can be produced for real here");
    QVERIFY2(put.status == 200 || put.status == 204, body.c_str());
    Run denied = doctor("s3://nzbucket/doctor/brain.nii.gz", {"--endpoint-url", kS3Endpoint},
                        s3Env(s3Secret_));
    QCOMPARE(denied.problem(), QStringLiteral("access_denied"));
  }

  // The bucket "lives" in eu-west-3: the doctor names the region, and a normal open follows.
  void s3WrongRegion() {
    QProcess proxy;
    proxy.start(
        "/usr/bin/python3",
        {QStringLiteral(NZ_SOURCE_DIR "/tests/doctor/s3_region_proxy.py"), "eu-west-3", "14568"});
    for (int i = 0; i < 100 && !proxy.canReadLine(); ++i) proxy.waitForReadyRead(200);
    QVERIFY(proxy.canReadLine());
    const QString port = QString::fromUtf8(proxy.readLine()).section(' ', 1).trimmed();
    QVERIFY(!port.isEmpty());
    const QString endpoint = "http://127.0.0.1:" + port;
    Run r = doctor("s3://nzbucket/doctor/brain.nii.gz",
                   {"--endpoint-url", endpoint, "--aws-region", "us-east-1"}, s3Env(s3Secret_));
    QVERIFY2(r.rc == 0, qPrintable(r.brief()));
    QCOMPARE(r.problem(), QStringLiteral("wrong_region"));
    QCOMPARE(r.step("read")["status"].toString(), QStringLiteral("warn"));
    QVERIFY(r.json["hint"].toString().contains("--aws-region eu-west-3"));
    Run info = run({"info", "s3://nzbucket/doctor/brain.nii.gz", "--json", "--endpoint-url",
                    endpoint, "--aws-region", "us-east-1"},
                   s3Env(s3Secret_));
    QVERIFY2(info.rc == 0, qPrintable(info.all()));
    QCOMPARE(info.json["dtype"].toString(), QStringLiteral("int16"));
    noSecrets(info);
    // An export to that bucket follows the region before its first write (a .nii.zarr tree and
    // its manifest), and reads back.
    Run up = run({"export", kRef + "/g1_v3_uint8_oblique.nii.zarr", "-o",
                  "s3://nzbucket/doctor/region.nii.zarr", "--roi", "0:16,0:16,0:8",
                  "--endpoint-url", endpoint, "--aws-region", "us-east-1"},
                 s3Env(s3Secret_));
    QVERIFY2(up.rc == 0, qPrintable(up.all()));
    Run back = run(
        {"info", "s3://nzbucket/doctor/region.nii.zarr", "--json", "--endpoint-url", kS3Endpoint},
        s3Env(s3Secret_));
    QVERIFY2(back.rc == 0, qPrintable(back.all()));
    QCOMPARE(back.json["shape"].toArray(), QJsonArray({16, 16, 8}));
    noSecrets(up);
    proxy.kill();
    proxy.waitForFinished();
  }

  void gcs() {
    const QMap<QString, QString> env{{"STORAGE_EMULATOR_HOST", kGcsHost}};
    const QStringList creds{"--gcs-credentials", state("gcs_fake", "sa.json")};
    Run ok = doctor("gs://nzprivate/doctor/brain.nii.gz", creds, env);
    QVERIFY2(ok.rc == 0, qPrintable(ok.brief()));
    const QString cred = ok.step("credentials")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(cred.contains("chosen:    --gcs-credentials") &&
                 cred.contains("token obtained from GCS service account"),
             qPrintable(cred));
    // The same service account with another private key: the token endpoint refuses the JWT.
    QTemporaryDir dir;
    QProcess gen;
    gen.start("openssl", {"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
    QVERIFY(gen.waitForFinished(60000) && gen.exitCode() == 0);
    const QString otherKey = QString::fromUtf8(gen.readAllStandardOutput());
    QFile sa(state("gcs_fake", "sa.json"));
    QVERIFY(sa.open(QIODevice::ReadOnly));
    QJsonObject j = QJsonDocument::fromJson(sa.readAll()).object();
    j["private_key"] = otherKey;
    QFile wrong(dir.filePath("wrong-sa.json"));
    QVERIFY(wrong.open(QIODevice::WriteOnly));
    wrong.write(QJsonDocument(j).toJson());
    wrong.close();
    secrets_ << otherKey.section("BEGIN PRIVATE KEY-----", 1).left(40);
    Run bad =
        doctor("gs://nzprivate/doctor/brain.nii.gz", {"--gcs-credentials", wrong.fileName()}, env);
    QCOMPARE(bad.rc, 1);
    QVERIFY2(bad.problem() == "credential_source_failed", qPrintable(bad.brief()));
    QCOMPARE(bad.step("credentials")["status"].toString(), QStringLiteral("fail"));
    noSecrets(bad);
    Run missing = doctor("gs://nzprivate/doctor/missing.nii.gz", creds, env);
    QCOMPARE(missing.problem(), QStringLiteral("key_not_found"));
    Run anon = doctor("gs://nzprivate/doctor/brain.nii.gz", {"--anonymous"}, env);
    QCOMPARE(anon.rc, 1);
    QCOMPARE(anon.problem(), QStringLiteral("no_credentials"));
    noSecrets(ok);
    noSecrets(missing);
    noSecrets(anon);
  }

  // The bearer token's lifetime: a GCS service-account token (an hour), then Azure AD tokens
  // from the fixture's token endpoint against Azurite with OAuth: one living 120 s (readable,
  // warned), one issued already expired (refused by Azurite for real, classified with its time).
  void tokenLifetime() {
    const QMap<QString, QString> genv{{"STORAGE_EMULATOR_HOST", kGcsHost}};
    Run g = doctor("gs://nzprivate/doctor/brain.nii.gz",
                   {"--gcs-credentials", state("gcs_fake", "sa.json")}, genv);
    QVERIFY2(g.rc == 0, qPrintable(g.brief()));
    QCOMPARE(g.problem(), QString());
    const QJsonObject gt = g.json["token"].toObject();
    QVERIFY2(gt["source"].toString().contains("GCS service account"),
             qPrintable(gt["source"].toString()));
    const qint64 left = gt["remaining_seconds"].toInteger();
    QVERIFY2(left > 3500 && left <= 3600, qPrintable(QString::number(left)));
    const QDateTime at = QDateTime::fromString(gt["expires_at"].toString(), Qt::ISODate);
    QVERIFY(at.isValid());
    QVERIFY(std::abs(QDateTime::currentDateTimeUtc().secsTo(at) - left) <= 5);
    const QString gcred = g.step("credentials")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(gcred.contains("token expires: " + gt["expires_at"].toString() + " (in "),
             qPrintable(gcred));
    QCOMPARE(g.step("credentials")["status"].toString(), QStringLiteral("ok"));

    // Azure AD (client secret) against Azurite with --oauth basic.
    const QString endpoint = "https://127.0.0.1:10443/devstoreaccount1";
    const QString ca = state("azurite_oauth", "certs/ca.crt");
    {
      // The blob, written with the emulator's well-known (public) development key.
      nz::StoreOptions o;
      o.azureAccount = "devstoreaccount1";
      o.azureKey =
          "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
          "KBHBeksoGMGw==";
      o.azureEndpoint = endpoint.toStdString();
      o.caFile = ca.toStdString();
      auto store = nz::openStore(nz::parseUri("az://nztoken"), o);
      nz::azureCreateContainer(*store);
      store->write("brain.nii.gz",
                   nztest::readFile((kRef + "/b_int16_scl_qform.nii.gz").toStdString()));
    }
    auto creds = nztest::readEnvFile(nztest::serverState("gcs_fake") + "/creds.env");
    QTemporaryDir emptyBin;  // no `az` CLI ahead of the client secret in the chain
    auto azEnv = [&](const std::string& clientIdVar) {
      return QMap<QString, QString>{
          {"AZURE_CLIENT_ID", QString::fromStdString(creds[clientIdVar])},
          {"AZURE_TENANT_ID", QString::fromStdString(creds["NZ_AZ_TENANT_ID"])},
          {"AZURE_CLIENT_SECRET", QString::fromStdString(creds["NZ_AZ_CLIENT_SECRET"])},
          {"AZURE_AUTHORITY_HOST", "http://127.0.0.1:14444"},
          {"PATH", emptyBin.path()}};
    };
    secrets_ << QString::fromStdString(creds["NZ_AZ_CLIENT_SECRET"]);
    const QStringList opts{"--azure-account", "devstoreaccount1", "--azure-endpoint",
                           endpoint,          "--cacert",         ca};

    Run ok = doctor("az://nztoken/brain.nii.gz", opts, azEnv("NZ_AZ_CLIENT_ID"));
    QVERIFY2(ok.rc == 0, qPrintable(ok.brief()));
    QCOMPARE(ok.problem(), QString());
    QVERIFY2(ok.json["token"].toObject()["source"].toString().contains("client secret"),
             qPrintable(ok.json["token"].toObject()["source"].toString()));
    QVERIFY(ok.json["token"].toObject()["remaining_seconds"].toInteger() > 3500);

    Run soon = doctor("az://nztoken/brain.nii.gz", opts, azEnv("NZ_AZ_SHORT_CLIENT_ID"));
    QVERIFY2(soon.rc == 0, qPrintable(soon.brief()));  // still readable
    QCOMPARE(soon.problem(), QStringLiteral("token_expiring"));
    QCOMPARE(soon.step("credentials")["status"].toString(), QStringLiteral("warn"));
    const qint64 soonLeft = soon.json["token"].toObject()["remaining_seconds"].toInteger();
    QVERIFY2(soonLeft > 60 && soonLeft <= 120, qPrintable(QString::number(soonLeft)));
    QVERIFY2(soon.json["hint"].toString().contains("expires in 1 min") ||
                 soon.json["hint"].toString().contains("expires in 2 min"),
             qPrintable(soon.json["hint"].toString()));
    QCOMPARE(soon.step("read")["status"].toString(), QStringLiteral("ok"));

    Run expired = doctor("az://nztoken/brain.nii.gz", opts, azEnv("NZ_AZ_EXPIRED_CLIENT_ID"));
    QCOMPARE(expired.rc, 1);
    QCOMPARE(expired.problem(), QStringLiteral("expired_token"));
    const QJsonObject et = expired.json["token"].toObject();
    const qint64 ago = et["remaining_seconds"].toInteger();
    QVERIFY2(ago <= -595 && ago >= -610, qPrintable(QString::number(ago)));
    const QString ecred =
        expired.step("credentials")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(ecred.contains("token expires: " + et["expires_at"].toString() + " (EXPIRED 10 min") ||
                 ecred.contains("(EXPIRED 9 min"),
             qPrintable(ecred));
    QVERIFY(expired.json["hint"].toString().contains(et["expires_at"].toString()));
    // Azurite itself refused the expired token; the read names the class and the time.
    const QString read = expired.step("read")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2((read.contains("401") || read.contains("403")) &&
                 read.contains("class: expired_token") &&
                 read.contains("expired at " + et["expires_at"].toString()),
             qPrintable(read));
    noSecrets(g);
    noSecrets(ok);
    noSecrets(soon);
    noSecrets(expired);
  }

  // TLS: Azurite over HTTPS with a certificate from the test CA: unknown to the system store
  // (named), trusted with --cacert.
  void tlsCertificate() {
    const QString endpoint = "https://127.0.0.1:10443/nzacct";
    Run r = doctor("az://nzdoctor/d/brain.nii.gz", {"--azure-account", "nzacct", "--azure-key",
                                                    azKey_, "--azure-endpoint", endpoint});
    QCOMPARE(r.rc, 1);
    QCOMPARE(r.problem(), QStringLiteral("tls_certificate"));
    const QString tls = r.step("tls")["lines"].toVariant().toStringList().join("\n");
    QVERIFY2(tls.contains("certificate problem: ") &&
                 (tls.contains("self-signed") || tls.contains("local issuer")),
             qPrintable(tls));
    QVERIFY(r.json["hint"].toString().contains("--cacert"));
    Run ok = doctor("az://nzdoctor/d/brain.nii.gz",
                    {"--azure-account", "nzacct", "--azure-key", azKey_, "--azure-endpoint",
                     endpoint, "--cacert", state("azurite_oauth", "certs/ca.crt")});
    QCOMPARE(ok.step("tls")["status"].toString(), QStringLiteral("ok"));
    QVERIFY(ok.step("tls")["lines"].toVariant().toStringList().join("\n").contains("verified"));
  }

  void dnsAndTcp() {
    Run dns =
        doctor("az://nzdoctor/x.nii.gz",
               az(azKey_).mid(0, 4) +
                   QStringList{"--azure-endpoint", "http://nzview-no-such-host.invalid/nzacct"});
    QCOMPARE(dns.problem(), QStringLiteral("dns"));
    Run tcp =
        doctor("az://nzdoctor/x.nii.gz",
               az(azKey_).mid(0, 4) + QStringList{"--azure-endpoint", "http://127.0.0.1:9/nzacct"});
    QCOMPARE(tcp.problem(), QStringLiteral("tcp"));
    QVERIFY(tcp.step("tcp")["lines"].toArray()[0].toString().contains("refused"));
  }

  // A manifest of an export from Azure records the blob's ETag; replacing the blob makes the
  // replay refuse, naming the ETag change.
  void manifestOfCloudSource() {
    QTemporaryDir dir;
    const QString out = dir.filePath("a.nii");
    Run e = run(QStringList{"export", "az://nzdoctor/d/brain.nii.gz", "-o", out, "--roi",
                            "0:10,0:10,0:10"} +
                az(azKey_));
    QVERIFY2(e.rc == 0, qPrintable(e.all()));
    QFile mf(out + ".nzview.json");
    QVERIFY(mf.open(QIODevice::ReadOnly));
    const QJsonObject m = QJsonDocument::fromJson(mf.readAll()).object();
    const QJsonObject v = m["source"].toObject()["validators"].toArray()[0].toObject();
    QCOMPARE(v["key"].toString(), QStringLiteral("brain.nii.gz"));
    QVERIFY(!v["etag"].toString().isEmpty());
    QVERIFY(!v["last_modified"].toString().isEmpty());
    Run same =
        run(QStringList{"export", "--replay", out + ".nzview.json", "-o", dir.filePath("b.nii")} +
            az(azKey_));
    QVERIFY2(same.rc == 0, qPrintable(same.all()));
    nz::StoreOptions o;
    o.azureAccount = "nzacct";
    o.azureKey = azKey_.toStdString();
    o.azureEndpoint = kAzEndpoint.toStdString();
    nz::openStore(nz::parseUri("az://nzdoctor/d"), o)
        ->write("brain.nii.gz",
                nztest::readFile((kRef + "/b_int16_scl_qform.nii.gz").toStdString()));
    Run changed =
        run(QStringList{"export", "--replay", out + ".nzview.json", "-o", dir.filePath("c.nii")} +
            az(azKey_));
    QVERIFY(changed.rc != 0);
    QVERIFY2(changed.err.contains("changed since the export") &&
                 changed.err.contains("brain.nii.gz: ETag"),
             qPrintable(changed.err));
    QVERIFY(!QFile::exists(dir.filePath("c.nii")));
    noSecrets(e);
    noSecrets(changed);
  }
};

QTEST_GUILESS_MAIN(TestDoctorCloud)
#include "tst_doctor_cloud.moc"
