// Streamed exports (runExport with a small ExportOutputOptions::maxInMemoryBytes) against the
// in-memory path on reference datasets: .nii and .nii.gz byte-identical, .nii.zarr
// voxel-identical at every pyramid level, each chunk fetched once (z-slabs on the chunk grid),
// non-constant pad modes kept in memory, and a cancel mid-stream leaving nothing at OUT.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "dataset/dataset.h"
#include "loader/fake_dataset.h"
#include "loader/loader_metrics.h"
#include "nifti/nifti_header.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "store/memory_store.h"
#include "write/nifti_writer.h"

namespace {

const std::string kData = NZ_TEST_DATA_DIR;

nz::Box box5(std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1, std::int64_t z0,
             std::int64_t z1, std::int64_t t0 = 0, std::int64_t t1 = 1) {
  nz::Box b;
  b.begin = {x0, y0, z0, t0, 0};
  b.end = {x1, y1, z1, t1, 1};
  return b;
}

nz::Bytes readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return nz::Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Chunk fetches the streamed export may need: once per (t, c) the output reads, for chunks
// whose t or c extent is more than 1 (slabs are one output volume deep in t and c).
std::uint64_t fetchesUpperBound(const nz::LevelInfo& lv, const nz::Box& readBox) {
  std::uint64_t n = 0;
  for (std::int64_t t = readBox.begin[3]; t < readBox.end[3]; ++t)
    for (std::int64_t c = readBox.begin[4]; c < readBox.end[4]; ++c) {
      nz::Box b = readBox;
      b.begin[3] = t;
      b.end[3] = t + 1;
      b.begin[4] = c;
      b.end[4] = c + 1;
      n += nz::countChunks(lv, b);
    }
  return n;
}

}  // namespace

Q_DECLARE_METATYPE(nz::ExportRequest)

class ExportStreamingTest : public QObject {
  Q_OBJECT

 private slots:
  void streamedEqualsInMemory_data() {
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<nz::ExportRequest>("request");
    QTest::addColumn<QString>("format");

    auto add = [](const char* name, const char* dataset, nz::ExportRequest r) {
      for (const char* f : {"nii", "nii.gz", "nii.zarr"})
        QTest::newRow((std::string(name) + " ." + f).c_str())
            << QString(dataset) << r << QString(f);
    };
    const char* pyramid = "refdata/e_uint16_pyramid_4levels.nii.zarr";         // 150x121x97, 32³
    const char* float32 = "refdata/f_blosc_default_chunk64_float32.nii.zarr";  // 70x64x66, 64³
    const char* sharded = "refdata/g2_v3_sharded_uint16.nii.zarr";    // 150x121x97, 32³ in 64³
    const char* scaled = "refdata/b_int16_scl_qform.nii.zarr";        // 50x40x30, 16³, scl
    const char* tczyx = "fixtures/datasets/pixdim_tczyx.nii.zarr";    // 6x5x4, t 2, c 3
    const char* tzyx = "fixtures/datasets/nifti2_ext_tzyx.nii.zarr";  // 8x7x6, t 3 (chunk t 2)

    nz::ExportRequest whole;
    add("pyramid whole", pyramid, whole);
    nz::ExportRequest level1;
    level1.level = 1;
    level1.roi = box5(3, 70, -5, 50, 2, 47);
    add("pyramid level 1 roi outside", pyramid, level1);
    // Pads x and y, crops z; the ROI reaches below z = 0, so the first slabs are all padding.
    nz::ExportRequest padCrop;
    padCrop.roi = box5(5, 140, -7, 100, -40, 60);
    padCrop.cropOrPad = std::array<std::int64_t, 3>{160, 130, 90};
    padCrop.padValue = 5;
    add("pyramid crop/pad", pyramid, padCrop);
    // Larger than one 4 MiB writer block, so the slabs cut across blocks.
    nz::ExportRequest big;
    big.cropOrPad = std::array<std::int64_t, 3>{170, 160, 100};
    big.padValue = 1234;
    add("pyramid padded past one block", pyramid, big);
    add("float32 whole", float32, whole);
    nz::ExportRequest floatPad;
    floatPad.roi = box5(-3, 60, 10, 64, 5, 70);
    floatPad.cropOrPad = std::array<std::int64_t, 3>{50, 80, 75};
    floatPad.padValue = -2.5;
    add("float32 crop/pad", float32, floatPad);
    add("sharded whole", sharded, whole);
    add("sharded crop/pad", sharded, padCrop);
    nz::ExportRequest scaledPad;
    scaledPad.roi = box5(-4, 44, 3, 40, -3, 29);
    scaledPad.cropOrPad = std::array<std::int64_t, 3>{40, 45, 36};
    scaledPad.padValue = 17.3;  // scaled units: stored as the rounded raw value
    add("scaled int16 crop/pad", scaled, scaledPad);
    add("tczyx whole", tczyx, whole);
    nz::ExportRequest tczyxPad;
    tczyxPad.roi = box5(-1, 5, 1, 7, -2, 3, 0, 2);
    tczyxPad.roi->end[4] = 3;  // every channel
    tczyxPad.cropOrPad = std::array<std::int64_t, 3>{4, 8, 6};
    tczyxPad.padValue = 9;
    add("tczyx crop/pad", tczyx, tczyxPad);
    nz::ExportRequest tzyxPad;
    tzyxPad.roi = box5(1, 9, -2, 6, 0, 6, 1, 3);
    tzyxPad.cropOrPad = std::array<std::int64_t, 3>{6, 9, 3};
    add("tzyx crop/pad", tzyx, tzyxPad);
  }

