#pragma once
// A read-only store over one ZIP archive held in another store: zipped OME-Zarr (`.ozx`,
// RFC-9), locally or remotely, without downloading it. Opening reads the end of the archive
// (EOCD, ZIP64 locator and record) and the central directory with ranged reads; a member read
// then reads its local header once (cached) and the member's byte range. STORED members map
// any byte range 1:1; DEFLATED members are read whole and inflated.
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
