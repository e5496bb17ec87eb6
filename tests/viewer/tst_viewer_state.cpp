// ViewerState keeps the crosshair in world coordinates (mm, RAS+) with thin voxel accessors
// for the reference: on the oblique reference dataset (sform with rotation and shear-free
// anisotropic voxels) every conversion is checked against the affine applied here by hand.
#include <QSignalSpy>
#include <QtTest>
#include <cmath>

#include "dataset/dataset.h"
#include "model/viewer_state.h"
#include "viewer_test_util.h"

using nzviewer::ViewerState;

namespace {
nz::Point3 byHand(const nz::Matrix4& a, const nz::Point3& v) {
  nz::Point3 w{};
  for (int r = 0; r < 3; ++r)
    w[r] = a[r * 4] * v[0] + a[r * 4 + 1] * v[1] + a[r * 4 + 2] * v[2] + a[r * 4 + 3];
  return w;
}
void near(const nz::Point3& a, const nz::Point3& b, double tol = 1e-4) {
  for (int i = 0; i < 3; ++i)
    QVERIFY2(std::abs(a[i] - b[i]) <= tol,
             qPrintable(
                 QString("axis %1: %2 vs %3").arg(i).arg(a[i], 0, 'g', 10).arg(b[i], 0, 'g', 10)));
}
}  // namespace

class TstViewerState : public QObject {
  Q_OBJECT
 private slots:
  void crosshairLivesInWorld() {
    auto ds =
        nz::openDataset(nzviewer_test::refdata("a_uint8_oblique_sform.nii.zarr").toStdString(), {});
    const nz::DatasetInfo& info = ds->info();
    const nz::Matrix4 a = info.levels[0].affine;
    QVERIFY(std::abs(a[1]) > 0.1);  // really oblique
    ViewerState s;
    s.reset(info);
    QCOMPARE(s.crosshair(), (nz::Point3{32, 24, 20}));
    near(s.crosshairWorld(), byHand(a, {32, 24, 20}));

    // A world point between voxel centres stays exact; the voxel accessor gives the nearest.
    QSignalSpy changed(&s, &ViewerState::crosshairChanged);
    const nz::Point3 w = byHand(a, {10.3, 20.6, 5.45});
    s.setCrosshairWorld(w);
    QCOMPARE(changed.count(), 1);
    near(s.crosshairWorld(), w, 1e-9);
    QCOMPARE(s.crosshair(), (nz::Point3{10, 21, 5}));
    near(s.worldToVoxel(w), {10.3, 20.6, 5.45}, 1e-9);
    s.setCrosshairWorld(w);  // unchanged: no signal
    QCOMPARE(changed.count(), 1);

    // Setting a voxel puts the world crosshair on its centre.
    s.setCrosshair({40.4, 7.6, 30});
    QCOMPARE(s.crosshair(), (nz::Point3{40, 8, 30}));
    near(s.crosshairWorld(), byHand(a, {40, 8, 30}));
    s.setCrosshairAxis(2, 12);
    near(s.crosshairWorld(), byHand(a, {40, 8, 12}));

    // Outside the volume: clamped in voxel space (the world point moves onto the volume edge).
    s.setCrosshairWorld(byHand(a, {-7, 100, 12}));
    QCOMPARE(s.crosshair(), (nz::Point3{0, 47, 12}));
    near(s.crosshairWorld(), byHand(a, {0, 47, 12}));

    // View planes in world: through the crosshair, normal = the affine's unit column.
    for (int axis = 0; axis < 3; ++axis) {
      const ViewerState::WorldPlane p = s.viewPlaneWorld(axis);
      near(p.point, s.crosshairWorld(), 1e-12);
      const double len =
          std::sqrt(a[axis] * a[axis] + a[4 + axis] * a[4 + axis] + a[8 + axis] * a[8 + axis]);
      near(p.normal, {a[axis] / len, a[4 + axis] / len, a[8 + axis] / len}, 1e-9);
    }
  }
};

QTEST_GUILESS_MAIN(TstViewerState)
#include "tst_viewer_state.moc"
