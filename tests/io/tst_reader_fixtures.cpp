// Generated fixtures (tests/data/fixtures, made by generate_fixtures.py with numpy as the
// oracle): every blosc cname x shuffle, gzip/zlib/zstd/none, order F, '.' keys, big-endian
// dtypes, NaN/-Infinity/hex fill values, v3 bytes/transpose/gzip/zstd/blosc/crc32c and
// sharding (index start/end, empty inner chunks, missing shards); NIfTI-Zarr groups with a
// big-endian header, NIfTI-2 + extensions, 4D t,z,y,x, 5D t,c,z,y,x, c,z,y,x and plain OME.
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "dataset/nifti_zarr_dataset.h"
#include "io_test_util.h"
#include "zarr/zarr_array.h"

using nlohmann::json;

namespace {

json expected() {
  std::ifstream f(nztest::dataDir() + "/fixtures/expected.json");
  return json::parse(f);
}

bool same(double a, double b, double tol = 1e-6) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}

std::shared_ptr<nz::ZarrArray> openArray(const std::string& dir, int format) {
  auto store = nz::openStore(nz::parseUri(dir));
  const std::string file = format == 3 ? "zarr.json" : ".zarray";
  nz::ReadResult r = store->read(file);
  r.throwIfError();
  const std::string text(r.data.begin(), r.data.end());
  auto meta = format == 3 ? nz::parseZarrArrayV3(text, dir + "/" + file)
                          : nz::parseZarrArrayV2(text, dir + "/" + file);
  return std::make_shared<nz::ZarrArray>(store, "", std::move(meta));
}

}  // namespace

class ReaderFixtures : public QObject {
  Q_OBJECT
 private slots:
  void array_data();
  void array();
  void dataset_data();
  void dataset();
  void niftiExtensionsAndVersion();
};

void ReaderFixtures::array_data() {
  QTest::addColumn<QString>("name");
  const json e = expected()["arrays"];
  for (auto it = e.begin(); it != e.end(); ++it)
    QTest::newRow(it.key().c_str()) << QString::fromStdString(it.key());
}

void ReaderFixtures::array() {
  QFETCH(QString, name);
  const json a = expected()["arrays"][name.toStdString()];
  auto arr =
      openArray(nztest::dataDir() + "/fixtures/" + a["path"].get<std::string>(), a["zarr_format"]);
  QCOMPARE(arr->meta().shape, a["shape"].get<std::vector<std::int64_t>>());
  nz::Bytes all = arr->readAllBlocking();
  QCOMPARE(nztest::sha256Hex(all.data(), all.size()), a["sha256_le_C"].get<std::string>());
}

void ReaderFixtures::dataset_data() {
  QTest::addColumn<QString>("name");
  const json e = expected()["datasets"];
  for (auto it = e.begin(); it != e.end(); ++it)
    QTest::newRow(it.key().c_str()) << QString::fromStdString(it.key());
}

