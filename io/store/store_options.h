#pragma once
// Everything a user can say about how to reach a URI: mirrors the CLI flags and the open dialog.
// Unset fields fall back to the environment, then config files, then anonymous access.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nz {

struct StoreOptions {
  // Azure
  std::string azureAccount, azureKey, azureSas, azureConnectionString, azureEndpoint;
  // AWS / S3-compatible
  std::string awsProfile, awsRegion, endpointUrl;
  std::string awsAccessKeyId, awsSecretAccessKey, awsSessionToken;
  // GCS
  std::string gcsCredentialsFile;
  // Any scheme
  bool anonymous = false;
  std::vector<std::string> headers;  // "K: V"
  std::string caFile;
  bool insecure = false;
  int maxConcurrency = 128;  // transfers in flight per store (a 1024² slice is 256 chunks)
  std::map<std::string, std::string> extra;  // --option key=value
};

}  // namespace nz
