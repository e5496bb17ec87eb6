#pragma once
// Shared bits of the disk cache tests: running nzview-cli, reading nginx's access log, and
// looking into a cache directory (always a temporary one, never the user's).
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

namespace nztest {

inline const QString kCli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
inline const QString kRef = QStringLiteral(NZ_TEST_DATA_DIR "/refdata");

struct Run {
  int rc = -1;
  QString out, err;
  // The `--stats` JSON line export prints last on stderr.
  QJsonObject stats() const {
    const QStringList lines = err.trimmed().split('\n');
    return lines.isEmpty() ? QJsonObject()
                           : QJsonDocument::fromJson(lines.last().toUtf8()).object();
  }
};

inline QProcess* startCli(const QStringList& args, const QProcessEnvironment& extra = {}) {
  auto* p = new QProcess;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  // The cache is on only where a test names its directory (--cache-dir, or `extra`).
  env.insert("NZVIEW_DISK_CACHE", "off");
  env.remove("NZVIEW_CACHE_DIR");
  for (const QString& k : extra.keys()) env.insert(k, extra.value(k));
  p->setProcessEnvironment(env);
  p->start(kCli, args);
  return p;
}

inline Run finish(QProcess* p) {
  Run r;
  if (!p->waitForFinished(180000)) {
    p->kill();
    p->waitForFinished();
  } else {
    r.rc = p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
  }
  r.out = QString::fromUtf8(p->readAllStandardOutput());
  r.err = QString::fromUtf8(p->readAllStandardError());
  delete p;
  return r;
}

inline Run cli(const QStringList& args, const QProcessEnvironment& extra = {}) {
  return finish(startCli(args, extra));
}

inline QByteArray fileBytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Entry files (*.nzc) under a cache directory, and their total size.
inline QStringList cacheEntries(const QString& dir, const QString& pattern = "*.nzc") {
  QStringList out;
  QDirIterator it(dir, {pattern}, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) out << it.next();
  return out;
}
inline qint64 cacheBytes(const QString& dir) {
  qint64 n = 0;
  for (const QString& f : cacheEntries(dir)) n += QFileInfo(f).size();
  return n;
}

// Every file under `dir` holds none of `secrets` (file names included).
inline QString findSecret(const QString& dir, const QStringList& secrets) {
  QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString f = it.next();
    const QByteArray bytes = fileBytes(f);
    for (const QString& s : secrets) {
      if (s.isEmpty()) continue;
      if (bytes.contains(s.toUtf8()) || f.contains(s)) return s.left(6) + "... in " + f;
    }
  }
  return {};
}

}  // namespace nztest
