#pragma once
#include <memory>

#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// Opens the store rooted at `uri` (credentials resolved now; no request is sent).
std::shared_ptr<Store> openStore(const Uri& uri, const StoreOptions& options = {});

// Backend constructors, one per file (store/*_store.cpp, cloud/*).
std::shared_ptr<Store> makeFileStore(const Uri& uri);
std::shared_ptr<Store> makeMemoryStore(const Uri& uri);  // process-wide named memory stores
std::shared_ptr<Store> makeHttpStore(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeAzureStore(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeS3Store(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeGcsStore(const Uri& uri, const StoreOptions& options);

}  // namespace nz
