// Azure Blob store end to end against Azurite 3.35 (http://127.0.0.1:10000, path-style), plus
// the bearer-token credential sources against the token endpoints of the GCS fake (14444).
// Credential sources: UseDevelopmentStorage connection string, full connection string with
// BlobEndpoint, --azure-key + --azure-endpoint for a generated account, AZURE_STORAGE_ACCOUNT_NAME
// + _KEY, service SAS (--azure-sas and in the URI), account SAS in a connection string,
// AZURE_STORAGE_SAS_TOKEN; bearer: client secret (AZURE_AUTHORITY_HOST), managed identity
// (AZURE_POD_IDENTITY_AUTHORITY_HOST), Azure CLI (a fake `az` on PATH).
#include <QtTest>

#include "cloud/azure_credentials.h"
#include "cloud/azure_shared_key.h"
#include "cloud/cloud_test_hooks.h"
#include "cloud/crypto.h"
#include "cloud_test_util.h"
#include "open/store_factory.h"

using namespace nz;

namespace {

const char* kAzurite = "http://127.0.0.1:10000";
const char* kTokenHost = "http://127.0.0.1:14444";
// The second Azurite: HTTPS + `--oauth basic` (fixture azurite_oauth), trusting its test CA.
const char* kAzuriteOAuth = "https://127.0.0.1:10443/devstoreaccount1";
std::string oauthCa() { return nztest::serverState("azurite_oauth") + "/certs/ca.crt"; }

std::map<std::string, std::string> account() {
  return nztest::readEnvFile(nztest::serverState("azurite") + "/accounts.env");
}

// The Azure client-secret credential of the token fake, as a user's AZURE_* variables.
void useClientSecret(nztest::CleanEnv& env) {
  auto creds = nztest::readEnvFile(nztest::serverState("gcs_fake") + "/creds.env");
  env.set("AZURE_CLIENT_ID", creds["NZ_AZ_CLIENT_ID"]);
  env.set("AZURE_TENANT_ID", creds["NZ_AZ_TENANT_ID"]);
  env.set("AZURE_CLIENT_SECRET", creds["NZ_AZ_CLIENT_SECRET"]);
  env.set("AZURE_AUTHORITY_HOST", kTokenHost);
}

std::string expiryIn(int seconds) { return isoUtc(std::time(nullptr) + seconds); }

void checkTree(Store& store, const std::map<std::string, Bytes>& tree) {
  for (const auto& [key, data] : tree) {
    ReadResult all = store.read(key);
    QVERIFY2(all.ok(), all.error.c_str());
    QVERIFY(all.data == data);
    if (data.size() > 20) {
      ReadResult part = store.read(key, ByteRange::span(3, 11));
      QVERIFY2(part.ok(), part.error.c_str());
      QVERIFY(part.data == nztest::slice(data, 3, 11));
      QCOMPARE(part.totalSize.value_or(0), std::uint64_t(data.size()));
      ReadResult tail = store.read(key, ByteRange::suffix(9));
      QVERIFY2(tail.ok(), tail.error.c_str());
      QVERIFY(tail.data == nztest::slice(data, data.size() - 9, 9));
    }
  }
}

}  // namespace

