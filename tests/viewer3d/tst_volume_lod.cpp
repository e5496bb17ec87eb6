// Level of detail of the 3D view: the level chosen for a voxel budget, the chunks of a level,
// and the assembly of a level from chunks over an upsampled coarser picture.
#include <QtTest>
#include <limits>

#include "view3d/volume_lod.h"

using namespace nzviewer;

namespace {
// Three levels: 64x48x32, 32x24x16, 16x12x8, chunks of 16^3, 1 mm at level 0 (origin at 0).
nz::DatasetInfo pyramid() {
  nz::DatasetInfo info;
  info.ndim = 3;
  info.shape = {64, 48, 32, 1, 1};
  info.dtype = nz::DType::UInt16;
  info.affine = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  info.spaceUnit = "mm";
  for (int l = 0; l < 3; ++l) {
    nz::LevelInfo L;
    const std::int64_t f = std::int64_t(1) << l;
    L.shape = {64 / f, 48 / f, 32 / f, 1, 1};
    L.chunkShape = {16, 16, 16, 1, 1};
    for (int a = 0; a < 5; ++a)
      L.gridShape[a] = (L.shape[a] + L.chunkShape[a] - 1) / L.chunkShape[a];
    L.dtype = nz::DType::UInt16;
    // Voxel i of level l covers level-0 voxels [f*i, f*i + f): centre at f*i + (f-1)/2.
    const double c = (double(f) - 1) / 2;
    L.affine = {double(f), 0, 0, c, 0, double(f), 0, c, 0, 0, double(f), c, 0, 0, 0, 1};
    info.levels.push_back(L);
  }
  info.spacing = {1, 1, 1};
  return info;
}
}  // namespace

class TstVolumeLod : public QObject {
  Q_OBJECT
 private slots:
  void levelForBudgetPicksTheFinestThatFits() {
    const nz::DatasetInfo info = pyramid();
    QCOMPARE(levelForBudget(info, 64 * 48 * 32), 0);
    QCOMPARE(levelForBudget(info, 64 * 48 * 32 - 1), 1);
    QCOMPARE(levelForBudget(info, 32 * 24 * 16), 1);
    QCOMPARE(levelForBudget(info, 16 * 12 * 8), 2);
    QCOMPARE(levelForBudget(info, 10), 2);  // nothing fits: the coarsest
    QCOMPARE(kDefault3dVoxelBudget, std::int64_t(256) * 256 * 256);
  }

  void levelChunksCoverTheLevel() {
    const nz::DatasetInfo info = pyramid();
    QCOMPARE(levelChunks(info, 0, 0, 0).size(), std::size_t(4 * 3 * 2));
    QCOMPARE(levelChunks(info, 1, 0, 0).size(), std::size_t(2 * 2 * 1));
    QCOMPARE(levelChunks(info, 2, 0, 0).size(), std::size_t(1));
    QVERIFY(levelChunks(info, 3, 0, 0).empty());
  }

  void assemblyStartsFromTheCoarsePictureAndPastesChunks() {
    const nz::DatasetInfo info = pyramid();
    // Coarse picture (level 2): value = 1000 + x + 16*y + 192*z of level 2.
    LevelVolume coarse;
    coarse.level = 2;
    coarse.nx = 16;
    coarse.ny = 12;
    coarse.nz = 8;
    for (std::int64_t z = 0; z < 8; ++z)
      for (std::int64_t y = 0; y < 12; ++y)
        for (std::int64_t x = 0; x < 16; ++x)
          coarse.voxels.push_back(float(1000 + x + 16 * y + 192 * z));
    LevelVolume fine = upsampleLevel(info, 1, coarse);
    QCOMPARE(fine.nx, std::int64_t(32));
    QCOMPARE(fine.voxels.size(), std::size_t(32 * 24 * 16));
    // Level-1 voxel (5, 7, 3) lies in level-2 voxel (2, 3, 1).
    auto at = [](const LevelVolume& v, std::int64_t x, std::int64_t y, std::int64_t z) {
      return v.voxels[std::size_t((z * v.ny + y) * v.nx + x)];
    };
    QCOMPARE(at(fine, 5, 7, 3), float(1000 + 2 + 16 * 3 + 192 * 1));
    QCOMPARE(at(fine, 31, 23, 15), float(1000 + 15 + 16 * 11 + 192 * 7));
    // Chunk (1, 0, 0) of level 1 (x 16..31, y 0..15, z 0..15): value = 7 + x.
    nz::Volume chunk;
    chunk.dtype = nz::DType::UInt16;
    chunk.shape = {16, 16, 16, 1, 1};
    chunk.data.resize(chunk.voxelCount() * 2);
    auto* p = reinterpret_cast<std::uint16_t*>(chunk.data.data());
    for (std::size_t i = 0; i < chunk.voxelCount(); ++i) p[i] = std::uint16_t(7 + i % 16);
    QVERIFY(pasteChunk(info, fine, {1, 0, 0, 0, 0}, chunk, 0, 0));
    QCOMPARE(at(fine, 16, 0, 0), 7.0f);
    QCOMPARE(at(fine, 31, 15, 15), 22.0f);
    QCOMPARE(at(fine, 15, 0, 0), float(1000 + 7 + 0 + 0));    // neighbour chunk: still coarse
    QCOMPARE(at(fine, 16, 16, 0), float(1000 + 8 + 16 * 8));  // below the chunk: coarse
    // A chunk whose shape disagrees with its box is refused, nothing written.
    nz::Volume bad = chunk;
    bad.shape = {8, 16, 16, 1, 1};
    const LevelVolume before = fine;
    QVERIFY(!pasteChunk(info, fine, {0, 0, 0, 0, 0}, bad, 0, 0));
    QVERIFY(fine.voxels == before.voxels);
  }

