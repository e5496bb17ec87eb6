#include "cloud/gcs_credentials.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "cloud/credential_files.h"
#include "cloud/crypto.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "http/http_store.h"

namespace nz {

namespace {

using Clock = std::chrono::system_clock;

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A lazily created HTTP client for token endpoints (separate from the data client, so a
// token fetch never waits behind the transfers it unblocks).
struct LazyClient {
  HttpOptions options;
  std::mutex m;
  std::shared_ptr<HttpClient> client;
  HttpClient& get() {
    std::lock_guard lock(m);
    if (!client) client = std::make_shared<HttpClient>(options);
    return *client;
  }
};

std::shared_ptr<TokenProvider> fromKeyFile(const std::string& path, const std::string& how,
                                           const HttpOptions& httpOptions) {
  std::string shown = cloud::tildePath(path);
  auto text = cloud::readTextFile(path);
  if (!text)
    throw Error(ErrorKind::InvalidArgument,
                "cannot read the GCS credentials file " + shown + " (" + how + ")");
  const nlohmann::json j =
      tryParseJson(*text, "the GCS credentials file " + shown).value_or(nlohmann::json());
  if (!j.is_object())
    throw Error(ErrorKind::InvalidArgument,
                "the GCS credentials file " + shown + " (" + how + ") is not JSON");
  std::string type = str(j, "type");
  auto client = std::make_shared<LazyClient>();
  client->options = httpOptions;
  if (type == "service_account") {
    std::string email = str(j, "client_email"), key = str(j, "private_key"),
                keyId = str(j, "private_key_id");
    std::string tokenUri = str(j, "token_uri");
    if (tokenUri.empty()) tokenUri = "https://oauth2.googleapis.com/token";
    if (email.empty() || key.empty())
      throw Error(ErrorKind::InvalidArgument,
                  "the service-account file " + shown + " lacks client_email or private_key");
    std::string source = "GCS service account " + email + " (" + shown + ", " + how + ")";
    return std::make_shared<TokenProvider>(source, [=](std::string& src) {
      std::string jwt =
          gcsServiceAccountJwt(email, keyId, key, tokenUri, kGcsScope, std::time(nullptr), shown);
      return fetchOAuthToken(
          client->get(), tokenUri,
          "grant_type=" + formEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
              "&assertion=" + jwt,
          src);
    });
  }
  if (type == "authorized_user") {
    std::string id = str(j, "client_id"), secret = str(j, "client_secret"),
                refresh = str(j, "refresh_token"), tokenUri = str(j, "token_uri");
    if (tokenUri.empty()) tokenUri = "https://oauth2.googleapis.com/token";
    if (id.empty() || refresh.empty())
      throw Error(ErrorKind::InvalidArgument,
                  "the authorized_user file " + shown + " lacks client_id or refresh_token");
    std::string source = "GCS user credentials (" + shown + ", " + how + ")";
    return std::make_shared<TokenProvider>(source, [=](std::string& src) {
      return fetchOAuthToken(client->get(), tokenUri,
                             "grant_type=refresh_token&client_id=" + formEncode(id) +
                                 "&client_secret=" + formEncode(secret) +
                                 "&refresh_token=" + formEncode(refresh),
                             src);
    });
  }
  throw Error(ErrorKind::Unsupported,
              "the GCS credentials file " + shown + " has type \"" + type +
                  "\"; nzview reads service_account and authorized_user files");
}

}  // namespace

std::string gcsServiceAccountJwt(const std::string& clientEmail, const std::string& privateKeyId,
                                 const std::string& privateKeyPem, const std::string& audience,
                                 const std::string& scope, std::time_t now,
                                 const std::string& what) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!privateKeyId.empty()) header["kid"] = privateKeyId;
  nlohmann::json claims = {{"iss", clientEmail},
                           {"scope", scope},
                           {"aud", audience},
                           {"iat", static_cast<long long>(now)},
                           {"exp", static_cast<long long>(now) + 3600}};
  std::string input =
      crypto::base64UrlEncode(header.dump()) + "." + crypto::base64UrlEncode(claims.dump());
  return input + "." + crypto::base64UrlEncode(crypto::rs256Sign(privateKeyPem, input, what));
}

GcsAuth resolveGcsAuth(const StoreOptions& options) {
  GcsAuth a;
  auto emulator = cloud::env("STORAGE_EMULATOR_HOST");
  if (!options.endpointUrl.empty())
    a.endpoint = options.endpointUrl;
  else if (emulator)
    a.endpoint = *emulator;
  else
    a.endpoint = "https://storage.googleapis.com";
  if (a.endpoint.find("://") == std::string::npos) a.endpoint = "http://" + a.endpoint;
  while (!a.endpoint.empty() && a.endpoint.back() == '/') a.endpoint.pop_back();

  HttpOptions tokenHttp = httpOptionsFrom(options);
  tokenHttp.extraHeaders.clear();
  tokenHttp.maxRetries = 2;

  if (options.anonymous) {
    a.source = "anonymous access (--anonymous)";
    return a;
  }
  if (!options.gcsCredentialsFile.empty()) {
    a.token = fromKeyFile(options.gcsCredentialsFile, "--gcs-credentials", tokenHttp);
    return a;
  }
  if (auto f = cloud::env("GOOGLE_APPLICATION_CREDENTIALS")) {
    a.token = fromKeyFile(*f, "GOOGLE_APPLICATION_CREDENTIALS", tokenHttp);
    return a;
  }
  std::string configDir =
      cloud::env("CLOUDSDK_CONFIG").value_or(cloud::homeDir() + "/.config/gcloud");
  std::string adc = configDir + "/application_default_credentials.json";
  if (cloud::readTextFile(adc)) {
    a.token = fromKeyFile(adc, "gcloud application-default credentials", tokenHttp);
    return a;
  }
  auto metadataHost = cloud::env("GCE_METADATA_HOST");
  if (!metadataHost && emulator) {
    // An emulator without credentials: the usual fake-gcs-server setup.
    a.source = "anonymous access (STORAGE_EMULATOR_HOST without credentials)";
    return a;
  }
  std::string host = metadataHost.value_or("169.254.169.254");
  std::string base = host.find("://") == std::string::npos ? "http://" + host : host;
  HttpOptions mdHttp = tokenHttp;
  mdHttp.connectTimeoutSeconds = 1;  // off GCE nothing answers: give up fast
  mdHttp.stallTimeoutSeconds = 3;
  mdHttp.maxRetries = metadataHost ? 2 : 0;
  auto client = std::make_shared<LazyClient>();
  client->options = mdHttp;
  bool required = metadataHost.has_value();
  a.token = std::make_shared<TokenProvider>(
      "GCE metadata server (" + base + ")", [=](std::string& src) -> AccessToken {
        try {
          return fetchMetadataToken(
              client->get(), base + "/computeMetadata/v1/instance/service-accounts/default/token",
              {{"Metadata-Flavor", "Google"}}, src);
        } catch (const Error& e) {
          if (required) throw;
          src = std::string(
                    "anonymous access (no GCS credentials found: "
                    "GOOGLE_APPLICATION_CREDENTIALS not set, no ") +
                cloud::tildePath(adc) + ", metadata server unreachable)";
          return AccessToken{"", Clock::now() + std::chrono::hours(24 * 365)};
        }
      });
  return a;
}

}  // namespace nz
