// Every dataset of tests/data/refdata (written by niizarr 1.0.0rc7, see its manifest.json)
// read through openDataset over the file store: header fields, per-level shapes, chunks,
// dtype, affines (1e-4), SHA-256 of each whole level (zarr order, C, little-endian) and probe
// voxels raw and scaled.
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "dataset/nifti_zarr_dataset.h"
#include "io_test_util.h"

using nlohmann::json;

namespace {

double num(const json& v) {
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return INFINITY;
    if (s == "-Infinity") return -INFINITY;
  }
  return v.get<double>();
}

bool same(double a, double b, double tol = 1e-6) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}

std::string dtypeOfTypestr(const std::string& t) {
  static const std::map<std::string, std::string> m = {
      {"u1", "uint8"}, {"i1", "int8"},   {"u2", "uint16"}, {"i2", "int16"},   {"u4", "uint32"},
      {"i4", "int32"}, {"u8", "uint64"}, {"i8", "int64"},  {"f4", "float32"}, {"f8", "float64"}};
  return m.at(t.substr(1));
}

json manifest() {
  std::ifstream f(nztest::dataDir() + "/refdata/manifest.json");
  return json::parse(f);
}

}  // namespace

class ReaderRefdata : public QObject {
  Q_OBJECT
 private slots:
  void dataset_data();
  void dataset();
};

void ReaderRefdata::dataset_data() {
  QTest::addColumn<QString>("name");
  const json m = manifest();
  for (auto it = m["datasets"].begin(); it != m["datasets"].end(); ++it) {
    QTest::newRow(it.key().c_str()) << QString::fromStdString(it.key());
  }
  QVERIFY(m["datasets"].size() >= 8);
}

void ReaderRefdata::dataset() {
  QFETCH(QString, name);
  const json all = manifest()["datasets"];
  const json d = all[name.toStdString()];
  const std::string path = nztest::dataDir() + "/refdata/" + name.toStdString() + ".nii.zarr";
  auto ds = nz::openDataset(path);
  const nz::DatasetInfo& info = ds->info();
  // Data-derived fields come from the source dataset for the hand-encoded v3 copies.
  const json src = d.contains("data_from") ? all[d["data_from"].get<std::string>()] : d;

  QCOMPARE(info.format, std::string("nifti-zarr"));
  QCOMPARE(info.zarrFormat, d.value("zarr_format", 2));
  QCOMPARE(info.niftiVersion, d["nifti_version"].get<int>());
  QCOMPARE(info.headerBigEndian, src["nifti_header_endianness"] == "big");
  QCOMPARE(info.sformCode, src["sform_code"].get<int>());
  QCOMPARE(info.qformCode, src["qform_code"].get<int>());
  QVERIFY(same(info.sclSlope, src["scl_slope"].get<double>()));
  QVERIFY(same(info.sclInter, src["scl_inter"].get<double>()));
  for (int i = 0; i < 8; ++i) QVERIFY(same(info.pixdim[i], src["pixdim"][i].get<double>()));
  const std::string space =
      src["units_nibabel"][0] == "micron" ? "um" : src["units_nibabel"][0].get<std::string>();
  QCOMPARE(info.spaceUnit, space);
  const auto zarrAxes = d["zarr_axes"].get<std::vector<std::string>>();
  std::string axes;
  for (const auto& a : zarrAxes) axes += a;
  const auto shape0 = src["nifti_shape_xyztc"].get<std::vector<std::int64_t>>();
  for (std::size_t i = 0; i < shape0.size(); ++i) QCOMPARE(info.shape[i], shape0[i]);
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c)
      QVERIFY(same(info.affine[r * 4 + c], src["affine_best"][r][c].get<double>(), 1e-4));
  }
  QCOMPARE(info.levels.size(), d["levels"].size());
  QCOMPARE(std::string(nz::dtypeName(info.dtype)), dtypeOfTypestr(src["nifti_dtype"]));

  for (std::size_t L = 0; L < info.levels.size(); ++L) {
    const json& lj = d["levels"][L];
    const nz::LevelInfo& li = info.levels[L];
    QCOMPARE(li.path, lj["path"].get<std::string>());
    for (std::size_t k = 0; k < zarrAxes.size(); ++k) {
      const int slot = static_cast<int>(std::string("xyztc").find(zarrAxes[k]));
      QCOMPARE(li.shape[slot], lj["shape"][k].get<std::int64_t>());
      QCOMPARE(li.chunkShape[slot], lj["chunks"][k].get<std::int64_t>());
      if (lj.contains("shards") && !lj["shards"].is_null()) {
        QCOMPARE(li.shardShape[slot], lj["shards"][k].get<std::int64_t>());
      }
    }
    if (lj.contains("dtype"))
      QCOMPARE(std::string(nz::dtypeName(li.dtype)), dtypeOfTypestr(lj["dtype"]));
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) {
        QVERIFY2(same(li.affine[r * 4 + c], lj["affine_world_from_level_voxel"][r][c].get<double>(),
                      1e-4),
                 qPrintable(QString("level %1 affine[%2][%3] = %4")
                                .arg(L)
                                .arg(r)
                                .arg(c)
                                .arg(li.affine[r * 4 + c])));
      }
    }
    const nz::Volume v =
        ds->readRegion(static_cast<int>(L), nztest::wholeLevel(*ds, static_cast<int>(L)));
    const nz::Bytes img = nztest::zarrOrderBytes(v, axes);
    QCOMPARE(nztest::sha256Hex(img.data(), img.size()), lj["sha256_le_C"].get<std::string>());
    for (const auto& p : lj["raw_probes"]) {
      std::vector<std::int64_t> z = p["zarr_index"].get<std::vector<std::int64_t>>();
      nz::Index5 at{0, 0, 0, 0, 0};
      for (std::size_t k = 0; k < z.size(); ++k) at[std::string("xyztc").find(zarrAxes[k])] = z[k];
      QVERIFY(same(v.valueAt(at[0], at[1], at[2], at[3], at[4]), num(p["raw"])));
    }
  }
  // Level-0 probes: raw as stored and scaled (raw*slope+inter) as nibabel computes them.
  const nz::Volume v0 = ds->readRegion(0, nztest::wholeLevel(*ds, 0));
  const json probes =
      d.contains("data_from") && !d["probes"].is_array() ? src["probes"] : d["probes"];
  QVERIFY(probes.is_array() && !probes.empty());
  for (const auto& p : probes) {
    const auto idx = p["nifti_index"].get<std::vector<std::int64_t>>();
    const double raw = v0.valueAt(idx[0], idx[1], idx[2]);
    const json rawInZarr = p.contains("raw_in_zarr") ? p["raw_in_zarr"] : p["raw"];
    QVERIFY2(same(raw, num(rawInZarr)), qPrintable(QString("raw %1").arg(raw)));
    if (same(num(p["raw"]), num(rawInZarr))) {
      QVERIFY2(same(info.scaled(raw), num(p["scaled"]), 1e-5),
               qPrintable(QString("scaled %1").arg(info.scaled(raw))));
    }
  }
}

QTEST_GUILESS_MAIN(ReaderRefdata)
#include "tst_reader_refdata.moc"