  void rangeAsVtkGivesIt() {
    // computeRange: the range leaves NaN out, the finite range also the infinities (as VTK's
    // GetRange / GetFiniteRange); no finite voxel: unset (the view lets VTK compute it).
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    LevelVolume v;
    v.voxels = {3.5f, nan, -2.0f, 7.0f, nan};
    computeRange(v);
    QVERIFY(v.hasRange);
    QCOMPARE(v.range[0], -2.0);
    QCOMPARE(v.range[1], 7.0);
    QCOMPARE(v.finiteRange[0], -2.0);
    QCOMPARE(v.finiteRange[1], 7.0);
    v.voxels = {nan, 1.0f, inf, -inf, 4.0f};
    computeRange(v);
    QVERIFY(v.hasRange);
    QCOMPARE(v.range[0], double(-inf));
    QCOMPARE(v.range[1], double(inf));
    QCOMPARE(v.finiteRange[0], 1.0);
    QCOMPARE(v.finiteRange[1], 4.0);
    v.voxels = {nan, inf};
    computeRange(v);
    QVERIFY(!v.hasRange);
    v.voxels.clear();
    computeRange(v);
    QVERIFY(!v.hasRange);
  }

  void codesSpanTheRange() {
    // encodeCodes: 0 at the minimum, 65535 at the maximum, linear between (rounded), NaN 0;
    // none without a finite range of more than one value, or with infinities.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    LevelVolume v;
    v.voxels = {-10.0f, 90.0f, 15.0f, nan, 65.0f};
    computeRange(v);
    encodeCodes(v);
    QCOMPARE(v.codes, (std::vector<std::uint16_t>{0, 65535, 16384, 0, 49151}));
    v.voxels = {3.0f, 3.0f};
    computeRange(v);
    encodeCodes(v);
    QVERIFY(v.codes.empty());
    v.voxels = {1.0f, std::numeric_limits<float>::infinity()};
    computeRange(v);
    encodeCodes(v);
    QVERIFY(v.codes.empty());
  }

  void labelChunksKeepIntegerValues() {
    const nz::DatasetInfo info = pyramid();
    LabelVolume labels;
    labels.level = 2;
    labels.nx = 16;
    labels.ny = 12;
    labels.nz = 8;
    labels.labels.assign(16 * 12 * 8, 0);
    nz::Volume chunk;
    chunk.dtype = nz::DType::UInt16;
    chunk.shape = {16, 12, 8, 1, 1};
    chunk.data.resize(chunk.voxelCount() * 2);
    auto* p = reinterpret_cast<std::uint16_t*>(chunk.data.data());
    for (std::size_t i = 0; i < chunk.voxelCount(); ++i)
      p[i] = std::uint16_t(i % 5 == 0 ? 40000 : 3);
    QVERIFY(pasteLabelChunk(info, labels, {0, 0, 0, 0, 0}, chunk));
    QCOMPARE(labels.labels[0], 40000);
    QCOMPARE(labels.labels[1], 3);
  }
};

QTEST_GUILESS_MAIN(TstVolumeLod)
#include "tst_volume_lod.moc"
