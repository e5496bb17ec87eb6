#pragma once
// The viewer's persisted settings (recent list, view options, disk cache): the user's
// QSettings, or the INI file named by NZVIEW_SETTINGS (tests, portable use), so a test never
// touches the user's settings.
#include <QSettings>

namespace nzviewer {

QSettings guiSettings();

}  // namespace nzviewer
