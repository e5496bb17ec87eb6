// io/cache in process (no servers): canonical ids never hold a secret, concurrent readers and
// writers through CachingStore (TSan lane), metadata changes drop a dataset, eviction under
// many writer threads holds the budget and keeps pins, sizes parse. The remote store is an
// in-memory one wrapped exactly as openStore wraps a remote one.
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <thread>
#include <vector>

#include "cache/cache_config.h"
#include "cache/cache_key.h"
#include "cache/caching_store.h"
#include "cache/disk_cache.h"
#include "open/store_factory.h"
#include "store/memory_store.h"
#include "uri/uri.h"

using namespace nz;

namespace {

Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes pattern(std::size_t n, int seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 131 + seed * 7) & 255);
  return b;
}

std::shared_ptr<Store> cached(std::shared_ptr<MemoryStore> inner, const QString& dir,
                              std::uint64_t budget = std::uint64_t{1} << 30, bool pin = false) {
  DiskCacheSettings s;
  s.enabled = true;
  s.dir = dir.toStdString();
  s.budgetBytes = budget;
  s.pin = pin;
  return wrapWithDiskCache(std::move(inner), parseUri("https://example.org/scan.nii.zarr"), {}, s);
}

}  // namespace

class TestCachingStore : public QObject {
  Q_OBJECT
 private slots:
  void canonicalIdsHoldNoSecret() {
    StoreOptions none;
    const std::string http = canonicalDatasetId(
        parseUri("https://alice:PW123@host.example:8443/a/b.nii.zarr?sig=SIG123&se=2030&token=T1"),
        none);
    QCOMPARE(http, std::string("https://host.example:8443/a/b.nii.zarr"));
    const std::string az =
        canonicalDatasetId(parseUri("az://cont/dir/img.nii.zarr?sv=2021&sig=SECRETSIG"), none);
    QCOMPARE(az, std::string("az://cont/dir/img.nii.zarr"));
    StoreOptions cs;
    cs.azureConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=KEY123==;"
        "BlobEndpoint=http://127.0.0.1:10000/acct;";
    const std::string viaCs = canonicalDatasetId(parseUri("az://cont/x"), cs);
    QCOMPARE(viaCs, std::string("az://cont/x via http://127.0.0.1:10000/acct"));
    StoreOptions s3;
    s3.endpointUrl = "http://key:secret@127.0.0.1:9000/?X-Amz-Signature=abc";
    s3.awsSecretAccessKey = "AWSSECRET";
    QCOMPARE(canonicalDatasetId(parseUri("s3://bucket/k"), s3),
             std::string("s3://bucket/k via http://127.0.0.1:9000"));
    // Ranges are part of the object id; metadata is recognised by name.
    QCOMPARE(objectIdFor("0/c/1", ByteRange::span(10, 20)), std::string("0/c/1#bytes=10-20"));
    QCOMPARE(objectIdFor("0/c/1", ByteRange::suffix(8)), std::string("0/c/1#suffix=8"));
    QVERIFY(isMetadataKey("zarr.json") && isMetadataKey("0/.zarray") && isMetadataKey("nifti/0"));
    QVERIFY(!isMetadataKey("0/0.0.0") && !isMetadataKey("0/c/0/0/0"));
  }

  // Many threads read the same objects through fresh CachingStores at once: every byte right,
  // and once the cache is warm a new store sends nothing to the remote store.
  void concurrentReadersShareOneCache() {
    QTemporaryDir dir;
    auto inner = std::make_shared<MemoryStore>("cache-concurrent");
    const int objects = 120;
    for (int i = 0; i < objects; ++i) inner->put("0/c/" + std::to_string(i), pattern(3000 + i, i));
    inner->put(".zattrs", std::string("{\"a\": 1}"));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
      threads.emplace_back([&, t] {
        auto store = cached(inner, dir.path());
        std::vector<std::string> keys{".zattrs"};
        for (int i = 0; i < objects; ++i)
          keys.push_back("0/c/" + std::to_string((i + t * 17) % objects));
        const auto results = store->readMany(keys);
        for (std::size_t k = 1; k < keys.size(); ++k) {
          const int i = std::stoi(keys[k].substr(4));
          if (!results[k].ok() || results[k].data != pattern(3000 + i, i)) wrong++;
        }
      });
    for (auto& th : threads) th.join();
    waitForDiskCacheWrites();
    QCOMPARE(wrong.load(), 0);
    inner->resetCounters();
    auto warm = cached(inner, dir.path());
    std::vector<std::string> keys;
    for (int i = 0; i < objects; ++i) keys.push_back("0/c/" + std::to_string(i));
    const auto results = warm->readMany(keys);
    for (int i = 0; i < objects; ++i) QVERIFY(results[i].data == pattern(3000 + i, i));
    QCOMPARE(inner->readLog().size(), std::size_t(0));
    QCOMPARE(warm->stats().diskHits, std::uint64_t(objects));
    // Missing objects are cached as missing too.
    QVERIFY(warm->read("0/c/none").missing());
    waitForDiskCacheWrites();
    QVERIFY(cached(inner, dir.path())->read("0/c/none").missing());
    QCOMPARE(inner->readCount("0/c/none"), std::size_t(1));
  }

