#pragma once
// Resolves how to reach and authorize an Azure Blob URI, in the product's order: explicit
// options (connection string, key, SAS, SAS in the URL, --anonymous), then the environment
// (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_NAME + _KEY or AZURE_STORAGE_SAS_TOKEN),
// then the default credential chain (Azure CLI, client secret, managed identity), then anonymous.
#include <memory>
#include <string>

#include "cloud/token_provider.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

struct AzureConnectionString {
  std::string accountName, accountKey, blobEndpoint, sas, protocol = "https",
                                                          endpointSuffix = "core.windows.net";
};
// Parses "Key=Value;..." (values may contain '='); UseDevelopmentStorage=true expands to
// Azurite's devstoreaccount1 at http://127.0.0.1:10000. Throws InvalidArgument naming `what`.
AzureConnectionString parseAzureConnectionString(const std::string& text, const std::string& what);

inline constexpr const char* kAzuriteAccount = "devstoreaccount1";
inline constexpr const char* kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

struct AzureAuth {
  enum class Kind { SharedKey, Sas, Bearer, Anonymous };
  Kind kind = Kind::Anonymous;
  std::string account;
  std::string
      endpoint;  // account base URL without trailing '/', e.g. https://acct.blob.core.windows.net
  std::string key;                       // raw account key (SharedKey)
  std::string sas;                       // query without '?' (Sas)
  std::shared_ptr<TokenProvider> token;  // Bearer
  std::string source;                    // e.g. "Azure account key from AZURE_STORAGE_ACCOUNT_KEY"
};

AzureAuth resolveAzureAuth(const Uri& uri, const StoreOptions& options);

}  // namespace nz
