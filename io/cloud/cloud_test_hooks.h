#pragma once
// Helpers for the cloud tests: create the container/bucket a store points at (emulators
// start empty). Not used by the product; no-ops for other store types.
#include "store/store.h"

namespace nz {

void azureCreateContainer(Store& store);
void s3CreateBucket(Store& store);

}  // namespace nz
