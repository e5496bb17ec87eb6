// GzipInflater (ISA-L) against streams written by zlib, and the .nii.gz byte stream built on it.
#include <zlib.h>

#include <QtTest>
#include <random>

#include "compress/gzip_inflater.h"
#include "convert/nifti_stream.h"
#include "core/error.h"
#include "store/memory_store.h"

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

}  // namespace

class TestGzip : public QObject {
  Q_OBJECT
 private slots:
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
