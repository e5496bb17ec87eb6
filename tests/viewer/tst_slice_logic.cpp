// Pure viewer logic without a display: anatomical orientation of the views, and the slice
// composer (exact voxels at the target level, coarse fallback without holes, speed).
#include <QtTest>
#include <cmath>
#include <future>

#include "data/slice_composer.h"
#include "dataset/dataset.h"
#include "loader/slice_request.h"
#include "model/auto_window.h"
#include "model/orientation.h"
#include "viewer_test_util.h"

using namespace nzviewer;

namespace {
nz::Matrix4 diag(double a, double b, double c) {
  return {a, 0, 0, 0, 0, b, 0, 0, 0, 0, c, 0, 0, 0, 0, 1};
}

// Fetches every chunk of `level` that the plane shows (blocking; test only).
void load(const std::shared_ptr<nz::Dataset>& ds, int level, const nz::SlicePlane& plane,
          ChunkMap& chunks) {
  for (const nz::Index5& c : nz::visibleChunks(ds->info(), level, plane)) {
    std::promise<nz::ChunkResult> done;
    ds->readChunkAsync(level, c, {}, [&done](nz::ChunkResult r) { done.set_value(std::move(r)); });
    nz::ChunkResult r = done.get_future().get();
    QVERIFY2(r.ok, r.error.c_str());
    chunks[nz::ChunkKey{ds.get(), level, c}] = r.volume;
  }
}
}  // namespace

class TstSliceLogic : public QObject {
  Q_OBJECT
 private slots:
  void autoWindow() {
    // A T1-like sample: background 0, tissue 60..118, no outliers: the window reaches the max.
    std::vector<double> t1(4000, 0.0);
    for (int i = 0; i < 6000; ++i) t1.push_back(60 + (i % 59));
    WindowRange w = autoWindowFromSample(t1);
    QCOMPARE(w.low, 0.0);
    QCOMPARE(w.high, 118.0);
    // The same with a few metal voxels: the percentile stays, the outliers do not stretch it.
    std::vector<double> ct(4000, 0.0);
    for (int i = 0; i < 6000; ++i) ct.push_back(60 + (i % 59));
    for (int i = 0; i < 20; ++i) ct.push_back(3000);
    w = autoWindowFromSample(ct);
    QCOMPARE(w.low, 0.0);
    QCOMPARE(w.high, 118.0);  // 99.5 % of 10020 values is inside the tissue
    std::vector<double> metal(ct);
    for (int i = 0; i < 200; ++i) metal.push_back(3000);  // 2 % metal: the percentile is metal
    w = autoWindowFromSample(metal);
    QCOMPARE(w.high, 3000.0);
    std::vector<double> flat(10, 5.0);
    w = autoWindowFromSample(flat);
    QCOMPARE(w.low, 5.0);
    QCOMPARE(w.high, 6.0);
    std::vector<double> none;
    w = autoWindowFromSample(none);
    QVERIFY(w.high > w.low);
    // numpy's linear percentiles (the histogram's): 0..99 and one outlier, 101 values:
    // np.percentile(v, [0.5, 99.5]) = [0.5, 549.5]; 1000 is an outlier (450.5 above).
    std::vector<double> lerp;
    for (int i = 0; i < 100; ++i) lerp.push_back(99 - i);
    lerp.push_back(1000);
    w = autoWindowFromSample(lerp);
    QCOMPARE(w.low, 0.5);
    QCOMPARE(w.high, 549.5);
    // From a histogram's percentiles and range: the same rule.
    w = autoWindowFromPercentiles(kAutoLowPercentile, 100, 0, 105);
    QCOMPARE(w.high, 105.0);  // the maximum is within 10 % above: no outlier
    w = autoWindowFromPercentiles(2, 100, 0, 120);
    QCOMPARE(w.low, 2.0);
    QCOMPARE(w.high, 100.0);
  }

  void identityIsRadiological() {
    const AxisMapping m = nearestAxes(diag(1, 1, 1));
    const ViewAxes ax = viewAxes(ViewKind::Axial, m);
    QCOMPARE(ax.normal, 2);
    QCOMPARE(ax.screenX, 0);
    QCOMPARE(ax.dirX, -1);  // RAS voxel x grows to the right of the patient: screen left
    QCOMPARE(ax.screenY, 1);
    QCOMPARE(ax.dirY, 1);
    QCOMPARE(QString::fromStdString(ax.labels[0]), QString("R"));
    const ViewAxes cor = viewAxes(ViewKind::Coronal, m);
    QCOMPARE(cor.normal, 1);
    QCOMPARE(cor.screenY, 2);
    const ViewAxes sag = viewAxes(ViewKind::Sagittal, m);
    QCOMPARE(sag.normal, 0);
    QCOMPARE(sag.screenX, 1);
    QCOMPARE(sag.dirX, -1);  // anterior on the left
    QCOMPARE(QString::fromStdString(sag.labels[0]), QString("A"));
  }

  void lasFlipsScreenX() {
    const ViewAxes ax = viewAxes(ViewKind::Axial, nearestAxes(diag(-0.7, 0.7, 0.9)));
    QCOMPARE(ax.dirX, 1);  // voxel x grows towards L, which is screen right
  }

