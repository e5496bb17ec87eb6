#pragma once
// Opening the store a URI names: the one place that knows every backend (file, memory, HTTP,
// Azure, S3, GCS) and the disk cache in front of remote ones. It sits above store/, http/,
// cloud/ and cache/, which each declare their own constructor.
#include <memory>

#include "cache/caching_store.h"  // setDefaultDiskCache, defaultDiskCache, wrapWithDiskCache
#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// Opens the store rooted at `uri` (credentials resolved now; no request is sent). Remote
// stores are wrapped in the disk cache when options.diskCache (or the process default) says so.
std::shared_ptr<Store> openStore(const Uri& uri, const StoreOptions& options = {});

}  // namespace nz
