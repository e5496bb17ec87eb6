// FileAppender: a large output crosses from the page cache to O_DIRECT (aligned, staged) and
// back for its unaligned end without changing a byte; a small one stays in the page cache; a
// file that refuses O_DIRECT keeps the page cache path. And AtomicOutput, which
// writes every local export through it, commits a large output exactly. A full disk is one Io
// error naming the output.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "core/error.h"
#include "write/atomic_file.h"
#include "write/file_appender.h"

using namespace nz;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 12345;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

bool takesDirectIo(const QString& dir) {
  const QByteArray probe = (dir + "/.direct-probe").toLocal8Bit();
  const int fd = ::open(probe.constData(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.constData());
  return true;
}

// Appends `bytes` in pieces of `piece` bytes (odd sizes, so no piece boundary is aligned).
bool appendAll(const QString& path, const std::vector<std::uint8_t>& bytes, std::size_t piece,
               std::uint64_t* direct) {
  const int fd =
      ::open(path.toLocal8Bit().constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  {
    FileAppender file(fd, path.toStdString());
    for (std::size_t at = 0; at < bytes.size(); at += piece)
      file.append(bytes.data() + at, std::min(piece, bytes.size() - at));
    file.finish();
    *direct = file.bytesWrittenDirect();
  }
  ::fsync(fd);
  return ::close(fd) == 0;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool sameBytes(const QByteArray& got, const std::vector<std::uint8_t>& want) {
  return static_cast<std::size_t>(got.size()) == want.size() &&
         std::equal(want.begin(), want.end(), reinterpret_cast<const std::uint8_t*>(got.data()));
}

}  // namespace

class TestFileAppender : public QObject {
  Q_OBJECT
 private slots:
  void largeOutputGoesDirectAndKeepsEveryByte() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Past the direct threshold, several staging buffers, and an unaligned end.
    const std::size_t total = FileAppender::kDirectAfter + 3 * FileAppender::kStagingBytes + 4321;
    const auto bytes = pattern(total);
    const QString path = dir.filePath("large.bin");
    std::uint64_t direct = 0;
    QVERIFY(appendAll(path, bytes, 1'000'003, &direct));
    QVERIFY(sameBytes(readAll(path), bytes));
    if (!takesDirectIo(dir.path())) QSKIP("this file system refuses O_DIRECT");
    QCOMPARE(direct % 4096, 0u);
    // Everything after the threshold but the last partial 4 KiB went to the disk directly.
    QCOMPARE(direct, (total - FileAppender::kDirectAfter) / 4096 * 4096);
  }

  void smallOutputStaysInThePageCache() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto bytes = pattern(3 << 20);
    const QString path = dir.filePath("small.bin");
    std::uint64_t direct = 1;
    QVERIFY(appendAll(path, bytes, 65'537, &direct));
    QCOMPARE(direct, 0u);
    QVERIFY(sameBytes(readAll(path), bytes));
  }

  void fileThatRefusesDirectIoKeepsThePageCachePath() {
    // A socket refuses O_DIRECT at fcntl (EINVAL), as tmpfs did before Linux 6.6 and some
    // network file systems do: every byte must still arrive, in order.
    int ends[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
    const std::size_t total = FileAppender::kDirectAfter + FileAppender::kStagingBytes + 77;
    const auto bytes = pattern(total);
    std::vector<std::uint8_t> received;
    std::thread reader([&] {
      std::vector<std::uint8_t> buf(1 << 16);
      while (true) {
        const ssize_t n = ::read(ends[1], buf.data(), buf.size());
        if (n <= 0) return;
        received.insert(received.end(), buf.begin(), buf.begin() + n);
      }
    });
    std::uint64_t direct = 1;
    {
      FileAppender file(ends[0], "socket");
      for (std::size_t at = 0; at < total; at += 999'999)
        file.append(bytes.data() + at, std::min<std::size_t>(999'999, total - at));
      file.finish();
      direct = file.bytesWrittenDirect();
    }
    ::close(ends[0]);
    reader.join();
    ::close(ends[1]);
    QCOMPARE(direct, 0u);
    QVERIFY(received == bytes);
  }

  void fullDiskIsOneIoErrorNamingTheOutput() {
    // /dev/full answers every write with ENOSPC: one nz::Error of kind Io naming the output.
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (fd < 0) QSKIP("no /dev/full here");
    const auto bytes = pattern(1 << 20);
    FileAppender file(fd, "roi.nii");
    try {
      file.append(bytes.data(), bytes.size());
      file.finish();
      ::close(fd);
      QFAIL("a write to /dev/full succeeded");
    } catch (const Error& e) {
      ::close(fd);
      QCOMPARE(e.kind(), ErrorKind::Io);
      QCOMPARE(QString::fromStdString(e.what()),
               QString("cannot write 'roi.nii': ") + std::strerror(ENOSPC));
    }
    QCOMPARE(errorKindForErrno(EACCES), ErrorKind::PermissionDenied);
    QCOMPARE(errorKindForErrno(EROFS), ErrorKind::PermissionDenied);
    QCOMPARE(errorKindForErrno(ENOTDIR), ErrorKind::NotFound);
    QCOMPARE(errorKindForErrno(EDQUOT), ErrorKind::Io);
  }

  void atomicOutputCommitsALargeOutputExactly() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto bytes = pattern(FileAppender::kDirectAfter + FileAppender::kStagingBytes + 352);
    const QString path = dir.filePath("out.nii");
    {
      AtomicOutput out(path.toStdString());
      for (std::size_t at = 0; at < bytes.size(); at += 4 << 20)
        out.write(bytes.data() + at, std::min<std::size_t>(4 << 20, bytes.size() - at));
      QCOMPARE(out.bytesWritten(), bytes.size());
      out.commit();
    }
    QVERIFY(sameBytes(readAll(path), bytes));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);  // no temporary
  }
};

QTEST_GUILESS_MAIN(TestFileAppender)
#include "tst_file_appender.moc"
