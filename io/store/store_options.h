#pragma once
// Everything a user can say about how to reach a URI: mirrors the CLI flags and the open dialog.
// Unset fields fall back to the environment, then config files, then anonymous access.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nz {

// The persistent chunk cache on disk (io/cache, README "Disk cache"). Off unless an application
// turns it on, per StoreOptions or process-wide (setDefaultDiskCache): nzview and nzview-cli do.
struct DiskCacheSettings {
  bool enabled = false;
  std::string dir;                                     // empty: $XDG_CACHE_HOME/nzview/chunks
  std::uint64_t budgetBytes = std::uint64_t{4} << 30;  // LRU eviction above this (pins stay)
  bool offline = false;  // answer from the cache alone; never touch the network
  bool pin = false;      // entries read through the store are pinned (never evicted)
};

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
  // Disk cache for remote stores; unset = the process default (setDefaultDiskCache).
  std::optional<DiskCacheSettings> diskCache;
};

}  // namespace nz