  void streamedEqualsInMemory() {
    QFETCH(QString, dataset);
    QFETCH(nz::ExportRequest, request);
    QFETCH(QString, format);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto ds = nz::openDataset(kData + "/" + dataset.toStdString());
    const nz::ExportPlan plan = nz::planExport(ds->info(), request);
    const nz::LevelInfo& lv = ds->info().levels[static_cast<std::size_t>(plan.level)];

    const std::string inMemory = dir.path().toStdString() + "/memory." + format.toStdString();
    const std::string streamed = dir.path().toStdString() + "/streamed." + format.toStdString();
    nz::ExportOutputOptions o;
    o.chunk = 24;  // .nii.zarr: not a multiple of the source chunks, nor aligned with them
    nz::LoaderMetrics memoryMetrics;
    o.loaderMetrics = &memoryMetrics;
    QVERIFY(!nz::exportIsStreamed(plan, o));
    const std::uint64_t n1 = nz::runExport(*ds, plan, inMemory, o);

    o.maxInMemoryBytes = 1;  // one chunk depth per slab, cache of two chunks
    nz::LoaderMetrics m;
    o.loaderMetrics = &m;
    QVERIFY(nz::exportIsStreamed(plan, o));
    double last = -1;
    bool monotonic = true;
    const std::uint64_t n2 = nz::runExport(*ds, plan, streamed, o, {}, [&](double f) {
      monotonic = monotonic && f >= last;
      last = f;
    });
    QCOMPARE(n2, n1);
    QCOMPARE(n2, plan.outputVoxels);
    QVERIFY(monotonic);
    QCOMPARE(last, 1.0);

    if (format == "nii.zarr") {
      auto a = nz::openDataset(inMemory);
      auto b = nz::openDataset(streamed);
      QCOMPARE(b->info().levels.size(), a->info().levels.size());
      QVERIFY(a->info().levels[0].shape == plan.outBox.shape());
      for (std::size_t L = 0; L < a->info().levels.size(); ++L) {
        nz::Box all;
        all.end = a->info().levels[L].shape;
        const nz::Volume va = a->readRegion(static_cast<int>(L), all);
        const nz::Volume vb = b->readRegion(static_cast<int>(L), all);
        QVERIFY(va.shape == vb.shape);
        QVERIFY2(va.data == vb.data, ("level " + std::to_string(L) + " differs").c_str());
      }
    } else {
      const nz::Bytes a = readFile(inMemory);
      const nz::Bytes b = readFile(streamed);
      QVERIFY(!a.empty());
      QCOMPARE(b.size(), a.size());
      QVERIFY2(a == b, "the streamed file is not byte-identical");
    }

    // Slabs on the chunk grid: no chunk fetched twice (cache hits would mean a re-request).
    QCOMPARE(memoryMetrics.cacheMisses, plan.chunks);
    QCOMPARE(m.failed, std::uint64_t{0});
    if (lv.chunkShape[3] == 1 && lv.chunkShape[4] == 1) {
      QCOMPARE(m.cacheMisses, plan.chunks);
      QCOMPARE(m.requests, plan.chunks);
      QCOMPARE(m.cacheHits, std::uint64_t{0});
    } else {
      // A chunk spanning several t or c is read once per output volume (t, c) at most.
      QVERIFY(m.cacheMisses >= plan.chunks);
      QVERIFY(m.cacheMisses <= fetchesUpperBound(lv, plan.readBox));
    }
  }