  // A changed metadata document drops the dataset's cached chunks: the new bytes are served.
  void changedMetadataDropsTheDataset() {
    QTemporaryDir dir;
    auto inner = std::make_shared<MemoryStore>("cache-changed");
    inner->put(".zattrs", std::string("{\"v\": 1}"));
    inner->put("0/c/0", pattern(500, 1));
    {
      auto a = cached(inner, dir.path());
      QVERIFY(a->read(".zattrs").ok());
      QVERIFY(a->read("0/c/0").data == pattern(500, 1));
      waitForDiskCacheWrites();
    }
    inner->put("0/c/0", pattern(500, 2));  // rewritten in place...
    {
      auto same = cached(inner, dir.path());  // ...but the metadata did not change: cached copy
      QVERIFY(same->read(".zattrs").ok());
      QVERIFY(same->read("0/c/0").data == pattern(500, 1));
      waitForDiskCacheWrites();
    }
    inner->put(".zattrs", std::string("{\"v\": 2}"));
    auto b = cached(inner, dir.path());
    QVERIFY(b->read(".zattrs").data == bytesOf("{\"v\": 2}"));
    QVERIFY(b->read("0/c/0").data == pattern(500, 2));
  }

  // Writer threads far beyond the budget: the cache ends under it, pinned entries all stay.
  void evictionUnderConcurrentWriters() {
    QTemporaryDir dir;
    const std::uint64_t budget = 64 * 1024;
    auto cache = DiskCache::open(dir.path().toStdString(), budget);
    for (int i = 0; i < 4; ++i) {
      CacheEntry e;
      e.data = pattern(4000, i);
      cache->put("ds-pinned", "p" + std::to_string(i), e, true);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 60; ++i) {
          CacheEntry e;
          e.data = pattern(2000 + i, t);
          cache->put("ds-" + std::to_string(t), "k" + std::to_string(i), e);
        }
      });
    for (auto& th : threads) th.join();
    const CacheUsage u = cache->usage();
    QVERIFY2(u.bytes <= budget, qPrintable(QString::number(u.bytes)));
    QCOMPARE(u.pinnedEntries, std::uint64_t(4));
    for (int i = 0; i < 4; ++i) QVERIFY(cache->get("ds-pinned", "p" + std::to_string(i)));
    // Corruption: a truncated entry is a miss and is gone afterwards.
    CacheEntry e;
    e.data = pattern(1000, 9);
    cache->put("ds-x", "obj", e);
    QVERIFY(cache->get("ds-x", "obj"));
    QDirIterator it(dir.path(), {"*.nzc"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString f = it.next();
      if (QFileInfo(f).size() > 1000 && QFileInfo(f).size() < 1200) QFile(f).resize(700);
    }
    QVERIFY(!cache->get("ds-x", "obj"));
    QVERIFY(cache->corruptDropped() >= 1);
  }

  void byteSizes() {
    QCOMPARE(parseByteSize("4G", "x"), std::uint64_t{4} << 30);
    QCOMPARE(parseByteSize("512M", "x"), std::uint64_t{512} << 20);
    QCOMPARE(parseByteSize("1.5GiB", "x"), std::uint64_t{3} << 29);
    QCOMPARE(parseByteSize("1000", "x"), std::uint64_t{1000});
    for (const char* bad : {"", "G", "4Q", "-1G", "1e30T"}) {
      try {
        parseByteSize(bad, "--cache-size");
        QFAIL(bad);
      } catch (const Error& e) {
        QVERIFY(std::string(e.what()).find("--cache-size needs a size") != std::string::npos);
      }
    }
    QCOMPARE(formatBytes(1536), std::string("1.5 KiB"));
  }
};

QTEST_GUILESS_MAIN(TestCachingStore)
#include "tst_caching_store.moc"