void ReaderFixtures::dataset() {
  QFETCH(QString, name);
  const json d = expected()["datasets"][name.toStdString()];
  auto ds = nz::openDataset(nztest::dataDir() + "/fixtures/" + d["path"].get<std::string>());
  const nz::DatasetInfo& info = ds->info();
  QCOMPARE(info.format, d["format"].get<std::string>());
  QCOMPARE(info.zarrFormat, d["zarr_format"].get<int>());
  QCOMPARE(info.axes, d["axes"].get<std::vector<std::string>>());
  QCOMPARE(std::string(nz::dtypeName(info.dtype)), d["dtype"].get<std::string>());
  if (d.contains("nifti_version")) {
    QCOMPARE(info.niftiVersion, d["nifti_version"].get<int>());
    QCOMPARE(info.headerBigEndian, d["header_byte_order"] == "big");
    QCOMPARE(info.affineSource, d["affine_source"].get<std::string>());
    QVERIFY(same(info.sclSlope, d["scl_slope"]));
    QVERIFY(same(info.sclInter, d["scl_inter"]));
  }
  for (int k = 0; k < 16; ++k) {
    QVERIFY2(same(info.affine[k], d["affine"][k / 4][k % 4], 1e-4),
             qPrintable(QString("affine[%1] = %2").arg(k).arg(info.affine[k])));
  }
  std::string axes;
  for (const auto& a : d["zarr_axes"]) axes += a.get<std::string>();
  QCOMPARE(info.levels.size(), d["levels"].size());
  for (std::size_t L = 0; L < info.levels.size(); ++L) {
    const json& lj = d["levels"][L];
    const nz::LevelInfo& li = info.levels[L];
    for (int s = 0; s < 5; ++s) QCOMPARE(li.shape[s], lj["shape_xyztc"][s].get<std::int64_t>());
    for (int k = 0; k < 16; ++k) {
      QVERIFY2(same(li.affine[k], lj["affine"][k / 4][k % 4], 1e-4),
               qPrintable(QString("level %1 affine[%2] = %3").arg(L).arg(k).arg(li.affine[k])));
    }
    const nz::Volume v =
        ds->readRegion(static_cast<int>(L), nztest::wholeLevel(*ds, static_cast<int>(L)));
    const nz::Bytes img = nztest::zarrOrderBytes(v, axes);
    QCOMPARE(nztest::sha256Hex(img.data(), img.size()), lj["sha256_le_C"].get<std::string>());
    for (const auto& p : lj["probes"]) {
      const auto i = p["nifti_index"].get<std::vector<std::int64_t>>();
      QVERIFY(same(v.valueAt(i[0], i[1], i[2], i[3], i[4]), p["raw"].get<double>()));
    }
  }
}

void ReaderFixtures::niftiExtensionsAndVersion() {
  const json d = expected()["datasets"]["nifti2_ext_tzyx"];
  auto ds = nz::openDataset(nztest::dataDir() + "/fixtures/" + d["path"].get<std::string>());
  const auto& h = dynamic_cast<nz::NiftiZarrDataset&>(*ds).header();
  QCOMPARE(h.version, 2);
  QCOMPARE(h.extensions.size(), d["extensions"].size());
  for (std::size_t i = 0; i < h.extensions.size(); ++i) {
    QCOMPARE(h.extensions[i].code, d["extensions"][i][0].get<int>());
    const std::string payload = d["extensions"][i][1];
    QVERIFY(h.extensions[i].data.size() >= payload.size());
    QCOMPARE(
        std::string(h.extensions[i].data.begin(), h.extensions[i].data.begin() + payload.size()),
        payload);
  }
  // Serializing gives back exactly the stored header array (same version, order, extensions).
  const nz::Bytes again = nz::serializeNiftiHeader(h);
  QCOMPARE(again.size(), d["header_nbytes"].get<std::size_t>());
  const nz::Bytes stored = nztest::readFileBytes(nztest::dataDir() + "/fixtures/" +
                                                 d["path"].get<std::string>() + "/nifti/0");
  QCOMPARE(again, stored);
  // Big-endian NIfTI-2 (v3 fixture) also round-trips byte for byte.
  const json b = expected()["datasets"]["v3_sharded_start_be"];
  auto ds2 = nz::openDataset(nztest::dataDir() + "/fixtures/" + b["path"].get<std::string>());
  const auto& h2 = dynamic_cast<nz::NiftiZarrDataset&>(*ds2).header();
  QVERIFY(h2.bigEndian);
  QCOMPARE(nz::serializeNiftiHeader(h2, false, false),
           nztest::readFileBytes(nztest::dataDir() + "/fixtures/" + b["path"].get<std::string>() +
                                 "/nifti/c/0"));
}

QTEST_GUILESS_MAIN(ReaderFixtures)
#include "tst_reader_fixtures.moc"