  void permutedAxesFollowAnatomy() {
    // Voxel axes stored as (y, z, x) world: voxel 0 -> A, voxel 1 -> S, voxel 2 -> R.
    nz::Matrix4 a{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    const AxisMapping m = nearestAxes(a);
    QCOMPARE(m.voxelOfWorld[0], 2);
    QCOMPARE(m.voxelOfWorld[1], 0);
    QCOMPARE(m.voxelOfWorld[2], 1);
    const ViewAxes ax = viewAxes(ViewKind::Axial, m);
    QCOMPARE(ax.normal, 1);
    QCOMPARE(ax.screenX, 2);
    QCOMPARE(ax.screenY, 0);
  }

  void obliqueStillAPermutation() {
    // The reference oblique sform (rotation + shear).
    nz::Matrix4 a{0.7477, -0.2324, -0.0622, -20.5, 0.2729, 0.7390, -0.2613, 10.25,
                  0.0799, 0.1190,  1.4757,  -35,   0,      0,      0,       1};
    const AxisMapping m = nearestAxes(a);
    QCOMPARE(m.worldOfVoxel[0], 0);
    QCOMPARE(m.worldOfVoxel[1], 1);
    QCOMPARE(m.worldOfVoxel[2], 2);
  }

  void composerExactAtTargetLevel() {
    auto ds =
        nz::openDataset(nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr").toStdString());
    const auto& info = ds->info();
    for (ViewKind kind : {ViewKind::Axial, ViewKind::Coronal, ViewKind::Sagittal}) {
      const ViewAxes axes = viewAxes(kind, nearestAxes(info.affine));
      nz::SlicePlane plane = nz::wholeSlice(info, axes.normal, double(info.shape[axes.normal] / 2));
      ChunkMap chunks;
      load(ds, 0, plane, chunks);
      const ComposedSlice s = composeSlice(*ds, axes, plane, 0, 0, chunks, {});
      QCOMPARE(s.width, int(info.shape[axes.screenX]));
      QCOMPARE(s.height, int(info.shape[axes.screenY]));
      QVERIFY(s.complete());
      QCOMPARE(s.finestLevelShown, 0);
      nz::Box box;
      box.begin = {0, 0, 0, 0, 0};
      box.end = {info.shape[0], info.shape[1], info.shape[2], 1, 1};
      box.begin[axes.normal] = std::int64_t(plane.position);
      box.end[axes.normal] = box.begin[axes.normal] + 1;
      const nz::Volume ref = ds->readRegion(0, box);
      int mismatches = 0;
      for (int r = 0; r < s.height; ++r)
        for (int k = 0; k < s.width; ++k) {
          std::int64_t idx[3] = {0, 0, 0};
          idx[axes.screenX] = axes.dirX > 0 ? k : s.width - 1 - k;
          idx[axes.screenY] = axes.dirY > 0 ? r : s.height - 1 - r;
          const double want = info.scaled(ref.valueAt(idx[0], idx[1], idx[2]));
          if (s.pixels[std::size_t(r) * s.width + k] != float(want)) ++mismatches;
        }
      QCOMPARE(mismatches, 0);
      qInfo("%s: %dx%d composed in %.2f ms", viewKindName(kind), s.width, s.height, s.milliseconds);
    }
  }

  void composerFallsBackToCoarse() {
    auto ds =
        nz::openDataset(nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr").toStdString());
    const auto& info = ds->info();
    const int coarsest = int(info.levels.size()) - 1;
    const ViewAxes axes = viewAxes(ViewKind::Axial, nearestAxes(info.affine));
    nz::SlicePlane plane = nz::wholeSlice(info, 2, 40);
    ChunkMap chunks;
    load(ds, coarsest, plane, chunks);
    const ComposedSlice s = composeSlice(*ds, axes, plane, 0, 0, chunks, {});
    QCOMPARE(s.finestLevelShown, coarsest);
    QVERIFY(!s.complete());
    int nan = 0;
    for (float v : s.pixels) nan += std::isnan(v) ? 1 : 0;
    QCOMPARE(nan, 0);  // level-0 grid fully covered by the coarse level
    // Half of the fine chunks: those pixels switch to level 0, the rest stay coarse.
    ChunkMap fine;
    load(ds, 0, plane, fine);
    int added = 0;
    for (auto& kv : fine)
      if (added++ % 2 == 0) chunks.insert(kv);
    const ComposedSlice s2 = composeSlice(*ds, axes, plane, 0, 0, chunks, {});
    QCOMPARE(s2.finestLevelShown, 0);
    QVERIFY(s2.targetChunksReady > 0 && s2.targetChunksReady < s2.targetChunks);
    nan = 0;
    for (float v : s2.pixels) nan += std::isnan(v) ? 1 : 0;
    QCOMPARE(nan, 0);
  }

  void composerWindowOnlyTouchesVisiblePart() {
    auto ds =
        nz::openDataset(nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr").toStdString());
    const auto& info = ds->info();
    const ViewAxes axes = viewAxes(ViewKind::Axial, nearestAxes(info.affine));
    nz::SlicePlane plane = nz::wholeSlice(info, 2, 50);
    plane.u0 = 10.5, plane.u1 = 30.5, plane.v0 = 20.5, plane.v1 = 25.5;  // 20 x 5 voxels
    ChunkMap chunks;
    load(ds, 0, plane, chunks);
    QCOMPARE(int(chunks.size()), 1);
    const ComposedSlice s = composeSlice(*ds, axes, plane, 0, 0, chunks, {});
    QCOMPARE(s.width, 20);
    QCOMPARE(s.height, 5);
    QVERIFY(s.complete());
  }
};

QTEST_GUILESS_MAIN(TstSliceLogic)
#include "tst_slice_logic.moc"
