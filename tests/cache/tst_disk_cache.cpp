// The disk cache end to end, through nzview-cli against the private nginx (fixture "nginx"):
// nginx's access log proves which objects were requested. Datasets are copies of the reference
// trees under /scratch/<unique>/ so a test can change or delete them; every cache directory is
// a temporary one.
#include <QTemporaryDir>
#include <QtTest>
#include <cstdlib>
#include <filesystem>

#include "cache_test_util.h"

namespace fs = std::filesystem;
using namespace nztest;

namespace {

bool isMetadata(const QString& key) {
  const QString name = key.section('/', -1);
  return name == "zarr.json" || name == ".zarray" || name == ".zgroup" || name == ".zattrs" ||
         name == ".zmetadata" || key.startsWith("nifti/");
}

QStringList chunkKeys(const QStringList& keys) {
  QStringList out;
  for (const QString& k : keys)
    if (!isMetadata(k)) out << k;
  return out;
}

}  // namespace

class TestDiskCache : public QObject {
  Q_OBJECT
  AccessLog log_;

  // Exports the whole of `level` from `uri` to OUT and returns the run (with --stats).
  Run exportLevel(const QString& uri, const QString& out, const QString& cacheDir, int level,
                  const QStringList& extra = {}) {
    return cli(QStringList{"export", uri, "-o", out, "--level", QString::number(level), "--stats",
                           "--cache-dir", cacheDir} +
               extra);
  }
  QByteArray groundTruth(const QString& refName, const QString& out, int level,
                         const QStringList& extra = {}) {
    Run r = cli(
        QStringList{"export", kRef + "/" + refName, "-o", out, "--level", QString::number(level)} +
        extra);
    if (r.rc != 0) qWarning("%s", qPrintable(r.err));
    return fileBytes(out);
  }

 private slots:
  void initTestCase() {
    QVERIFY2(QFile::exists(kCli), "nzview-cli not built");
    QVERIFY2(QFile::exists(log_.path), "nginx access log missing (is the nginx fixture up?)");
  }

  // Second open: only the metadata is asked of the server (revalidation), every chunk comes
  // from disk, and the exported bytes are those of the local reference.
  void warmReopenMakesNoChunkRequest() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp, cache;
    const QByteArray truth =
        groundTruth("e_uint16_pyramid_4levels.nii.zarr", tmp.filePath("truth.nii"), 0);
    QVERIFY(!truth.isEmpty());

    qint64 m = log_.mark();
    Run cold = exportLevel(ds.url, tmp.filePath("cold.nii"), cache.path(), 0);
    QVERIFY2(cold.rc == 0, qPrintable(cold.err));
    const QStringList coldKeys = log_.logged(m, ds.pathInLog, cold.stats()["requests"].toInt());
    QVERIFY2(chunkKeys(coldKeys).size() >= 8, qPrintable(coldKeys.join(' ')));
    QCOMPARE(cold.stats()["disk_hits"].toInt(), 0);
    QCOMPARE(fileBytes(tmp.filePath("cold.nii")), truth);

