#include "settings/gui_settings.h"

namespace nzviewer {

QSettings guiSettings() {
  const QString file = qEnvironmentVariable("NZVIEW_SETTINGS");
  if (!file.isEmpty()) return QSettings(file, QSettings::IniFormat);
  return QSettings("nzview", "nzview");
}

}  // namespace nzviewer
