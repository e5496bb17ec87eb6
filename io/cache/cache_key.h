#pragma once
// What the disk cache files objects under: canonical URIs with every secret left out.
#include <string>

#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// The store root as "scheme://[account@]endpoint/bucket/path": no query string (SAS tokens,
// presigned signatures), no userinfo, plus the custom endpoint when options name one (Azurite,
// MinIO) so two servers never share entries. Never contains a credential.
std::string canonicalDatasetId(const Uri& uri, const StoreOptions& options);

// "<key>" for a whole object, "<key>#bytes=OFF-LEN" / "<key>#suffix=N" for a byte range.
std::string objectIdFor(const std::string& key, const ByteRange& range);

// Zarr metadata documents (zarr.json, .zarray, .zgroup, .zattrs, .zmetadata) and the NIfTI
// header array (nifti/...): revalidated with the server on every open. Everything else
// (chunks, shards, NIfTI files) is immutable.
bool isMetadataKey(const std::string& key);

}  // namespace nz
