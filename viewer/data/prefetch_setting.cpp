#include "data/prefetch_setting.h"

#include <QSettings>
#include <cstdlib>

#include "cache/cache_config.h"
#include "loader/chunk_loader.h"

namespace nzviewer {

namespace {
QSettings settings() {
  const QString file = qEnvironmentVariable("NZVIEW_SETTINGS");
  if (!file.isEmpty()) return QSettings(file, QSettings::IniFormat);
  return QSettings("nzview", "nzview");
}
}  // namespace

std::size_t loadPrefetchBudget() {
  std::size_t bytes = nz::kDefaultPrefetchBytes;
  QSettings q = settings();
  bool ok = false;
  const qulonglong saved = q.value("viewer/prefetchBytes").toULongLong(&ok);
  if (ok) bytes = static_cast<std::size_t>(saved);
  if (const char* env = std::getenv("NZVIEW_PREFETCH")) {
    try {
      bytes = static_cast<std::size_t>(nz::parseByteSize(env, "NZVIEW_PREFETCH"));
    } catch (const std::exception&) {
      // a bad value keeps the saved setting
    }
  }
  return bytes;
}

void savePrefetchBudget(std::size_t bytes) {
  QSettings q = settings();
  q.setValue("viewer/prefetchBytes", qulonglong(bytes));
}

}  // namespace nzviewer
