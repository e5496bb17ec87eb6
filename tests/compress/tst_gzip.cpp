// GzipInflater (ISA-L) against streams written by zlib, and the .nii.gz byte stream built on it.
#include <zlib.h>

#include <QtTest>
#include <map>
#include <random>
#include <thread>

#include "compress/gzip_inflater.h"
#include "compress/inflate_buffer.h"
#include "compress/parallel_gzip.h"
#include "core/error.h"
#include "nifti/nifti_stream.h"
#include "store/memory_store.h"
#include "zarr/codecs.h"

using namespace nz;

namespace {

Bytes compressible(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = static_cast<std::uint8_t>((i / 7) % 251 + (rng() % 4));  // runs plus noise
  return b;
}

Bytes gzipWithZlib(const Bytes& in, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  Bytes out(deflateBound(&z, in.size()) + 64);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : Bytes{};
}

// Inflates `gz` handing the inflater `inPiece` input bytes and `outPiece` output bytes at a time.
Bytes inflateInPieces(const Bytes& gz, std::size_t inPiece, std::size_t outPiece) {
  GzipInflater z("test.gz");
  Bytes out;
  Bytes buf(outPiece);
  std::size_t pos = 0;
  bool ended = false;
  while (pos < gz.size()) {
    if (ended) {
      z.reset();
      ended = false;
    }
    const std::size_t avail = std::min(inPiece, gz.size() - pos);
    auto step = z.inflate(gz.data() + pos, avail, buf.data(), buf.size());
    pos += step.consumed;
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(step.produced));
    ended = step.memberEnd;
    if (step.consumed == 0 && step.produced == 0 && !ended) break;
  }
  // Output still buffered inside the inflater after the input ran out.
  for (int i = 0; i < 1000 && !ended; ++i) {
    auto step = z.inflate(nullptr, 0, buf.data(), buf.size());
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(step.produced));
    ended = step.memberEnd;
    if (step.produced == 0) break;
  }
  return out;
}

Bytes inflateWithZlib(const Bytes& gz) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return {};
  Bytes out(1 << 20);
  z.next_in = const_cast<Bytef*>(gz.data());
  z.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);
    z.next_out = out.data() + z.total_out;
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    rc = inflate(&z, Z_NO_FLUSH);
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;  // one member, nothing after it
  out.resize(z.total_out);
  inflateEnd(&z);
  return whole ? out : Bytes{'B', 'A', 'D'};
}

Bytes parallelGzip(const Bytes& raw, int level, std::size_t threads, std::size_t block,
                   std::size_t piece) {
  Bytes gz;
  ParallelGzipWriter w(
      level, [&](const std::uint8_t* p, std::size_t n) { gz.insert(gz.end(), p, p + n); }, threads,
      block);
  for (std::size_t pos = 0; pos < raw.size(); pos += piece)
    w.write(raw.data() + pos, std::min(piece, raw.size() - pos));
  w.finish();
  return gz;
}

}  // namespace

Bytes zlibWithZlib(const Bytes& in, int level) {
  uLongf n = compressBound(static_cast<uLong>(in.size()));
  Bytes out(n);
  if (compress2(out.data(), &n, in.data(), static_cast<uLong>(in.size()), level) != Z_OK) return {};
  out.resize(n);
  return out;
}

class TestGzip : public QObject {
  Q_OBJECT
 private slots:
  // The gzip/zlib chunk codecs' ISA-L fast path: zlib's and gzip's wrappers, growing output,
  // and nullopt (zlib decodes it again and names the problem) for anything not decodable in full.
  void wholeBufferInflate() {
    const Bytes raw = compressible(300000, 11);
    for (int level : {1, 6, 9}) {
      const Bytes z = zlibWithZlib(raw, level), gz = gzipWithZlib(raw, level);
      QVERIFY(!z.empty() && !gz.empty());
      for (const Bytes* s : {&z, &gz}) {
        auto exact = inflateWholeIsal(s->data(), s->size(), raw.size(), raw.size());
        QVERIFY(exact && *exact == raw);
        auto grown = inflateWholeIsal(s->data(), s->size(), raw.size(), 100);  // doubles up
        QVERIFY(grown && *grown == raw);
        QVERIFY(!inflateWholeIsal(s->data(), s->size(), raw.size() - 1, 4096));  // over limit
        QVERIFY(!inflateWholeIsal(s->data(), s->size() / 2, raw.size(), 4096));  // truncated
        Bytes bad = *s;
        bad[bad.size() - (s == &z ? 2 : 6)] ^= 0x40;  // in the Adler-32 / CRC-32
        QVERIFY(!inflateWholeIsal(bad.data(), bad.size(), raw.size(), raw.size()));
      }
    }
    QVERIFY(!inflateWholeIsal(nullptr, 0, 100, 100));
  }

