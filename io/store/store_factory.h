#pragma once
#include <memory>

#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// Opens the store rooted at `uri` (credentials resolved now; no request is sent). Remote
// stores are wrapped in the disk cache when options.diskCache (or the process default) says so.
std::shared_ptr<Store> openStore(const Uri& uri, const StoreOptions& options = {});

// Process-wide disk cache settings for StoreOptions that leave diskCache unset (io/cache).
void setDefaultDiskCache(const DiskCacheSettings& settings);
DiskCacheSettings defaultDiskCache();
// `inner` behind the disk cache `settings` describe (io/cache/caching_store.cpp).
std::shared_ptr<Store> wrapWithDiskCache(std::shared_ptr<Store> inner, const Uri& uri,
                                         const StoreOptions& options,
                                         const DiskCacheSettings& settings);

// Backend constructors, one per file (store/*_store.cpp, cloud/*).
std::shared_ptr<Store> makeFileStore(const Uri& uri);
std::shared_ptr<Store> makeMemoryStore(const Uri& uri);  // process-wide named memory stores
std::shared_ptr<Store> makeHttpStore(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeAzureStore(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeS3Store(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeGcsStore(const Uri& uri, const StoreOptions& options);

}  // namespace nz
