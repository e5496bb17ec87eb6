// STUB: replaced by the real backend.
#include "store/store_factory.h"

namespace nz {

std::shared_ptr<Store> makeHttpStore(const Uri& uri, const StoreOptions&) {
  throw Error(ErrorKind::Unsupported, "store not implemented yet for " + uri.redacted());
}

}  // namespace nz
