// URI parsing for every scheme in the contract, and secret redaction.
#include <QtTest>

#include "core/error.h"
#include "uri/uri.h"

using nz::Scheme;

class TestUri : public QObject {
  Q_OBJECT
 private slots:
  void azureForms() {
    auto a = nz::parseUri("az://scans/sub/brain.nii.zarr/");
    QCOMPARE(a.scheme, Scheme::Azure);
    QCOMPARE(a.bucket, std::string("scans"));
    QCOMPARE(a.path, std::string("sub/brain.nii.zarr"));
    QCOMPARE(a.basename(), std::string("brain.nii.zarr"));

    auto b = nz::parseUri("abfs://scans@lab.dfs.core.windows.net/brain.nii.zarr");
    QCOMPARE(b.scheme, Scheme::Azure);
    QCOMPARE(b.account, std::string("lab"));
    QCOMPARE(b.bucket, std::string("scans"));
    QCOMPARE(b.path, std::string("brain.nii.zarr"));

    auto c =
        nz::parseUri("https://lab.blob.core.windows.net/scans/x/brain.nii.zarr?sv=1&sig=SECRET");
    QCOMPARE(c.scheme, Scheme::Azure);
    QCOMPARE(c.account, std::string("lab"));
    QCOMPARE(c.bucket, std::string("scans"));
    QCOMPARE(c.path, std::string("x/brain.nii.zarr"));
    QCOMPARE(c.query, std::string("sv=1&sig=SECRET"));
    QVERIFY(c.redacted().find("SECRET") == std::string::npos);
  }

  void s3GcsHttpFile() {
    auto s = nz::parseUri("s3://bucket/a/b.nii.zarr");
    QCOMPARE(s.scheme, Scheme::S3);
    QCOMPARE(s.bucket, std::string("bucket"));
    QCOMPARE(s.path, std::string("a/b.nii.zarr"));
    auto g = nz::parseUri("gs://bkt/k.nii.gz");
    QCOMPARE(g.scheme, Scheme::Gcs);
    QCOMPARE(g.path, std::string("k.nii.gz"));
    auto h = nz::parseUri("http://127.0.0.1:18080/refdata/a.nii.zarr/");
    QCOMPARE(h.scheme, Scheme::Http);
    QCOMPARE(h.endpoint, std::string("http://127.0.0.1:18080"));
    QCOMPARE(h.path, std::string("refdata/a.nii.zarr"));
    auto f = nz::parseUri("file:///data/x%20y.nii.zarr");
    QCOMPARE(f.scheme, Scheme::File);
    QCOMPARE(f.path, std::string("/data/x y.nii.zarr"));
    auto p = nz::parseUri("relative/dir.nii.zarr/");
    QCOMPARE(p.scheme, Scheme::File);
    QCOMPARE(p.path, std::string("relative/dir.nii.zarr"));
  }

  void badUris() {
    QVERIFY_THROWS_EXCEPTION(nz::Error, nz::parseUri(""));
    QVERIFY_THROWS_EXCEPTION(nz::Error, nz::parseUri("s3://"));
    QVERIFY_THROWS_EXCEPTION(nz::Error, nz::parseUri("ftp://host/x"));
    try {
      nz::parseUri("ftp://host/x?sig=TOPSECRET");
      QFAIL("no throw");
    } catch (const nz::Error& e) {
      QVERIFY(std::string(e.what()).find("TOPSECRET") == std::string::npos);
      QVERIFY(std::string(e.what()).find("ftp") != std::string::npos);
    }
  }

  void redaction_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("secret");
    QTest::newRow("sas") << "https://a.blob.core.windows.net/c/k?sv=2021&sig=abc%2Bdef"
                         << "abc%2Bdef";
    QTest::newRow("amz") << "GET /k?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA1"
                         << "deadbeef";
    QTest::newRow("connstr") << "AccountName=x;AccountKey=S3cr3t==;EndpointSuffix=y"
                             << "S3cr3t==";
    QTest::newRow("connstr-space") << "AccountName=x;AccountKey= S3cr3t==;B=1"
                                   << "S3cr3t==";
    QTest::newRow("connstr-cr") << "AccountKey=\rS3cr3t==;AccountName=x"
                                << "S3cr3t==";
    QTest::newRow("connstr-quote") << "AccountKey=\"S3cr3t'x\""
                                   << "S3cr3t";
    QTest::newRow("sas-in-connstr") << "BlobEndpoint=h;SharedAccessSignature=sv=1&sig=zzz"
                                    << "zzz";
    QTest::newRow("auth-header") << "Authorization: Bearer ya29.TOKEN"
                                 << "ya29.TOKEN";
    QTest::newRow("token-param") << "https://h/x?access_token=tok123"
                                 << "tok123";
    QTest::newRow("userinfo") << "GET http://user:PassW0rd@127.0.0.1:1/a failed"
                              << "PassW0rd";
    QTest::newRow("userinfo-empty-user") << "https://:tok@h/x"
                                         << "tok";
  }
  void redaction() {
    QFETCH(QString, text);
    QFETCH(QString, secret);
    const std::string out = nz::redactSecrets(text.toStdString());
    QVERIFY2(out.find(secret.toStdString()) == std::string::npos, out.c_str());
    QVERIFY(out.find("REDACTED") != std::string::npos);
  }

  void redactionKeepsWhatIsNotSecret() {
    QCOMPARE(nz::redactSecrets("GET http://user:pw@h:8/a/b?x=1 failed"),
             std::string("GET http://user:REDACTED@h:8/a/b?x=1 failed"));
    // abfs's container@account and an e-mail in a path are not credentials.
    QCOMPARE(nz::redactSecrets("abfs://c@acct.dfs.core.windows.net/p"),
             std::string("abfs://c@acct.dfs.core.windows.net/p"));
    QCOMPARE(nz::redactSecrets("https://h/users/me@x.org/f"),
             std::string("https://h/users/me@x.org/f"));
  }

  void percentCoding() {
    QCOMPARE(nz::percentEncode("a b/c~", false), std::string("a%20b%2Fc~"));
    QCOMPARE(nz::percentEncode("a b/c", true), std::string("a%20b/c"));
    QCOMPARE(nz::percentDecode("a%20b%2fc%zz"), std::string("a b/c%zz"));
  }
};

QTEST_GUILESS_MAIN(TestUri)
#include "tst_uri.moc"