    m = log_.mark();
    Run warm = exportLevel(ds.url, tmp.filePath("warm.nii"), cache.path(), 0);
    QVERIFY2(warm.rc == 0, qPrintable(warm.err));
    const QStringList warmKeys = log_.logged(m, ds.pathInLog, warm.stats()["requests"].toInt());
    QVERIFY2(chunkKeys(warmKeys).isEmpty(),
             qPrintable("chunks requested: " + warmKeys.join(' ') + "\ncold: " + cold.err +
                        "\nwarm: " + warm.err));
    QVERIFY2(!warmKeys.isEmpty(), "metadata must be revalidated with the server");
    QCOMPARE(warm.stats()["requests"].toInt(), warmKeys.size());
    // Metadata the cache holds is revalidated with conditional GETs: 304, no body again.
    int notModified = 0;
    for (const QString& line : log_.since(m, ds.pathInLog, true)) {
      QVERIFY2(line.endsWith(" 304") || line.endsWith(" 404"), qPrintable(line));
      notModified += line.endsWith(" 304");
    }
    QVERIFY2(notModified >= 6, qPrintable(log_.since(m, ds.pathInLog, true).join(", ")));
    QVERIFY(warm.stats()["disk_hits"].toInt() >= chunkKeys(coldKeys).size());
    QCOMPARE(fileBytes(tmp.filePath("warm.nii")), truth);
  }

  // The dataset is rewritten at the same URI (new bytes, new ETag): the next open sees the
  // changed metadata, drops the old chunks, fetches the new ones and exports the new data.
  void changedObjectIsRefetched() {
    ServedCopy ds("f_blosc_default_chunk64_float32.nii.zarr");
    QTemporaryDir tmp, cache;
    Run first = exportLevel(ds.url, tmp.filePath("a.nii"), cache.path(), 0);
    QVERIFY2(first.rc == 0, qPrintable(first.err));
    QCOMPARE(fileBytes(tmp.filePath("a.nii")),
             groundTruth("f_blosc_default_chunk64_float32.nii.zarr", tmp.filePath("ta.nii"), 0));

    ds.replaceWith("e_uint16_pyramid_4levels.nii.zarr");
    const qint64 m = log_.mark();
    Run second = exportLevel(ds.url, tmp.filePath("b.nii"), cache.path(), 0);
    QVERIFY2(second.rc == 0, qPrintable(second.err));
    QVERIFY(!chunkKeys(log_.logged(m, ds.pathInLog, second.stats()["requests"].toInt())).isEmpty());
    QCOMPARE(fileBytes(tmp.filePath("b.nii")),
             groundTruth("e_uint16_pyramid_4levels.nii.zarr", tmp.filePath("tb.nii"), 0));
  }

  // Damaged entries (a flipped payload byte, a truncated file, garbage) are detected, dropped
  // and fetched again; the export is still exactly right.
  void corruptedEntriesAreRefetched() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp, cache;
    Run cold = exportLevel(ds.url, tmp.filePath("cold.nii"), cache.path(), 0);
    QVERIFY2(cold.rc == 0, qPrintable(cold.err));
    const QStringList entries = cacheEntries(cache.path());
    QVERIFY(entries.size() >= 8);
    int damaged = 0;
    for (const QString& e : entries) {
      QFile f(e);
      QVERIFY(f.open(QIODevice::ReadWrite));
      QByteArray b = f.readAll();
      switch (damaged++ % 3) {
        case 0:
          b[b.size() - 1] = static_cast<char>(b[b.size() - 1] ^ 0x5a);
          break;
        case 1:
          b.chop(b.size() / 3);
          break;
        default:
          b = QByteArray(b.size(), '\x42');
          break;
      }
      f.resize(0);
      f.seek(0);
      f.write(b);
    }
    const qint64 m = log_.mark();
    Run again = exportLevel(ds.url, tmp.filePath("again.nii"), cache.path(), 0);
    QVERIFY2(again.rc == 0, qPrintable(again.err));
    QCOMPARE(fileBytes(tmp.filePath("again.nii")),
             groundTruth("e_uint16_pyramid_4levels.nii.zarr", tmp.filePath("truth.nii"), 0));
    QVERIFY(chunkKeys(log_.logged(m, ds.pathInLog, again.stats()["requests"].toInt())).size() >= 8);
    // And the refetched entries are whole again: a third run is served from disk.
    const qint64 m2 = log_.mark();
    Run third = exportLevel(ds.url, tmp.filePath("third.nii"), cache.path(), 0);
    QVERIFY2(third.rc == 0, qPrintable(third.err));
    const QStringList thirdKeys = chunkKeys(log_.since(m2, ds.pathInLog));
    QVERIFY2(thirdKeys.isEmpty(), qPrintable("requested again: " + thirdKeys.join(' ')));
  }

  // Two processes prefetch the same scan into one cache directory at once: both succeed, no
  // temporary file is left behind, and the result serves an offline export exactly.
  void twoProcessesFillTheCacheAtOnce() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp, cache;
    const QStringList args{"prefetch", ds.url, "--cache-dir", cache.path(), "--max-in-flight", "8"};
    QProcess* a = startCli(args);
    QProcess* b = startCli(args);
    Run ra = finish(a), rb = finish(b);
    QVERIFY2(ra.rc == 0, qPrintable(ra.err));
    QVERIFY2(rb.rc == 0, qPrintable(rb.err));
    QVERIFY(cacheEntries(cache.path(), ".tmp-*").isEmpty());
    for (int level = 0; level < 4; ++level) {
      const QString out = tmp.filePath(QString("off%1.nii").arg(level));
      Run off = exportLevel(ds.url, out, cache.path(), level, {"--offline"});
      QVERIFY2(off.rc == 0, qPrintable(off.err));
      QCOMPARE(off.stats()["requests"].toInt(), 0);
      QCOMPARE(fileBytes(out), groundTruth("e_uint16_pyramid_4levels.nii.zarr",
                                           tmp.filePath(QString("t%1.nii").arg(level)), level));
    }
  }

  // A small budget: the cache stays under it (LRU), pinned entries survive however small it is.
  void evictionKeepsTheBudgetAndThePins() {
    ServedCopy pinned("f_zstd_via_zlib_option.nii.zarr");
    ServedCopy big("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp, cache;
    Run p = cli({"prefetch", pinned.url, "--cache-dir", cache.path()});
    QVERIFY2(p.rc == 0, qPrintable(p.err));
    const QStringList pins = cacheEntries(cache.path(), "*.pin");
    QVERIFY(pins.size() >= 4);
    const qint64 pinnedBytes = cacheBytes(cache.path());

    const qint64 budget = 96 * 1024;
    Run fill = cli({"prefetch", big.url, "--no-pin", "--cache-dir", cache.path(), "--cache-size",
                    QString::number(budget)});
    QVERIFY2(fill.rc == 0, qPrintable(fill.err));
    QVERIFY2(cacheBytes(cache.path()) <= budget,
             qPrintable(
                 QString("%1 bytes cached, budget %2").arg(cacheBytes(cache.path())).arg(budget)));
    QVERIFY(cacheBytes(cache.path()) >= pinnedBytes);
    for (const QString& pin : pins) {
      QString entry = pin;
      entry.replace(QRegularExpression("\\.pin$"), ".nzc");
      QVERIFY2(QFile::exists(entry), qPrintable("pinned entry evicted: " + entry));
    }
    Run info = cli({"cache", "info", "--json", "--cache-dir", cache.path(), "--cache-size",
                    QString::number(budget)});
    QVERIFY2(info.rc == 0, qPrintable(info.err));
    const QJsonObject j = QJsonDocument::fromJson(info.out.toUtf8()).object();
    QCOMPARE(j["bytes"].toInteger(), cacheBytes(cache.path()));
    QCOMPARE(j["pinned_entries"].toInteger(), qint64(pins.size()));
    // The pinned scan still opens offline.
    Run off = cli({"info", pinned.url, "--offline", "--cache-dir", cache.path()});
    QVERIFY2(off.rc == 0, qPrintable(off.err));

    Run clear = cli({"cache", "clear", "--keep-pinned", "--cache-dir", cache.path()});
    QVERIFY2(clear.rc == 0, qPrintable(clear.err));
    QCOMPARE(cacheBytes(cache.path()), pinnedBytes);
    Run unpin = cli({"prefetch", pinned.url, "--unpin", "--cache-dir", cache.path()});
    QVERIFY2(unpin.rc == 0, qPrintable(unpin.err));
    QVERIFY(cacheEntries(cache.path(), "*.pin").isEmpty());
    QVERIFY(cli({"cache", "clear", "--cache-dir", cache.path()}).rc == 0);
    QCOMPARE(cacheBytes(cache.path()), 0);
  }

  // Half the volume pinned, then offline: the pinned half exports exactly, the rest fails with
  // a message naming the object that is not cached; the server sees no request at all.
  void offlineWithAHalfPinnedRegion() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp, cache;
    Run info = cli({"info", kRef + "/e_uint16_pyramid_4levels.nii.zarr", "--json"});
    QVERIFY2(info.rc == 0, qPrintable(info.err));
    const QJsonArray shape = QJsonDocument::fromJson(info.out.toUtf8()).object()["shape"].toArray();
    const int nx = shape[0].toInt(), ny = shape[1].toInt(), nz = shape[2].toInt();
    QVERIFY(nx > 64);
    const QString half = QString("0:%1,0:%2,0:%3").arg(nx / 2 / 32 * 32).arg(ny).arg(nz);
    Run pin = cli({"prefetch", ds.url, "--level", "0", "--roi", half, "--cache-dir", cache.path()});
    QVERIFY2(pin.rc == 0, qPrintable(pin.err));
    QVERIFY2(pin.err.contains("prefetch: ") && pin.err.contains("chunks"), qPrintable(pin.err));

    const qint64 m = log_.mark();
    Run ok = cli({"export", ds.url, "-o", tmp.filePath("half.nii"), "--roi", half, "--offline",
                  "--cache-dir", cache.path()});
    QVERIFY2(ok.rc == 0, qPrintable(ok.err));
    QCOMPARE(fileBytes(tmp.filePath("half.nii")),
             groundTruth("e_uint16_pyramid_4levels.nii.zarr", tmp.filePath("t.nii"), 0,
                         {"--roi", half}));
    Run rest = cli({"export", ds.url, "-o", tmp.filePath("all.nii"), "--offline", "--cache-dir",
                    cache.path()});
    QCOMPARE(rest.rc, 1);
    QVERIFY2(rest.err.contains("offline: " + ds.url + "/0/") &&
                 rest.err.contains("is not in the disk cache"),
             qPrintable(rest.err));
    QVERIFY(!QFile::exists(tmp.filePath("all.nii")));
    QVERIFY(log_.since(m, ds.pathInLog).isEmpty());
  }

  // Flags and environment: --no-disk-cache writes nothing, a bad --cache-size is one message.
  void flags() {
    ServedCopy ds("f_zstd_via_zlib_option.nii.zarr");
    QTemporaryDir cache;
    Run off = cli({"info", ds.url, "--cache-dir", cache.path(), "--no-disk-cache"});
    QVERIFY2(off.rc == 0, qPrintable(off.err));
    QVERIFY(cacheEntries(cache.path()).isEmpty());
    Run bad = cli({"info", ds.url, "--cache-size", "lots"});
    QCOMPARE(bad.rc, 2);
    QVERIFY2(bad.err.contains("--cache-size needs a size like 4G"), qPrintable(bad.err));
    // The environment alone: NZVIEW_DISK_CACHE=on with NZVIEW_CACHE_DIR.
    QProcessEnvironment env;
    env.insert("NZVIEW_DISK_CACHE", "on");
    env.insert("NZVIEW_CACHE_DIR", cache.path());
    Run viaEnv = cli({"info", ds.url}, env);
    QVERIFY2(viaEnv.rc == 0, qPrintable(viaEnv.err));
    QVERIFY(!cacheEntries(cache.path()).isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestDiskCache)
#include "tst_disk_cache.moc"
