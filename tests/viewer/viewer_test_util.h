#pragma once
// Shared helpers of the viewer tests.
#include <QFileInfo>
#include <QString>

namespace nzviewer_test {

// A reference dataset copied into tests/data/refdata (falls back to the shared copy while the
// copy is being made).
inline QString refdata(const QString& name) {
  const QString local = QStringLiteral(NZ_TEST_DATA_DIR "/refdata/") + name;
  if (QFileInfo::exists(local)) return local;
  return QStringLiteral("/work/shared/refdata/") + name;
}

}  // namespace nzviewer_test
