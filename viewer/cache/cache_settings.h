#pragma once
// The viewer's disk cache settings (QSettings group "diskCache": enabled, dir, budgetBytes),
// layered as: defaults, then the saved settings, then the environment (NZVIEW_DISK_CACHE,
// NZVIEW_CACHE_DIR, NZVIEW_CACHE_SIZE), then command-line flags. apply() makes them the
// process default for every store the viewer opens.
#include "store/store_options.h"

namespace nzviewer {

nz::DiskCacheSettings loadDiskCacheSettings();
void saveDiskCacheSettings(const nz::DiskCacheSettings& s);   // enabled, dir, budget only
void applyDiskCacheSettings(const nz::DiskCacheSettings& s);  // nz::setDefaultDiskCache

}  // namespace nzviewer
