#pragma once
// The cloud stores, one file each (azure_store.cpp, s3_store.cpp, gcs_store.cpp). Credentials
// are resolved now; no request is sent.
#include <memory>

#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

std::shared_ptr<Store> makeAzureStore(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeS3Store(const Uri& uri, const StoreOptions& options);
std::shared_ptr<Store> makeGcsStore(const Uri& uri, const StoreOptions& options);

}  // namespace nz