  // The whole of a .nii.gz, unchanged, streams from the inflated bytes in file order (no chunk
  // goes through the loader), byte-identical to the in-memory export through chunks, for a
  // big-endian source and a big-endian output too; an ROI of it still goes through chunks.
  void wholeNiiGzStreamsInFileOrder_data() {
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("bigEndianOut");
    for (const char* d : {"refdata/a_uint8_oblique_sform.nii.gz",
                          "refdata/b_int16_scl_qform.nii.gz", "refdata/c_float32_bigendian.nii.gz"})
      for (const char* f : {"nii", "nii.gz"})
        for (bool be : {false, true})
          QTest::newRow((std::string(d) + " ." + f + (be ? " big-endian" : "")).c_str())
              << QString(d) << QString(f) << be;
  }

  void wholeNiiGzStreamsInFileOrder() {
    QFETCH(QString, dataset);
    QFETCH(QString, format);
    QFETCH(bool, bigEndianOut);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string source = kData + "/" + dataset.toStdString();
    const nz::ExportPlan plan = nz::planExport(nz::openDataset(source)->info(), {});
    const std::string base = dir.path().toStdString() + "/";
    nz::ExportOutputOptions o;
    o.bigEndian = bigEndianOut;
    nz::LoaderMetrics memoryMetrics, streamedMetrics;
    o.loaderMetrics = &memoryMetrics;
    nz::runExport(*nz::openDataset(source), plan, base + "memory." + format.toStdString(), o);
    o.maxInMemoryBytes = 1;
    o.loaderMetrics = &streamedMetrics;
    QVERIFY(nz::exportIsStreamed(plan, o));
    double last = -1;
    nz::runExport(*nz::openDataset(source), plan, base + "streamed." + format.toStdString(), o, {},
                  [&](double f) { last = f; });
    QCOMPARE(last, 1.0);
    QCOMPARE(memoryMetrics.requests, plan.chunks);
    QCOMPARE(streamedMetrics.requests, std::uint64_t{0});  // straight from the inflated bytes
    const nz::Bytes a = readFile(base + "memory." + format.toStdString());
    const nz::Bytes b = readFile(base + "streamed." + format.toStdString());
    QVERIFY(a.size() > 348);
    QVERIFY2(a == b, "the file-order stream is not byte-identical to the chunked export");

    // An ROI is not the whole level: chunks, as before.
    nz::ExportRequest roi;
    roi.roi = box5(1, 9, 2, 11, 3, 7);
    const nz::ExportPlan roiPlan = nz::planExport(nz::openDataset(source)->info(), roi);
    nz::LoaderMetrics roiMetrics;
    o.loaderMetrics = &roiMetrics;
    nz::runExport(*nz::openDataset(source), roiPlan, base + "roi." + format.toStdString(), o);
    QCOMPARE(roiMetrics.requests, roiPlan.chunks);
  }

  // A whole-volume copy of a .nii.gz that nobody else reads releases what it has copied (the
  // spool keeps a few 4 MiB blocks, not the file); a chunk asked for afterwards inflates the
  // file again from its start (a second download), and a copy after that keeps everything.
  void wholeCopyReleasesThenChunksInflateAgain() {
    nz::Volume v;
    v.dtype = nz::DType::UInt16;
    v.shape = {256, 256, 100, 1, 1};  // 12.5 MiB decoded: several spool blocks
    v.data.resize(static_cast<std::size_t>(v.voxelCount()) * 2);
    for (std::size_t i = 0; i < v.data.size(); ++i)
      v.data[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 11);
    nz::NiftiHeader h;
    h.dim = {3, 256, 256, 100, 1, 1, 1, 1};
    h.datatype = 512;  // uint16
    h.bitpix = 16;
    h.pixdim = {1, 1, 1, 1, 1, 1, 1, 1};
    h.voxOffset = 352;
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/vol.nii.gz";
    nz::writeNifti(path, h, v);
    auto store = std::make_shared<nz::MemoryStore>("mem");
    store->put("vol.nii.gz", readFile(path));
    const std::uint64_t fileBytes = readFile(path).size();
    auto ds = nz::openDataset(store, "vol.nii.gz");

    const auto copyAll = [&] {
      nz::Bytes got;
      const bool streamed = ds->streamLevel0(
          [&](const std::uint8_t* p, std::size_t n) { got.insert(got.end(), p, p + n); }, {});
      return streamed ? got : nz::Bytes{};
    };
    QVERIFY(copyAll() == v.data);
    QCOMPARE(store->stats().bytesReceived, fileBytes);

    nz::Box all;
    all.end = v.shape;
    QVERIFY(ds->readRegion(0, all).data == v.data);  // released: inflated again
    QCOMPARE(store->stats().bytesReceived, 2 * fileBytes);
    QVERIFY(copyAll() == v.data);  // chunks were asked for: kept, no third download
    QVERIFY(ds->readRegion(0, all).data == v.data);
    QCOMPARE(store->stats().bytesReceived, 2 * fileBytes);
  }

