#include "open/store_factory.h"

#include "cloud/cloud_stores.h"
#include "http/http_store.h"
#include "store/file_store.h"
#include "store/memory_store.h"

namespace nz {

namespace {

std::shared_ptr<Store> openBackend(const Uri& uri, const StoreOptions& options) {
  switch (uri.scheme) {
    case Scheme::File:
      return makeFileStore(uri);
    case Scheme::Memory:
      return makeMemoryStore(uri);
    case Scheme::Http:
    case Scheme::Https:
      return makeHttpStore(uri, options);
    case Scheme::Azure:
      return makeAzureStore(uri, options);
    case Scheme::S3:
      return makeS3Store(uri, options);
    case Scheme::Gcs:
      return makeGcsStore(uri, options);
  }
  throw Error(ErrorKind::InvalidArgument, "unsupported URI " + uri.redacted());
}

}  // namespace

std::shared_ptr<Store> openStore(const Uri& uri, const StoreOptions& options) {
  auto store = openBackend(uri, options);
  // Local files are already on disk: only remote objects are worth a copy.
  if (uri.scheme == Scheme::File || uri.scheme == Scheme::Memory) return store;
  const DiskCacheSettings cache = options.diskCache ? *options.diskCache : defaultDiskCache();
  if (!cache.enabled && !cache.offline) return store;
  return wrapWithDiskCache(std::move(store), uri, options, cache);
}

}  // namespace nz
