#pragma once
// The store of a file:// URI or a local path: files under a directory, atomic writes.
#include <memory>

#include "store/store.h"
#include "uri/uri.h"

namespace nz {

std::shared_ptr<Store> makeFileStore(const Uri& uri);

}  // namespace nz