  // Several chunk depths per slab, and gzip level 0 (stored deflate blocks, whose boundaries
  // follow the input pieces if the writer did not cut the same blocks).
  void deeperSlabsAndStoredGzip() {
    QTemporaryDir dir;
    auto ds = nz::openDataset(kData + "/refdata/e_uint16_pyramid_4levels.nii.zarr");
    nz::ExportRequest r;
    r.roi = box5(-10, 150, 0, 121, 3, 97);
    r.cropOrPad = std::array<std::int64_t, 3>{128, 128, 300};  // pads z far beyond the volume
    const nz::ExportPlan plan = nz::planExport(ds->info(), r);
    nz::ExportOutputOptions o;
    o.gzipLevel = 0;
    const std::string a = dir.path().toStdString() + "/a.nii.gz";
    const std::string b = dir.path().toStdString() + "/b.nii.gz";
    nz::runExport(*ds, plan, a, o);
    // 128*128*2 bytes a plane, 32 planes a chunk depth: slabs of 2 chunk depths (a quarter of
    // the bound), and the 9.4 MiB output spans three 4 MiB writer blocks.
    o.maxInMemoryBytes = 4 * (2 * 128 * 128 * 2 * 32);
    nz::LoaderMetrics m;
    o.loaderMetrics = &m;
    QVERIFY(nz::exportIsStreamed(plan, o));
    nz::runExport(*ds, plan, b, o);
    QVERIFY(readFile(a) == readFile(b));
    QCOMPARE(m.cacheMisses, plan.chunks);
    QCOMPARE(m.cacheHits, std::uint64_t{0});
  }

  // Pad modes that need the whole region stay in memory; without padding any mode streams.
  void onlyConstantPaddingStreams() {
    auto ds = nz::openDataset(kData + "/refdata/e_uint16_pyramid_4levels.nii.zarr");
    nz::ExportOutputOptions o;
    o.maxInMemoryBytes = 1;
    for (nz::PadMode mode : {nz::PadMode::Edge, nz::PadMode::Mean, nz::PadMode::Median,
                             nz::PadMode::Reflect, nz::PadMode::Wrap, nz::PadMode::Minimum}) {
      nz::ExportRequest r;
      r.padMode = mode;
      r.cropOrPad = std::array<std::int64_t, 3>{160, 100, 97};  // pads x
      QVERIFY(!nz::exportIsStreamed(nz::planExport(ds->info(), r), o));
      r.cropOrPad = std::array<std::int64_t, 3>{100, 100, 50};  // crops only
      QVERIFY(nz::exportIsStreamed(nz::planExport(ds->info(), r), o));
    }
    nz::ExportRequest edge;
    edge.padMode = nz::PadMode::Edge;
    edge.cropOrPad = std::array<std::int64_t, 3>{100, 100, 50};
    const nz::ExportPlan plan = nz::planExport(ds->info(), edge);
    QTemporaryDir dir;
    const std::string a = dir.path().toStdString() + "/a.nii";
    const std::string b = dir.path().toStdString() + "/b.nii";
    nz::runExport(*ds, plan, a, {});
    nz::runExport(*ds, plan, b, o);
    QVERIFY(readFile(a) == readFile(b));
  }

  // Over streamAboveBytes (but under maxInMemoryBytes) a .nii/.nii.gz streams, so that writing
  // overlaps reading; a .nii.zarr stays in memory (a label pyramid streamed reads twice).
  void streamAboveBytesIsForNiftiFiles() {
    auto ds = nz::openDataset(kData + "/refdata/e_uint16_pyramid_4levels.nii.zarr");
    const nz::ExportPlan plan = nz::planExport(ds->info(), {});
    nz::ExportOutputOptions o;
    QVERIFY(plan.outputVoxels * 2 < o.streamAboveBytes);
    for (const char* out : {"a.nii", "a.nii.gz", "a.nii.zarr", ""})
      QVERIFY2(!nz::exportIsStreamed(plan, o, out), out);
    o.streamAboveBytes = plan.outputVoxels * 2 - 1;
    QVERIFY(nz::exportIsStreamed(plan, o, "a.nii"));
    QVERIFY(nz::exportIsStreamed(plan, o, "s3://b/a.NII.GZ"));
    QVERIFY(nz::exportIsStreamed(plan, o));
    QVERIFY(!nz::exportIsStreamed(plan, o, "a.nii.zarr"));
    QCOMPARE(nz::describeExportMemory(plan, o, "a.nii.zarr").rfind("held in memory", 0), 0u);
    o.maxInMemoryBytes = plan.outputVoxels * 2 - 1;
    QVERIFY(nz::exportIsStreamed(plan, o, "a.nii.zarr"));
  }

