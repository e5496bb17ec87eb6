#pragma once
// Shared bits of the disk cache tests: running nzview-cli, reading nginx's access log, and
// looking into a cache directory (always a temporary one, never the user's).
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <QtTest>
#include <chrono>
#include <cstdlib>
#include <filesystem>

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

// The nginx fixture (tests/http): its state directory, a served copy, its access log.
namespace fs = std::filesystem;
inline QString httpState() {
  const char* s = std::getenv("NZ_HTTP_STATE");
  return s ? QString(s) : QStringLiteral(NZ_BINARY_DIR "/test-servers/nginx");
}

inline QString uniqueName() {
  static int n = 0;
  return QString("dc-%1-%2-%3")
      .arg(QCoreApplication::applicationPid())
      .arg(QDateTime::currentMSecsSinceEpoch())
      .arg(++n);
}

// A copy of refdata/<name> served at http://127.0.0.1:18080/scratch/<dir>/ds.nii.zarr.
struct ServedCopy {
  QString dir, local, url, pathInLog;
  explicit ServedCopy(const QString& refName) {
    dir = uniqueName();
    local = httpState() + "/scratch/" + dir + "/ds.nii.zarr";
    replaceWith(refName);
    url = "http://127.0.0.1:18080/scratch/" + dir + "/ds.nii.zarr";
    pathInLog = "/scratch/" + dir + "/ds.nii.zarr/";
  }
  ~ServedCopy() {
    std::error_code ec;
    fs::remove_all((httpState() + "/scratch/" + dir).toStdString(), ec);
  }
  void replaceWith(const QString& refName) const {
    std::error_code ec;
    fs::remove_all(local.toStdString(), ec);
    fs::create_directories(local.toStdString());
    fs::copy((kRef + "/" + refName).toStdString(), local.toStdString(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    // nginx derives ETag and Last-Modified from the file time: make the change visible even
    // within the second of the previous copy.
    // Each version gets a later whole second than the one before (ETag = mtime-size in
    // seconds): two versions never share a validator, as on any real server.
    static int version = 0;
    const auto later = fs::file_time_type::clock::now() + std::chrono::seconds(10 * ++version);
    for (const auto& f : fs::recursive_directory_iterator(local.toStdString()))
      fs::last_write_time(f.path(), later);
    QProcess::execute("chmod", {"-R", "a+rX", httpState() + "/scratch/" + dir});
  }
};

// The requests nginx logged for `prefix` since `from` (byte offset into the log).
struct AccessLog {
  QString path = httpState() + "/logs/access.log";
  // nginx writes a log line when it finalises a request, which may be just after the client
  // saw the response: wait until the log stops growing so that lines land on the right side.
  qint64 mark() const { return settle(); }
  qint64 settle() const {
    qint64 size = QFileInfo(path).size();
    for (int i = 0, stable = 0; i < 100 && stable < 3; ++i) {
      QThread::msleep(100);
      const qint64 now = QFileInfo(path).size();
      stable = now == size ? stable + 1 : 0;
      size = now;
    }
    return size;
  }
  // since(), once nginx has logged at least `expected` requests (the count a process reported
  // in its --stats): under load nginx may write a line well after the client exited.
  QStringList logged(qint64 from, const QString& prefix, int expected,
                     bool withStatus = false) const {
    for (int i = 0; i < 100; ++i) {
      const QStringList got = since(from, prefix, withStatus);
      if (got.size() >= expected) return got;
      QThread::msleep(50);
    }
    return since(from, prefix, withStatus);
  }
  QStringList since(qint64 from, const QString& prefix, bool withStatus = false) const {
    settle();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    f.seek(from);
    QStringList out;
    for (const QByteArray& line : f.readAll().split('\n')) {
      const QString l = QString::fromUtf8(line);
      const int at = l.indexOf(prefix);
      if (at < 0) continue;
      // The key inside the dataset, or with `withStatus` "key status" (e.g. ".zattrs 304").
      const QString key = l.mid(at + prefix.size()).section(' ', 0, 0);
      out << (withStatus ? key + " " + l.section('"', 2, 2).trimmed().section(' ', 0, 0) : key);
    }
    return out;
  }
};

}  // namespace nztest
