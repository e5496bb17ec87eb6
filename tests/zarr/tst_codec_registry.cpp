// The codec registry (io/zarr/codec_registry.h) is the one list of codecs: metadata names
// resolve through it, every codec it says nzview writes round-trips through the writer's
// encoder and the reader's decoder, and the man page's --compressor lists equal it.
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "write/zarr_encode.h"
#include "zarr/codec_registry.h"
#include "zarr/codecs.h"

using namespace nz;

class TestCodecRegistry : public QObject {
  Q_OBJECT

 private slots:
  void namesAndNumcodecsIdsResolve() {
    const std::vector<std::string> readable = readableCodecs();
    QCOMPARE(readable, (std::vector<std::string>{"blosc", "zstd", "gzip", "zlib", "crc32c", "lz4",
                                                 "bz2", "lzma"}));
    for (const std::string& name : readable) {
      const CodecEntry* e = findCodec(name);
      QVERIFY2(e != nullptr, name.c_str());
      QCOMPARE(findCodec("numcodecs." + name), e);
      BytesCodec c;
      QVERIFY2(bytesCodecByName(name, nlohmann::json::object(), true, c), name.c_str());
      QCOMPARE(c.name, name);
      QVERIFY(c.kind == e->kind);
    }
    QVERIFY(findCodec("brotli") == nullptr);
    BytesCodec c;
    QVERIFY(!bytesCodecByName("brotli", nlohmann::json::object(), true, c));
    QVERIFY(!bytesCodecByName("none", nlohmann::json::object(), true, c));  // writer-only
  }

  void configurationsAreValidatedAndSummarised() {
    BytesCodec c;
    QVERIFY(bytesCodecByName("numcodecs.blosc", {{"cname", "lz4"}, {"clevel", 5}, {"shuffle", 1}},
                             false, c));
    QCOMPARE(c.detail, std::string("lz4 clevel 5 shuffle"));
    QVERIFY(bytesCodecByName("blosc", {{"cname", "zstd"}, {"clevel", 3}, {"shuffle", "bitshuffle"}},
                             true, c));
    QCOMPARE(c.detail, std::string("zstd clevel 3 bitshuffle"));
    QVERIFY(bytesCodecByName("lzma", {{"format", 2}}, false, c));
    QCOMPARE(c.detail, std::string("format 2"));
    QVERIFY(!bytesCodecByName("lzma", {{"format", 3}}, false, c));  // raw lzma needs filters
    QVERIFY(bytesCodecByName("bz2", nlohmann::json::object(), false, c));
    QCOMPARE(c.detail, std::string("level 9"));
  }

  void everyWritableCompressorRoundTrips() {
    QCOMPARE(writableCompressors(), (std::vector<std::string>{"blosc", "zstd", "gzip", "none"}));
    Bytes raw(4096 * 2);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>((i * 7) % 251);
    for (int version : {2, 3}) {
      for (const std::string& name : writableCompressors()) {
        const CompressorSpec spec = CompressorSpec::defaults(name, version);
        QCOMPARE(std::string(spec.name()), name);
        Bytes stored = encodeCompressed(spec, raw.data(), raw.size(), 2);
        std::vector<BytesCodec> chain;
        if (const CodecEntry* e = findCodec(name); e && e->reads)
          chain.push_back({e->kind, name, ""});
        QCOMPARE(decodeBytesChain(chain, std::move(stored), raw.size(), name), raw);
      }
    }
  }

  void unknownCompressorNamesTheRegistryList() {
    try {
      CompressorSpec::defaults("brotli", 3);
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(std::string(e.what()),
               std::string("unknown compressor 'brotli' (expected blosc, zstd, gzip or none)"));
    }
    QCOMPARE(joinWritableCompressors("|"), std::string("blosc|zstd|gzip|none"));
  }

  // installer/man/nzview-cli.1.in writes the list by hand: every --compressor list in it must
  // be the registry's.
  void manPageListsTheRegistry() {
    std::ifstream in(NZ_SOURCE_DIR "/installer/man/nzview-cli.1.in");
    QVERIFY(in.good());
    std::stringstream text;
    text << in.rdbuf();
    const std::string page = text.str();
    // groff spells --compressor as \-\-compressor; the list follows, maybe after a quote.
    const std::regex list("\\\\-\\\\-compressor\\s+\"?\\s*([a-z0-9|]+)");
    int found = 0;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), list);
         it != std::sregex_iterator(); ++it, ++found)
      QCOMPARE((*it)[1].str(), joinWritableCompressors("|"));
    QVERIFY2(found >= 3, "the man page lists --compressor for export and convert");
  }
};

QTEST_APPLESS_MAIN(TestCodecRegistry)
#include "tst_codec_registry.moc"