  // A region read whole into memory stages only a few chunks in the loader's cache: each chunk
  // is copied out as it arrives, so the cache never holds the whole window (32 MiB of chunks
  // here), and every voxel still lands where it belongs.
  void inMemoryExportStagesFewChunks() {
    nztest::FakeOptions fo;
    fo.shape = {512, 512, 128, 1, 1};  // 32 MiB of uint8 in 1024 chunks of 32 KiB
    fo.levels = 1;
    auto ds = nztest::FakeDataset::make(fo);
    const nz::ExportPlan plan = nz::planExport(ds->info(), {});
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString() + "/whole.nii";
    nz::ExportOutputOptions o;
    o.writeManifest = false;
    QVERIFY(!nz::exportIsStreamed(plan, o, out));
    nz::LoaderMetrics m;
    o.loaderMetrics = &m;
    QCOMPARE(nz::runExport(*ds, plan, out, o), std::uint64_t(512 * 512 * 128));
    QCOMPARE(m.cacheMisses, std::uint64_t(1024));
    QCOMPARE(m.bytesDecoded, std::uint64_t(32) << 20);
    QVERIFY2(m.cachePeakBytes <= (std::uint64_t(16) << 20),
             qPrintable(QString("peak %1").arg(m.cachePeakBytes)));
    auto written = nz::openDataset(out);
    nz::Box all;
    all.end = written->info().shape;
    const nz::Volume v = written->readRegion(0, all);
    QCOMPARE(v.data.size(), std::size_t(32) << 20);
    for (std::int64_t cz = 0; cz < 4; ++cz)
      for (std::int64_t cy = 0; cy < 16; ++cy)
        for (std::int64_t cx = 0; cx < 16; ++cx) {
          const nz::Index5 c{cx, cy, cz, 0, 0};
          // The chunk's last voxel (x, y, z = 32c + 31).
          const std::size_t at =
              static_cast<std::size_t>(((cz * 32 + 31) * 512 + cy * 32 + 31) * 512 + cx * 32 + 31);
          QCOMPARE(v.data[at], nztest::FakeDataset::chunkValue(0, c));
        }
  }

  void cancelMidStreamLeavesNothing_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow(".nii") << "out.nii";
    QTest::newRow(".nii.gz") << "out.nii.gz";
    QTest::newRow(".nii.zarr") << "out.nii.zarr";
  }

  void cancelMidStreamLeavesNothing() {
    QFETCH(QString, name);
    nztest::FakeOptions fo;
    fo.shape = {256, 256, 256, 1, 1};  // 16 MiB of uint8 in 512 chunks
    fo.levels = 1;
    fo.delay = std::chrono::milliseconds(2);
    auto fake = nztest::FakeDataset::make(fo);
    const nz::ExportPlan plan = nz::planExport(fake->info(), {});
    QTemporaryDir dir;
    const std::string out = dir.path().toStdString() + "/" + name.toStdString();
    nz::ExportOutputOptions o;
    o.maxInMemoryBytes = 1 << 20;
    nz::LoaderMetrics m;
    o.loaderMetrics = &m;
    nz::CancelSource cancel;
    double cancelledAt = -1;
    try {
      nz::runExport(*fake, plan, out, o, cancel.token(), [&](double f) {
        if (f > 0 && f < 1 && cancelledAt < 0) {
          cancelledAt = f;
          cancel.cancel();
        }
      });
      QFAIL("expected nz::Error(Cancelled)");
    } catch (const nz::Error& e) {
      QCOMPARE(e.kind(), nz::ErrorKind::Cancelled);
    }
    QVERIFY(cancelledAt > 0);
    QVERIFY(m.requests < plan.chunks);  // it stopped reading, not just writing
    QVERIFY(!std::filesystem::exists(out));
    QVERIFY2(std::filesystem::is_empty(dir.path().toStdString()), "a temporary was left behind");
  }
};

QTEST_GUILESS_MAIN(ExportStreamingTest)
#include "tst_export_streaming.moc"