class TestCloudAzure : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY2(!account()["NZ_AZ_KEY"].empty(), "azurite state missing"); }

  void developmentStorageConnectionString() {
    nztest::CleanEnv env;
    env.set("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
    auto store = openStore(parseUri("az://nzcontainer/trees/sample.nii.zarr"));
    azureCreateContainer(*store);
    auto tree = nztest::sampleTree();
    for (const auto& [key, data] : tree) store->write(key, data);
    checkTree(*store, tree);
    QVERIFY(store->read("missing/key").missing());
    QVERIFY(!store->size("missing/key"));
    QCOMPARE(store->size(tree.begin()->first).value_or(0),
             std::uint64_t(tree.begin()->second.size()));
    // The abfs form names the same container.
    auto abfs = openStore(
        parseUri("abfs://nzcontainer@devstoreaccount1.dfs.core.windows.net/trees/sample.nii.zarr"));
    checkTree(*abfs, tree);
    store->remove(tree.begin()->first);
    QVERIFY(store->read(tree.begin()->first).missing());
    store->remove("never/there");
  }

  void explicitKeyAndEndpointForOwnAccount() {
    nztest::CleanEnv env;
    auto acct = account();
    StoreOptions o;
    o.azureAccount = acct["NZ_AZ_ACCOUNT"];
    o.azureKey = acct["NZ_AZ_KEY"];
    o.azureEndpoint = kAzurite;  // path-style: /nzacct is appended
    auto store = openStore(parseUri("az://nzown/a/b"), o);
    azureCreateContainer(*store);
    Bytes data = nztest::randomBytes(5000, 21);
    store->write("x y+z.bin", data);
    ReadResult r = store->read("x y+z.bin", ByteRange::span(4990, 100));  // end clamped
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.data == nztest::slice(data, 4990, 10));
    // Past the end is an error naming the object, as for every store (tests/store).
    ReadResult past = store->read("x y+z.bin", ByteRange::span(6000, 10));
    QCOMPARE(int(past.status), int(ReadResult::Status::Error));
    QVERIFY2(past.error.find("x y+z.bin") != std::string::npos, past.error.c_str());

    // The same through environment variables and a full connection string.
    env.set("AZURE_STORAGE_ACCOUNT_NAME", acct["NZ_AZ_ACCOUNT"]);
    env.set("AZURE_STORAGE_ACCOUNT_KEY", acct["NZ_AZ_KEY"]);
    StoreOptions e;
    e.azureEndpoint = std::string(kAzurite) + "/" + acct["NZ_AZ_ACCOUNT"];
    auto viaEnv = openStore(parseUri("az://nzown/a/b"), e);
    QVERIFY(viaEnv->read("x y+z.bin").data == data);
    ::unsetenv("AZURE_STORAGE_ACCOUNT_KEY");
    StoreOptions c;
    c.azureConnectionString = "DefaultEndpointsProtocol=http;AccountName=" + acct["NZ_AZ_ACCOUNT"] +
                              ";AccountKey=" + acct["NZ_AZ_KEY"] + ";BlobEndpoint=" + kAzurite +
                              "/" + acct["NZ_AZ_ACCOUNT"] + ";";
    auto viaCs = openStore(parseUri("az://nzown/a/b"), c);
    QVERIFY(viaCs->read("x y+z.bin", ByteRange::span(0, 10)).data == nztest::slice(data, 0, 10));
  }

  void missingContainerIsAnError() {
    nztest::CleanEnv env;
    env.set("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
    ReadResult r = openStore(parseUri("az://no-such-container/x"))->read("y");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QCOMPARE(int(r.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::NotFound));
    QVERIFY2(r.error.find("ContainerNotFound") != std::string::npos, r.error.c_str());
  }

  void wrongKeyIsForbiddenWithClearMessage() {
    nztest::CleanEnv env;
    auto acct = account();
    std::string wrongKey = crypto::base64Encode(std::string(64, 'w'));
    StoreOptions o;
    o.azureAccount = acct["NZ_AZ_ACCOUNT"];
    o.azureKey = wrongKey;
    o.azureEndpoint = kAzurite;
    auto store = openStore(parseUri("az://nzown/a/b"), o);
    ReadResult r = store->read("x y+z.bin");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QCOMPARE(int(r.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
    QVERIFY2(r.error.rfind("403 Forbidden from az://nzown/a/b/x y+z.bin using Azure account key "
                           "from --azure-key",
                           0) == 0,
             r.error.c_str());
    QVERIFY(!nztest::contains(r.error, wrongKey));
    try {
      store->write("w.bin", Bytes(10, 1));
      QFAIL("expected 403");
    } catch (const Error& e) {
      QCOMPARE(int(e.kind()), int(ErrorKind::PermissionDenied));
      QVERIFY(!nztest::contains(e.what(), wrongKey));
    }
    // A wrong key in the environment names the variable.
    env.set("AZURE_STORAGE_CONNECTION_STRING",
            "AccountName=devstoreaccount1;AccountKey=" + wrongKey + ";BlobEndpoint=" + kAzurite +
                "/devstoreaccount1");
    auto viaEnv = openStore(parseUri("az://nzcontainer/trees"));
    ReadResult e2 = viaEnv->read("sample.nii.zarr/.zattrs");
    QVERIFY2(e2.error.find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos,
             e2.error.c_str());
    QVERIFY(!nztest::contains(e2.error, wrongKey));
  }

  void sasTokens() {
    nztest::CleanEnv env;
    std::string key = crypto::base64Decode(kAzuriteKey, "key");
    env.set("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
    auto writer = openStore(parseUri("az://nzsas/dir"));
    azureCreateContainer(*writer);
    Bytes data = nztest::randomBytes(2000, 5);
    writer->write("blob.bin", data);
    ::unsetenv("AZURE_STORAGE_CONNECTION_STRING");
    std::string endpoint = std::string(kAzurite) + "/devstoreaccount1";

    // Service SAS for one blob, given with --azure-sas.
    StoreOptions o;
    o.azureEndpoint = endpoint;
    o.azureSas =
        azureServiceSas("devstoreaccount1", key, "nzsas", "dir/blob.bin", "r", expiryIn(3600));
    auto blobSas = openStore(parseUri("az://nzsas/dir"), o);
    ReadResult r = blobSas->read("blob.bin", ByteRange::span(10, 10));
    QVERIFY2(r.ok(), r.error.c_str());
    QVERIFY(r.data == nztest::slice(data, 10, 10));
    // Read-only SAS cannot write: 403 naming the SAS source, without the signature.
    try {
      blobSas->write("blob.bin", data);
      QFAIL("expected 403");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("SAS token from --azure-sas") != std::string::npos,
               e.what());
      QVERIFY(std::string(e.what()).find("sig=") == std::string::npos);
    }
    // Container SAS pasted into the URI (https form is not needed: endpoint is explicit).
    StoreOptions u;
    u.azureEndpoint = endpoint;
    std::string containerSas =
        azureServiceSas("devstoreaccount1", key, "nzsas", "", "rl", expiryIn(3600));
    auto inUri = openStore(parseUri("az://nzsas/dir?" + containerSas), u);
    QVERIFY(inUri->describe().find(containerSas.substr(containerSas.find("sig="))) ==
            std::string::npos);
    QVERIFY(inUri->read("blob.bin").data == data);
    // Account SAS in a connection string (SharedAccessSignature= form).
    std::string acctSas = azureAccountSas("devstoreaccount1", key, "rwl", "sco", expiryIn(3600));
    StoreOptions c;
    c.azureConnectionString = "BlobEndpoint=" + endpoint + ";SharedAccessSignature=" + acctSas;
    auto viaCs = openStore(parseUri("az://nzsas/dir"), c);
    QVERIFY(viaCs->read("blob.bin", ByteRange::span(0, 5)).data == nztest::slice(data, 0, 5));
    viaCs->write("written-with-sas.bin", Bytes(100, 7));
    QCOMPARE(viaCs->size("written-with-sas.bin").value_or(0), std::uint64_t(100));
    // AZURE_STORAGE_SAS_TOKEN with AZURE_STORAGE_ACCOUNT_NAME.
    env.set("AZURE_STORAGE_ACCOUNT_NAME", "devstoreaccount1");
    env.set("AZURE_STORAGE_SAS_TOKEN", "?" + acctSas);
    StoreOptions e;
    e.azureEndpoint = kAzurite;
    auto viaEnv = openStore(parseUri("az://nzsas/dir"), e);
    QVERIFY(viaEnv->read("blob.bin").data == data);
    // Expired and tampered SAS -> 403.
    StoreOptions x;
    x.azureEndpoint = endpoint;
    x.azureSas =
        azureServiceSas("devstoreaccount1", key, "nzsas", "dir/blob.bin", "r", expiryIn(-60));
    ReadResult expired = openStore(parseUri("az://nzsas/dir"), x)->read("blob.bin");
    QCOMPARE(int(expired.errorKind.value_or(ErrorKind::Io)), int(ErrorKind::PermissionDenied));
  }

  void blockUploadAboveThreshold() {
    nztest::CleanEnv env;
    env.set("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
    StoreOptions o;
    o.extra["azure_block_threshold"] = "100000";
    o.extra["azure_block_size"] = "40000";
    auto store = openStore(parseUri("az://nzcontainer/blocks"), o);
    azureCreateContainer(*store);
    Bytes data = nztest::randomBytes(250000, 9);  // 7 blocks
    store->write("big.bin", data);
    ReadResult all = store->read("big.bin");
    QVERIFY2(all.ok(), all.error.c_str());
    QVERIFY(all.data == data);
    QVERIFY(store->read("big.bin", ByteRange::span(39990, 20)).data ==
            nztest::slice(data, 39990, 20));
    QVERIFY(store->stats().requests >= 8);
  }

  // Leaves a complete NIfTI-Zarr at az://nzcli/a.nii.zarr (account nzacct) for the CLI test
  // (cli_info_azure_no_secrets, which runs after this test).
  void uploadDatasetForCli() {
    nztest::CleanEnv env;
    auto acct = account();
    StoreOptions o;
    o.azureAccount = acct["NZ_AZ_ACCOUNT"];
    o.azureKey = acct["NZ_AZ_KEY"];
    o.azureEndpoint = kAzurite;
    auto store = openStore(parseUri("az://nzcli/a.nii.zarr"), o);
    azureCreateContainer(*store);
    std::filesystem::path src =
        std::filesystem::path(NZ_TEST_DATA_DIR) / "refdata/a_uint8_oblique_sform.nii.zarr";
    QVERIFY2(std::filesystem::is_directory(src), "tests/data/refdata missing");
    int n = 0;
    for (const auto& f : std::filesystem::recursive_directory_iterator(src)) {
      if (!f.is_regular_file()) continue;
      store->write(std::filesystem::relative(f.path(), src).generic_string(),
                   nztest::readFile(f.path().string()));
      ++n;
    }
    QVERIFY(n > 3);
  }

  void bearerClientSecret() {
    nztest::CleanEnv env;
    useClientSecret(env);
    StoreOptions o;
    o.azureAccount = "devstoreaccount1";
    AzureAuth a = resolveAzureAuth(parseUri("az://c/p"), o);
    QCOMPARE(int(a.kind), int(AzureAuth::Kind::Bearer));
    std::string token = a.token->token();
    QVERIFY(token.size() > 20);
    QCOMPARE(a.token->token(), token);  // cached
    QVERIFY(a.token->source().find("client secret for AZURE_CLIENT_ID nz-client-id") !=
            std::string::npos);
    // A wrong secret: the error names the client id and endpoint, never the secret.
    env.set("AZURE_CLIENT_SECRET", "definitely-wrong-secret");
    AzureAuth bad = resolveAzureAuth(parseUri("az://c/p"), o);
    try {
      bad.token->token();
      QFAIL("expected an error");
    } catch (const Error& e) {
      QCOMPARE(int(e.kind()), int(ErrorKind::PermissionDenied));
      QVERIFY2(std::string(e.what()).find("nz-client-id") != std::string::npos, e.what());
      QVERIFY(!nztest::contains(e.what(), "definitely-wrong-secret"));
    }
    // The store reports it on read (no request reaches the blob service).
    auto store = openStore(parseUri("az://c/p"), o);
    ReadResult r = store->read("k");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QVERIFY(!nztest::contains(r.error, "definitely-wrong-secret"));
  }

  void bearerManagedIdentityAndCli() {
    nztest::CleanEnv env;
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", kTokenHost);
    StoreOptions o;
    o.azureAccount = "devstoreaccount1";
    AzureAuth a = resolveAzureAuth(parseUri("az://c/p"), o);
    QVERIFY(!a.token->token().empty());
    QCOMPARE(QString::fromStdString(a.token->source()), QString("Azure managed identity"));
    // A fake `az` on PATH comes first in the default chain.
    auto bin = env.home() / "bin";
    nztest::writeFile(bin / "az",
                      "#!/bin/sh\necho '{\"accessToken\": \"cli-token-123\", \"expires_on\": " +
                          std::to_string(std::time(nullptr) + 3600) +
                          ", \"tokenType\": \"Bearer\"}'\n");
    std::filesystem::permissions(bin / "az", std::filesystem::perms::owner_all);
    env.set("PATH", bin.string() + ":/usr/bin:/bin");
    AzureAuth cli = resolveAzureAuth(parseUri("az://c/p"), o);
    QCOMPARE(QString::fromStdString(cli.token->token()), QString("cli-token-123"));
    QVERIFY(cli.token->source().find("Azure CLI") != std::string::npos);
  }

  // Azure AD bearer tokens used against blob data (not only fetched): client-secret and
  // managed-identity tokens from the token fake write, list-free read and ranged-read blobs on an
  // Azurite that checks them; a token Azurite rejects gives one clear error naming its source.
  void bearerTokensReadAndWriteBlobData() {
    nztest::CleanEnv env;
    useClientSecret(env);
    StoreOptions o;
    o.azureAccount = "devstoreaccount1";
    o.azureEndpoint = kAzuriteOAuth;
    o.caFile = oauthCa();
    auto store = openStore(parseUri("az://bearer/ds"), o);
    azureCreateContainer(*store);
    std::map<std::string, Bytes> tree = {{"a.bin", nztest::randomBytes(3000, 5)},
                                         {"dir/b c.bin", nztest::randomBytes(40, 6)}};
    for (const auto& [key, data] : tree) store->write(key, data);
    checkTree(*store, tree);
    QVERIFY(store->read("absent").missing());

    // The same blobs through the managed-identity token.
    ::unsetenv("AZURE_CLIENT_SECRET");
    env.set("AZURE_POD_IDENTITY_AUTHORITY_HOST", kTokenHost);
    auto mi = openStore(parseUri("az://bearer/ds"), o);
    QVERIFY(mi->read("a.bin").data == tree["a.bin"]);

    // A token the service refuses: a fake `az` printing a non-JWT token comes first in the chain.
    auto bin = env.home() / "bin";
    nztest::writeFile(bin / "az",
                      "#!/bin/sh\necho '{\"accessToken\": \"not-a-jwt\", \"expires_on\": " +
                          std::to_string(std::time(nullptr) + 3600) +
                          ", \"tokenType\": \"Bearer\"}'\n");
    std::filesystem::permissions(bin / "az", std::filesystem::perms::owner_all);
    env.set("PATH", bin.string() + ":/usr/bin:/bin");
    auto refused = openStore(parseUri("az://bearer/ds"), o);
    ReadResult r = refused->read("a.bin");
    QCOMPARE(int(r.status), int(ReadResult::Status::Error));
    QVERIFY2(r.error.find("Azure CLI") != std::string::npos, r.error.c_str());
    QVERIFY2(r.error.find("403") != std::string::npos || r.error.find("401") != std::string::npos,
             r.error.c_str());
    QVERIFY(!nztest::contains(r.error, "not-a-jwt"));
  }
};

QTEST_GUILESS_MAIN(TestCloudAzure)
#include "tst_cloud_azure.moc"
