// Streaming behaviour: peak memory of a big conversion, ranged reads of a remote .nii (only
// the needed bytes), a streamed .nii.gz (header before the body, progress, spill to disk).
#include <zlib.h>

#include <QtTest>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/forwarding_store.h"
#include "convert/convert.h"
#include "convert_test_util.h"
#include "dataset/nifti_file_dataset.h"
#include "nifti/nifti_header.h"
#include "store/memory_store.h"

using namespace nzconv;

namespace {

nz::NiftiHeader headerFor(nz::Index5 s, int datatype, int bitpix) {
  nz::NiftiHeader h;
  h.dim = {3, s[0], s[1], s[2], 1, 1, 1, 1};
  h.datatype = datatype;
  h.bitpix = bitpix;
  h.voxOffset = 352;
  h.sclSlope = 1;
  h.xyztUnits = 10;
  h.pixdim = {1, 0.5, 0.5, 1, 1, 1, 1, 1};
  h.sformCode = 1;
  h.srowX = {0.5, 0, 0, -10};
  h.srowY = {0, 0.5, 0, -20};
  h.srowZ = {0, 0, 1, -30};
  return h;
}

// Deterministic uint16 pattern, noisy enough not to compress away.
std::uint16_t pattern(std::int64_t x, std::int64_t y, std::int64_t z) {
  std::uint32_t v = static_cast<std::uint32_t>(x * 73856093u ^ y * 19349663u ^ z * 83492791u);
  return static_cast<std::uint16_t>((v >> 7) & 0x0fff) + static_cast<std::uint16_t>(x + y + z);
}

nz::Bytes planeBytes(std::int64_t nx, std::int64_t ny, std::int64_t z) {
  nz::Bytes b(static_cast<std::size_t>(nx * ny) * 2);
  for (std::int64_t y = 0; y < ny; ++y) {
    for (std::int64_t x = 0; x < nx; ++x) {
      const std::uint16_t v = pattern(x, y, z);
      std::memcpy(&b[static_cast<std::size_t>((y * nx + x) * 2)], &v, 2);
    }
  }
  return b;
}

nz::Bytes niftiInMemory(nz::Index5 s) {
  nz::Bytes out = nz::serializeNiftiHeader(headerFor(s, 512, 16), true);
  for (std::int64_t z = 0; z < s[2]; ++z) {
    const nz::Bytes p = planeBytes(s[0], s[1], z);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

nz::Bytes gzipBytes(const nz::Bytes& in) {
  z_stream zs{};
  deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  nz::Bytes out(deflateBound(&zs, in.size()) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A remote-like store: each read completes on its own thread after a delay (a round trip).
class SlowStore : public nztest::ForwardingStore {
 public:
  SlowStore(std::shared_ptr<nz::MemoryStore> inner, int delayMs)
      : ForwardingStore(inner), inner_(std::move(inner)), delayMs_(delayMs) {}
  std::string describe() const override { return "slow+" + inner_->describe(); }
  void readAsync(const std::string& key, nz::ByteRange range, nz::CancelToken cancel,
                 nz::ReadCallback done) override {
    auto inner = inner_;
    const int d = delayMs_;
    auto counts = counts_;
    const int now = ++counts->inFlight;
    for (int m = counts->maxInFlight;
         now > m && !counts->maxInFlight.compare_exchange_weak(m, now);)
      ;
    std::thread([inner, key, range, cancel, done, d, counts] {
      std::this_thread::sleep_for(std::chrono::milliseconds(d));
      --counts->inFlight;
      inner->readAsync(key, range, cancel, done);
    }).detach();
  }
  // Most reads that were in flight at once.
  int maxInFlight() const { return counts_->maxInFlight; }

 private:
  std::shared_ptr<nz::MemoryStore> inner_;
  int delayMs_;
  struct Counts {
    std::atomic<int> inFlight{0}, maxInFlight{0};
  };
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace

class TestConvertStreaming : public QObject {
  Q_OBJECT

 private slots:
  void bigConversionMemoryIsBounded();
  void remoteNiiSliceFetchesSmallFraction();
  void niiGzHeaderBeforeBodyWithProgress();
  void convertFromSlowGzStoreReportsProgress();

 private:
  QTemporaryDir tmp_;
};

void TestConvertStreaming::bigConversionMemoryIsBounded() {
  // 512 x 512 x 256 uint16 = 128 MiB, written plane by plane (never whole in memory).
  const nz::Index5 s{512, 512, 256, 1, 1};
  const std::string in = tmp_.path().toStdString() + "/big.nii";
  {
    std::ofstream f(in, std::ios::binary);
    const nz::Bytes h = nz::serializeNiftiHeader(headerFor(s, 512, 16), true);
    f.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size()));
    for (std::int64_t z = 0; z < s[2]; ++z) {
      const nz::Bytes p = planeBytes(s[0], s[1], z);
      f.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
    }
  }
  const std::uint64_t volumeBytes = 512ull * 512 * 256 * 2;
  const std::uint64_t before = peakRssBytes();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out = tmp_.path().toStdString() + "/big.nii.zarr";
  const auto r = nz::convertNiftiToNiftiZarr(in, out);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::uint64_t peak = peakRssBytes();
  qInfo("512x512x256 uint16 (%.0f MiB): %zu levels, %.1f s, peak RSS %.1f MiB (before %.1f MiB)",
        static_cast<double>(volumeBytes) / 1048576.0, r.write.levelShapes.size(), secs,
        static_cast<double>(peak) / 1048576.0, static_cast<double>(before) / 1048576.0);
  QCOMPARE(r.write.levelShapes.size(), std::size_t{4});
  // One level-0 slab (512x512x64 uint16) alone is 32 MiB, a quarter of this volume; the
  // pyramid keeps ~8 float64 planes per level. Nothing may scale with the volume.
#ifndef NZ_SANITIZER_BUILD
  // ASan's shadow memory and quarantine inflate RSS: the bound is checked in optimised builds.
  QVERIFY2(peak - before < volumeBytes * 8 / 10, "peak RSS is not well below the volume size");
#endif
  // Spot-check a few voxels through our reader.
  auto ds = nz::openDataset(out);
  nz::Box b;
  b.begin = {500, 3, 200, 0, 0};
  b.end = {512, 5, 201, 1, 1};
  const nz::Volume v = ds->readRegion(0, b);
  for (std::int64_t x = 500; x < 512; ++x) {
    QCOMPARE(static_cast<int>(v.valueAt(x - 500, 1, 0)), static_cast<int>(pattern(x, 4, 200)));
  }
}

void TestConvertStreaming::remoteNiiSliceFetchesSmallFraction() {
  const nz::Index5 s{256, 256, 256, 1, 1};
  auto mem = std::make_shared<nz::MemoryStore>("nii-ranged");
  mem->put("vol.nii", niftiInMemory(s));
  const std::uint64_t fileSize = *mem->size("vol.nii");
  auto ds = nz::openNiftiFileDataset(mem, "vol.nii", "mem://nii-ranged/vol.nii");
  QCOMPARE(ds->info().format, std::string("nifti"));
  QCOMPARE(ds->info().shape[2], 256);
  nz::Box slice;
  slice.begin = {0, 0, 131, 0, 0};
  slice.end = {256, 256, 132, 1, 1};
  const nz::Volume v = ds->readRegion(0, slice);
  for (std::int64_t y = 0; y < 256; y += 37) {
    for (std::int64_t x = 0; x < 256; x += 41) {
      QCOMPARE(static_cast<int>(v.valueAt(x, y, 0)), static_cast<int>(pattern(x, y, 131)));
    }
  }
  const auto st = mem->stats();
  const double fraction = static_cast<double>(st.bytesReceived) / static_cast<double>(fileSize);
  qInfo("axial slice of a %.1f MiB .nii: %llu requests, %llu bytes (%.2f%% of the file)",
        static_cast<double>(fileSize) / 1048576.0, static_cast<unsigned long long>(st.requests),
        static_cast<unsigned long long>(st.bytesReceived), 100 * fraction);
  QVERIFY(fraction < 0.05);
}

void TestConvertStreaming::niiGzHeaderBeforeBodyWithProgress() {
  const nz::Index5 s{256, 256, 96, 1, 1};
  auto mem = std::make_shared<nz::MemoryStore>("gz-stream");
  mem->put("vol.nii.gz", gzipBytes(niftiInMemory(s)));
  const std::uint64_t stored = *mem->size("vol.nii.gz");
  auto slow = std::make_shared<SlowStore>(mem, 40);
  std::atomic<int> calls{0};
  std::atomic<std::uint64_t> last{0};
  nz::NiftiFileOptions o;
  o.memoryLimitBytes = 2u << 20;  // exercise the spill to a temporary file
  o.progress = [&](std::uint64_t got, std::uint64_t total) {
    ++calls;
    QCOMPARE(total, stored);
    last = got;
  };
  auto ds = nz::openNiftiFileDataset(slow, "vol.nii.gz", "slow://vol.nii.gz", o);
  const std::uint64_t atOpen = mem->stats().bytesReceived;
  qInfo(".nii.gz of %.1f MiB: header available after %.2f MiB", stored / 1048576.0,
        atOpen / 1048576.0);
  QCOMPARE(ds->info().shape[0], 256);
  QCOMPARE(ds->info().dtype, nz::DType::UInt16);
  QVERIFY2(atOpen < stored, "the header was only available after the whole download");
  // The last slab needs the whole stream; it arrives, from the spill file.
  nz::Box b;
  b.begin = {0, 0, 90, 0, 0};
  b.end = {256, 256, 96, 1, 1};
  const nz::Volume v = ds->readRegion(0, b);
  QCOMPARE(static_cast<int>(v.valueAt(255, 255, 5)), static_cast<int>(pattern(255, 255, 95)));
  QCOMPARE(static_cast<int>(v.valueAt(17, 3, 0)), static_cast<int>(pattern(17, 3, 90)));
  QVERIFY(calls.load() > 2);
  QCOMPARE(last.load(), stored);
  // The reader kept waiting on a 40 ms store: the window of pieces grew past its start of 2.
  QVERIFY2(slow->maxInFlight() > 2, qPrintable(QString::number(slow->maxInFlight())));
}

void TestConvertStreaming::convertFromSlowGzStoreReportsProgress() {
  const nz::Index5 s{128, 128, 80, 1, 1};
  auto mem = std::make_shared<nz::MemoryStore>("gz-convert");
  mem->put("vol.nii.gz", gzipBytes(niftiInMemory(s)));
  auto slow = std::make_shared<SlowStore>(mem, 10);
  auto out = std::make_shared<nz::MemoryStore>("gz-convert-out");
  std::vector<double> fractions;
  std::mutex m;
  nz::ConvertOptions o;
  o.write.chunk = 32;
  o.progress = [&](const nz::ConvertProgress& p) {
    std::lock_guard lock(m);
    fractions.push_back(p.fraction);
  };
  const auto r = nz::convertNiftiToNiftiZarr(slow, "vol.nii.gz", "slow://vol.nii.gz", *out, o);
  QVERIFY(r.gzipInput);
  QVERIFY(fractions.size() >= 3);
  QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
  QCOMPARE(fractions.back(), 1.0);
  auto ds = nz::openDataset(out, "mem://gz-convert-out");
  QCOMPARE(ds->info().levels.size(), std::size_t{3});
  nz::Box b;
  b.begin = {0, 0, 79, 0, 0};
  b.end = {128, 128, 80, 1, 1};
  const nz::Volume v = ds->readRegion(0, b);
  QCOMPARE(static_cast<int>(v.valueAt(127, 5, 0)), static_cast<int>(pattern(127, 5, 79)));
}

QTEST_GUILESS_MAIN(TestConvertStreaming)
#include "tst_convert_streaming.moc"
