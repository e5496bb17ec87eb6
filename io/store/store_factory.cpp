#include "store/store_factory.h"

namespace nz {

std::shared_ptr<Store> openStore(const Uri& uri, const StoreOptions& options) {
  switch (uri.scheme) {
    case Scheme::File: return makeFileStore(uri);
    case Scheme::Memory: return makeMemoryStore(uri);
    case Scheme::Http:
    case Scheme::Https: return makeHttpStore(uri, options);
    case Scheme::Azure: return makeAzureStore(uri, options);
    case Scheme::S3: return makeS3Store(uri, options);
    case Scheme::Gcs: return makeGcsStore(uri, options);
  }
  throw Error(ErrorKind::InvalidArgument, "unsupported URI " + uri.redacted());
}

}  // namespace nz
