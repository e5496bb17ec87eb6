#include "cloud/azure_credentials.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "cloud/credential_files.h"
#include "cloud/crypto.h"
#include "cloud/request_text.h"
#include "core/error.h"
#include "http/http_store.h"

namespace nz {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string stripQuestion(std::string s) {
  while (!s.empty() && (s.front() == '?' || s.front() == ' ')) s.erase(s.begin());
  return s;
}

std::string stripSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool onPath(const std::string& program) {
  auto path = cloud::env("PATH");
  if (!path) return false;
  std::size_t start = 0;
  while (start <= path->size()) {
    auto colon = path->find(':', start);
    std::string dir =
        path->substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

// Account base URL for a custom endpoint: keeps an explicit path; a bare host that is not the
// account's own host gets "/account" (path-style, as Azurite and other emulators expect).
std::string customEndpoint(const std::string& endpoint, const std::string& account) {
  std::string e = stripSlash(endpoint);
  cloud::UrlParts u = cloud::splitUrl(e);
  bool hasPath = u.path != "/" && !u.path.empty();
  if (!hasPath && !account.empty() && lower(u.authority).rfind(lower(account) + ".", 0) != 0)
    e += "/" + account;
  return e;
}

std::string decodeKey(const std::string& key, const std::string& what) {
  std::string raw = crypto::base64Decode(key, what);
  if (raw.empty()) throw Error(ErrorKind::InvalidArgument, what + " is empty");
  return raw;
}

AccessToken azureCliToken(std::string& source) {
  // Runs the CLI without a shell; stderr is dropped so its hints never reach our messages.
  FILE* pipe = ::popen(
      "az account get-access-token --resource https://storage.azure.com/ -o json 2>/dev/null", "r");
  if (!pipe) throw Error(ErrorKind::PermissionDenied, "cannot run the Azure CLI (az)");
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(pipe);
  if (rc != 0 || out.empty())
    throw Error(ErrorKind::PermissionDenied,
                "the Azure CLI could not give a storage token (run 'az login')");
  return parseTokenJson(out, source);
}

}  // namespace

AzureConnectionString parseAzureConnectionString(const std::string& text, const std::string& what) {
  AzureConnectionString cs;
  bool dev = false;
  std::size_t start = 0;
  while (start < text.size()) {
    auto semi = text.find(';', start);
    std::string item =
        text.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    start = semi == std::string::npos ? text.size() : semi + 1;
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
      item.erase(item.begin());
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos)
      throw Error(ErrorKind::InvalidArgument,
                  what + " is not a connection string (expected Key=Value;... pairs)");
    std::string k = lower(item.substr(0, eq)), v = item.substr(eq + 1);
    if (k == "accountname")
      cs.accountName = v;
    else if (k == "accountkey")
      cs.accountKey = v;
    else if (k == "blobendpoint")
      cs.blobEndpoint = v;
    else if (k == "sharedaccesssignature")
      cs.sas = stripQuestion(v);
    else if (k == "defaultendpointsprotocol")
      cs.protocol = v;
    else if (k == "endpointsuffix")
      cs.endpointSuffix = v;
    else if (k == "usedevelopmentstorage")
      dev = lower(v) == "true";
  }
  if (dev) {
    if (cs.accountName.empty()) cs.accountName = kAzuriteAccount;
    if (cs.accountKey.empty() && cs.sas.empty()) cs.accountKey = kAzuriteKey;
    if (cs.blobEndpoint.empty()) cs.blobEndpoint = "http://127.0.0.1:10000/" + cs.accountName;
  }
  if (cs.accountName.empty() && cs.blobEndpoint.empty())
    throw Error(ErrorKind::InvalidArgument, what + " has neither AccountName nor BlobEndpoint");
  return cs;
}

AzureAuth resolveAzureAuth(const Uri& uri, const StoreOptions& options) {
  AzureAuth a;
  std::string endpoint;  // custom endpoint, if any

  auto applyConnectionString = [&](const std::string& text, const std::string& what) {
    AzureConnectionString cs = parseAzureConnectionString(text, what);
    if (a.account.empty()) a.account = cs.accountName;
    if (!cs.blobEndpoint.empty() && endpoint.empty()) endpoint = cs.blobEndpoint;
    if (endpoint.empty() && !a.account.empty())
      endpoint = cs.protocol + "://" + a.account + ".blob." + cs.endpointSuffix;
    if (!cs.sas.empty()) {
      a.kind = AzureAuth::Kind::Sas;
      a.sas = cs.sas;
      a.source = "SAS token in " + what;
    } else if (!cs.accountKey.empty()) {
      a.kind = AzureAuth::Kind::SharedKey;
      a.key = decodeKey(cs.accountKey, "the AccountKey in " + what);
      a.source = "Azure account key in " + what;
    } else {
      a.kind = AzureAuth::Kind::Anonymous;
      a.source = "anonymous access (" + what + " has no key or SAS)";
    }
  };

  a.account = uri.account;
  if (!options.azureAccount.empty() && a.account.empty()) a.account = options.azureAccount;
  if (!uri.endpoint.empty()) endpoint = uri.endpoint;
  if (!options.azureEndpoint.empty()) endpoint = options.azureEndpoint;

  bool resolved = true;
  if (options.anonymous) {
    a.source = "anonymous access (--anonymous)";
  } else if (!options.azureConnectionString.empty()) {
    applyConnectionString(options.azureConnectionString, "--azure-connection-string");
  } else if (!options.azureKey.empty()) {
    a.kind = AzureAuth::Kind::SharedKey;
    a.key = decodeKey(options.azureKey, "--azure-key");
    a.source = "Azure account key from --azure-key";
  } else if (!options.azureSas.empty()) {
    a.kind = AzureAuth::Kind::Sas;
    a.sas = stripQuestion(options.azureSas);
    a.source = "SAS token from --azure-sas";
  } else if (!uri.query.empty()) {
    a.kind = AzureAuth::Kind::Sas;
    a.sas = uri.query;
    a.source = "SAS token in the URI";
  } else {
    resolved = false;
  }

  if (!resolved) {
    resolved = true;
    if (auto cs = cloud::env("AZURE_STORAGE_CONNECTION_STRING")) {
      applyConnectionString(*cs, "AZURE_STORAGE_CONNECTION_STRING");
    } else {
      if (a.account.empty()) {
        if (auto n = cloud::env("AZURE_STORAGE_ACCOUNT_NAME"))
          a.account = *n;
        else if (auto m = cloud::env("AZURE_STORAGE_ACCOUNT"))
          a.account = *m;
      }
      if (auto k = cloud::env("AZURE_STORAGE_ACCOUNT_KEY")) {
        a.kind = AzureAuth::Kind::SharedKey;
        a.key = decodeKey(*k, "AZURE_STORAGE_ACCOUNT_KEY");
        a.source = "Azure account key from AZURE_STORAGE_ACCOUNT_KEY";
      } else if (auto s = cloud::env("AZURE_STORAGE_SAS_TOKEN")) {
        a.kind = AzureAuth::Kind::Sas;
        a.sas = stripQuestion(*s);
        a.source = "SAS token from AZURE_STORAGE_SAS_TOKEN";
      } else {
        resolved = false;
      }
    }
  }

  if (a.account.empty()) {
    if (auto n = cloud::env("AZURE_STORAGE_ACCOUNT_NAME"))
      a.account = *n;
    else if (auto m = cloud::env("AZURE_STORAGE_ACCOUNT"))
      a.account = *m;
  }
  if (a.account.empty() && !endpoint.empty()) {
    // http://127.0.0.1:10000/devstoreaccount1 or https://acct.blob.core.windows.net
    cloud::UrlParts u = cloud::splitUrl(stripSlash(endpoint));
    if (u.path.size() > 1)
      a.account = u.path.substr(1, u.path.find('/', 1) - 1);
    else
      a.account = u.authority.substr(0, u.authority.find('.'));
  }
  if (a.account.empty())
    throw Error(ErrorKind::InvalidArgument,
                "no Azure storage account for " + uri.redacted() +
                    " (use https://ACCOUNT.blob.core.windows.net/..., --azure-account, a "
                    "connection string or AZURE_STORAGE_ACCOUNT_NAME)");
  a.endpoint = endpoint.empty() ? "https://" + a.account + ".blob.core.windows.net"
                                : customEndpoint(endpoint, a.account);
  if (a.kind == AzureAuth::Kind::SharedKey && a.key.empty())
    throw Error(ErrorKind::InvalidArgument, "empty Azure account key (" + a.source + ")");
  if (resolved) return a;

  // Default credential chain, resolved lazily at the first request: which links exist is
  // decided now (cheap), trying them costs a process or a request.
  HttpOptions tokenHttp = httpOptionsFrom(options);
  tokenHttp.extraHeaders.clear();
  tokenHttp.maxRetries = 2;
  auto client = std::make_shared<std::shared_ptr<HttpClient>>();
  auto http = [client, tokenHttp]() -> HttpClient& {
    if (!*client) *client = std::make_shared<HttpClient>(tokenHttp);
    return **client;
  };
  bool haveCli = onPath("az");
  auto clientId = cloud::env("AZURE_CLIENT_ID");
  auto tenant = cloud::env("AZURE_TENANT_ID");
  auto secret = cloud::env("AZURE_CLIENT_SECRET");
  bool haveSecret = clientId && tenant && secret;
  std::string authority =
      stripSlash(cloud::env("AZURE_AUTHORITY_HOST").value_or("https://login.microsoftonline.com"));
  std::string imdsHost = stripSlash(
      cloud::env("AZURE_POD_IDENTITY_AUTHORITY_HOST").value_or("http://169.254.169.254"));
  auto identityEndpoint = cloud::env("IDENTITY_ENDPOINT");
  auto identityHeader = cloud::env("IDENTITY_HEADER");
  HttpOptions imdsHttp = tokenHttp;
  imdsHttp.connectTimeoutSeconds = 1;  // off Azure the address does not answer: give up fast
  imdsHttp.stallTimeoutSeconds = 3;
  imdsHttp.maxRetries = 0;
  auto imdsClient = std::make_shared<std::shared_ptr<HttpClient>>();

  a.kind = AzureAuth::Kind::Bearer;
  a.source = "Azure default credential";
  a.token = std::make_shared<TokenProvider>(a.source, [=](std::string& source) -> AccessToken {
    std::string tried;
    if (haveCli) {
      try {
        source = "Azure CLI token (az account get-access-token)";
        return azureCliToken(source);
      } catch (const Error& e) {
        tried += std::string(tried.empty() ? "" : "; ") + e.what();
      }
    }
    if (haveSecret) {
      // A configured service principal is what the user asked for: its errors are final.
      source = "Azure client secret for AZURE_CLIENT_ID " + *clientId + " (" + authority + ")";
      std::string body = "grant_type=client_credentials&client_id=" + formEncode(*clientId) +
                         "&client_secret=" + formEncode(*secret) +
                         "&scope=" + formEncode("https://storage.azure.com/.default");
      return fetchOAuthToken(http(), authority + "/" + *tenant + "/oauth2/v2.0/token", body,
                             source);
    }
    source = "Azure managed identity";
    try {
      if (!*imdsClient) *imdsClient = std::make_shared<HttpClient>(imdsHttp);
      std::string resource = formEncode("https://storage.azure.com/");
      std::string idParam = clientId ? "&client_id=" + formEncode(*clientId) : "";
      if (identityEndpoint && identityHeader)
        return fetchMetadataToken(
            **imdsClient,
            *identityEndpoint + "?api-version=2019-08-01&resource=" + resource + idParam,
            {{"X-IDENTITY-HEADER", *identityHeader}}, source);
      return fetchMetadataToken(**imdsClient,
                                imdsHost +
                                    "/metadata/identity/oauth2/token?api-version=2018-02-01"
                                    "&resource=" +
                                    resource + idParam,
                                {{"Metadata", "true"}}, source);
    } catch (const Error& e) {
      tried += std::string(tried.empty() ? "" : "; ") + e.what();
    }
    source = "anonymous access (no Azure credential found: " +
             std::string(haveCli ? "" : "az CLI not installed; ") +
             "AZURE_STORAGE_* and AZURE_CLIENT_ID not set; " + tried + ")";
    return AccessToken{"", std::chrono::system_clock::now() + std::chrono::hours(24 * 365)};
  });
  return a;
}

}  // namespace nz
