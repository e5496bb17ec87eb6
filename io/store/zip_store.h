#pragma once
// A read-only store over one ZIP archive held in another store: zipped OME-Zarr (`.ozx`,
// RFC-9), locally or remotely, without downloading it. Opening reads the end of the archive
// (EOCD, ZIP64 locator and record: the last 4 KiB, or 64 KiB for a long comment) and the
// central directory with ranged reads. The first read of a member fetches its local header
// (whose lengths fix where the data start; cached) together with the whole member when the
// whole member is wanted, so metadata and unsharded chunks cost one request each, as in a
// directory; a partial read (shard index, inner chunk) costs one more the first time. STORED
// members map any byte range 1:1; DEFLATED members are read whole and inflated.
//
//   auto base = nz::openStore(parseUri("https://host/dir"), options);
//   auto zip = nz::openZipStore(base, "scan.ozx", "https://host/dir/scan.ozx");   // blocking
//   zip->read("zarr.json");
//
// Thread-safe; reads complete on the base store's threads. Errors: nz::Error naming the
// archive and the record (truncated, not a ZIP, encrypted, split archives).
#include <memory>
#include <string>

#include "store/store.h"

namespace nz {

// True when a path or URI names a zipped OME-Zarr (ends in .ozx, case-insensitive).
bool isZipStoreName(const std::string& path);

std::shared_ptr<Store> openZipStore(std::shared_ptr<Store> base, const std::string& key,
                                    const std::string& described);

}  // namespace nz