  // Through the zarr chain: gzip and zlib chunks decode to the same bytes as zlib gives, and a
  // corrupt or truncated chunk still fails with zlib's message naming the chunk.
  void zarrGzipAndZlibChunks() {
    const Bytes raw = compressible(64 * 64 * 64 * 2, 5);
    const BytesCodec zlibCodec{BytesCodec::Kind::Zlib, "zlib", ""};
    const BytesCodec gzipCodec{BytesCodec::Kind::Gzip, "gzip", ""};
    QVERIFY(decodeBytesChain({zlibCodec}, zlibWithZlib(raw, 5), raw.size(), "0/0/0") == raw);
    QVERIFY(decodeBytesChain({gzipCodec}, gzipWithZlib(raw, 5), raw.size(), "0/0/0") == raw);
    // The gzip codec reads zlib streams too (zlib's windowBits 15+32), as before.
    QVERIFY(decodeBytesChain({gzipCodec}, zlibWithZlib(raw, 5), raw.size(), "0/0/0") == raw);
    Bytes cut = gzipWithZlib(raw, 5);
    cut.resize(cut.size() / 2);
    try {
      decodeBytesChain({gzipCodec}, cut, raw.size(), "0/1/2");
      QFAIL("a truncated chunk decoded");
    } catch (const Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("0/1/2") != std::string::npos && m.find("gzip") != std::string::npos,
               m.c_str());
    }
  }

  void piecesOfEverySize_data() {
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("inPiece");
    QTest::addColumn<int>("outPiece");
    QTest::newRow("level 1, whole") << 1 << (1 << 30) << (8 << 20);
    QTest::newRow("level 6, 1-byte input") << 6 << 1 << 4096;
    QTest::newRow("level 9, 7-byte input, 1-byte output") << 9 << 7 << 1;
    QTest::newRow("level 6, 64 KiB pieces") << 6 << 65536 << 65536;
  }
  void piecesOfEverySize() {
    QFETCH(int, level);
    QFETCH(int, inPiece);
    QFETCH(int, outPiece);
    const Bytes raw = compressible(300000, 5);
    const Bytes gz = gzipWithZlib(raw, level);
    QVERIFY(!gz.empty());
    QVERIFY(inflateInPieces(gz, std::size_t(inPiece), std::size_t(outPiece)) == raw);
  }

  void concatenatedMembers() {
    const Bytes a = compressible(100000, 1), b = compressible(50000, 2);
    Bytes gz = gzipWithZlib(a, 6);
    const Bytes gzB = gzipWithZlib(b, 1);
    gz.insert(gz.end(), gzB.begin(), gzB.end());
    Bytes both = a;
    both.insert(both.end(), b.begin(), b.end());
    QVERIFY(inflateInPieces(gz, 1000, 3000) == both);
  }

  void corruptTrailerIsNamed() {
    const Bytes raw = compressible(10000, 3);
    Bytes gz = gzipWithZlib(raw, 6);
    gz[gz.size() - 6] ^= 0xff;  // a CRC-32 byte of the trailer
    try {
      inflateInPieces(gz, gz.size(), raw.size() + 100);
      QFAIL("a corrupt CRC must throw");
    } catch (const Error& e) {
      const std::string msg = e.what();
      QVERIFY2(msg.find("test.gz") != std::string::npos, msg.c_str());
      QVERIFY2(msg.find("CRC-32 mismatch") != std::string::npos, msg.c_str());
    }
  }

  void notGzipIsNamed() {
    const std::string text = "this is not gzip at all, just text";
    Bytes notGz(text.begin(), text.end());
    try {
      inflateInPieces(notGz, notGz.size(), 100);
      QFAIL("text must not inflate");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("test.gz: corrupt gzip data") != std::string::npos,
               e.what());
    }
  }

  // One standard member whatever the level, size and piece sizes; zlib, ISA-L and gzip -t read
  // it; the bytes never depend on the thread count.
  void parallelWriterRoundTrip_data() {
    QTest::addColumn<int>("level");
    QTest::addColumn<int>("size");
    QTest::newRow("level 0 (stored), 3 blocks") << 0 << 100000;
    QTest::newRow("level 1 (ISA-L), 25 blocks") << 1 << 1000003;
    QTest::newRow("level 3 (ISA-L), 1 block") << 3 << 1000;
    QTest::newRow("level 6 (zlib), 25 blocks") << 6 << 1000003;
    QTest::newRow("level 9 (zlib), exact blocks") << 9 << 40960 * 4;
    QTest::newRow("level 6, empty") << 6 << 0;
    QTest::newRow("level 1, empty") << 1 << 0;
  }
  void parallelWriterRoundTrip() {
    QFETCH(int, level);
    QFETCH(int, size);
    const Bytes raw = compressible(std::size_t(size), 21);
    const std::size_t block = 40960;
    const Bytes one = parallelGzip(raw, level, 1, block, 7777);
    const Bytes four = parallelGzip(raw, level, 4, block, 100000);
    QVERIFY2(one == four, "the bytes must not depend on threads or write pieces");
    QVERIFY(inflateWithZlib(one) == raw);
    QVERIFY(inflateInPieces(one, 5000, 65536) == raw);
    if (level > 0 && size > 100000) {
      // Blocks primed with the previous 32 KiB lose almost nothing against one zlib stream.
      const double zlibSize = double(gzipWithZlib(raw, level >= 4 ? level : 1).size());
      const double limit = level >= 4 ? 1.02 : 1.25;
      QVERIFY2(double(one.size()) <= limit * zlibSize,
               (std::to_string(one.size()) + " vs zlib " + std::to_string(zlibSize)).c_str());
    }

    QTemporaryDir dir;
    const QString path = dir.filePath("x.gz");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(reinterpret_cast<const char*>(one.data()), qint64(one.size()));
    f.close();
    QProcess gzip;
    gzip.start("gzip", {"-t", path});
    QVERIFY(gzip.waitForFinished(30000));
    QVERIFY2(gzip.exitCode() == 0, gzip.readAllStandardError().constData());
  }

  // A worker keeps its ISA-L state and level buffer from block to block: a block's bytes must
  // not depend on what the thread compressed before (another level, other data, a dictionary).
  void blockBytesDoNotDependOnTheThreadsHistory() {
    const Bytes a = compressible(300000, 5), b = compressible(200000, 9);
    const Bytes dictionary(a.end() - 32768, a.end());
    std::map<int, Bytes> fresh;
    for (int level : {1, 2, 3, 6}) {
      std::thread t(
          [&] { fresh[level] = deflateBlock(level, b.data(), b.size(), dictionary, false); });
      t.join();
    }
    for (int round = 0; round < 2; ++round)
      for (int level : {3, 1, 6, 2}) {
        (void)deflateBlock(level == 1 ? 3 : 1, a.data(), a.size(), {}, true);
        QVERIFY2(deflateBlock(level, b.data(), b.size(), dictionary, false) == fresh[level],
                 ("level " + std::to_string(level)).c_str());
      }
  }

  // The .nii.gz stream: two members and zero padding (as some archivers leave) read whole, in
  // pieces that cut the members anywhere; a truncated file ends early with a clear message.
  void niftiStreamMembersAndPadding() {
    auto store = std::make_shared<MemoryStore>();
    const Bytes a = compressible(700000, 7), b = compressible(300001, 8);
    Bytes gz = gzipWithZlib(a, 6);
    const Bytes gzB = gzipWithZlib(b, 9);
    gz.insert(gz.end(), gzB.begin(), gzB.end());
    gz.insert(gz.end(), 1000, 0);
    store->put("x.nii.gz", Bytes(gz));
    NiftiByteStream s(store, "x.nii.gz", "mem://x.nii.gz", {}, {}, 4099, 3);
    QVERIFY(s.gzip());
    Bytes out(a.size() + b.size());
    s.read(out.data(), out.size());
    QVERIFY(std::equal(a.begin(), a.end(), out.begin()));
    QVERIFY(std::equal(b.begin(), b.end(), out.begin() + static_cast<long>(a.size())));
    std::uint8_t extra = 0;
    QCOMPARE(s.readSome(&extra, 1), std::size_t(0));

    store->put("cut.nii.gz", Bytes(gz.begin(), gz.begin() + 5000));
    NiftiByteStream cut(store, "cut.nii.gz", "mem://cut.nii.gz", {}, {}, 1024, 2);
    Bytes big(a.size());
    try {
      cut.read(big.data(), big.size());
      QFAIL("a truncated .nii.gz must end early");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("mem://cut.nii.gz: file ends early") != std::string::npos,
               e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestGzip)
#include "tst_gzip.moc"
