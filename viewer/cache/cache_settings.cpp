#include "viewer/cache/cache_settings.h"

#include <QSettings>
#include <cstdlib>

#include "cache/cache_config.h"
#include "open/store_factory.h"
#include "settings/gui_settings.h"

namespace nzviewer {

namespace {
QSettings settings() { return guiSettings(); }  // NZVIEW_SETTINGS in tests
}  // namespace

nz::DiskCacheSettings loadDiskCacheSettings() {
  nz::DiskCacheSettings s;
  s.enabled = true;
  QSettings q = settings();
  q.beginGroup("diskCache");
  s.enabled = q.value("enabled", true).toBool();
  s.dir = q.value("dir", QString()).toString().toStdString();
  const qulonglong budget = q.value("budgetBytes", qulonglong(s.budgetBytes)).toULongLong();
  if (budget >= (1u << 20)) s.budgetBytes = budget;
  q.endGroup();
  // The environment wins over saved settings (tests turn the cache off this way).
  nz::DiskCacheSettings env;
  try {
    env = nz::diskCacheFromEnvironment();
  } catch (const std::exception&) {
    return s;  // a bad NZVIEW_CACHE_SIZE: keep the saved settings
  }
  if (!env.enabled) s.enabled = false;
  if (std::getenv("NZVIEW_CACHE_DIR")) s.dir = env.dir;
  if (std::getenv("NZVIEW_CACHE_SIZE")) s.budgetBytes = env.budgetBytes;
  return s;
}

void saveDiskCacheSettings(const nz::DiskCacheSettings& s) {
  QSettings q = settings();
  q.beginGroup("diskCache");
  q.setValue("enabled", s.enabled);
  q.setValue("dir", QString::fromStdString(s.dir));
  q.setValue("budgetBytes", qulonglong(s.budgetBytes));
  q.endGroup();
}

void applyDiskCacheSettings(const nz::DiskCacheSettings& s) { nz::setDefaultDiskCache(s); }

}  // namespace nzviewer
