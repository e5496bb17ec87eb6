// ROI box: level-0 <-> level-L conversions through the affines, world corners, --roi parsing,
// an ROI carried over to another grid (roiOnGrid).
#include <QtTest>
#include <cmath>

#include "core/error.h"
#include "roi/roi_box.h"
#include "roi/roi_on_grid.h"

using namespace nz;

namespace {

// niizarr pyramid: A_L = A_0 · [[2^L,0,0,(2^L-1)/2],...].
DatasetInfo pyramidInfo() {
  DatasetInfo info;
  info.shape = {150, 121, 97, 1, 1};
  Matrix4 a0 = {-0.7, 0, 0, 52, 0, 0.7, 0, -42, 0, 0, 0.9, -43, 0, 0, 0, 1};
  info.affine = a0;
  for (int L = 0; L < 3; ++L) {
    double f = std::pow(2.0, L), t = (f - 1) / 2;
    Matrix4 p = {f, 0, 0, t, 0, f, 0, t, 0, 0, f, t, 0, 0, 0, 1};
    LevelInfo lv;
    lv.affine = multiply(a0, p);
    lv.shape = {static_cast<std::int64_t>(std::ceil(150 / f)),
                static_cast<std::int64_t>(std::ceil(121 / f)),
                static_cast<std::int64_t>(std::ceil(97 / f)), 1, 1};
    info.levels.push_back(lv);
  }
  return info;
}

}  // namespace

class TestRoiBox : public QObject {
  Q_OBJECT
 private slots:
  void levelConversionsRoundTrip() {
    DatasetInfo info = pyramidInfo();
    RoiBox roi;
    roi.box = Box{{8, 16, 4, 0, 0}, {40, 48, 20, 1, 1}};
    Box l1 = roi.toLevel(info, 1);
    QCOMPARE(l1.begin[0], 4);
    QCOMPARE(l1.end[0], 20);
    QCOMPARE(l1.begin[2], 2);
    QCOMPARE(l1.end[2], 10);
    Box l2 = roi.toLevel(info, 2);
    QCOMPARE(l2.begin[0], 2);
    QCOMPARE(l2.end[0], 10);
    RoiBox back = RoiBox::fromLevel(info, 2, l2);
    QCOMPARE(back.box.begin[0], 8);
    QCOMPARE(back.box.end[0], 40);
    // Unaligned boxes round outward.
    roi.box = Box{{9, 16, 4, 0, 0}, {39, 48, 20, 1, 1}};
    Box o = roi.toLevel(info, 1);
    QCOMPARE(o.begin[0], 4);
    QCOMPARE(o.end[0], 20);
  }

  void worldCornersFollowAffine() {
    DatasetInfo info = pyramidInfo();
    RoiBox roi;
    roi.box = Box{{0, 0, 0, 0, 0}, {10, 10, 10, 1, 1}};
    auto b = roi.worldBounds(info);
    // x is flipped: voxel edges -0.5 and 9.5 -> 52.35 and 45.35
    QVERIFY(std::abs(b[0][0] - (52 - 0.7 * 9.5)) < 1e-9);
    QVERIFY(std::abs(b[1][0] - (52 + 0.35)) < 1e-9);
    Vec3 s = roi.sizeWorld(info);
    QVERIFY(std::abs(s[0] - 7.0) < 1e-9);
    QVERIFY(std::abs(s[2] - 9.0) < 1e-9);
    // Level-1 voxel 0 centre is the centre of level-0 voxels 0 and 1.
    Vec3 w1 = worldFromVoxel(info, 1, {0, 0, 0});
    Vec3 w0 = worldFromVoxel(info, 0, {0.5, 0.5, 0.5});
    for (int a = 0; a < 3; ++a) QVERIFY(std::abs(w1[a] - w0[a]) < 1e-9);
    Vec3 v = voxelFromWorld(info, 0, w0);
    QVERIFY(std::abs(v[0] - 0.5) < 1e-9);
  }

  void shiftAffineMovesOrigin() {
    Matrix4 a = {0.7477, -0.2324, -0.0622, -20.5, 0.2729, 0.7390, -0.2613, 10.25,
                 0.0799, 0.1190,  1.4757,  -35,   0,      0,      0,       1};
    Matrix4 s = shiftAffine(a, {3, -2, 5});
    Vec3 o = applyAffine(a, {3, -2, 5});
    QCOMPARE(s[3], o[0]);
    QCOMPARE(s[7], o[1]);
    QCOMPARE(s[11], o[2]);
    QCOMPARE(s[0], a[0]);
    Matrix4 i = multiply(invertAffine(a), a);
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) QVERIFY(std::abs(i[r * 4 + c] - (r == c ? 1 : 0)) < 1e-12);
  }

  // Another dataset whose grid is the pyramid's level 1 (2x voxels, shifted half a voxel): the
  // ROI carried over is exactly toLevel(1), clipped; a grid far away gives an empty box.
  void roiOnOtherGrid() {
    const DatasetInfo ref = pyramidInfo();
    DatasetInfo other;
    other.shape = {40, 60, 30, 1, 1};
    LevelInfo lv;
    lv.affine = ref.levels[1].affine;
    lv.shape = other.shape;
    other.levels.push_back(lv);
    other.affine = lv.affine;
    RoiBox roi;
    roi.box = Box{{9, 16, 4, 0, 0}, {39, 48, 20, 1, 1}};
    const RoiBox on = roiOnGrid(roi, ref, other);
    const Box expected = roi.toLevel(ref, 1);
    for (int a = 0; a < 5; ++a) {
      QCOMPARE(on.box.begin[a], expected.begin[a]);
      QCOMPARE(on.box.end[a], expected.end[a]);
    }
    roi.box = Box{{60, 16, 4, 0, 0}, {150, 48, 20, 1, 1}};  // reaches past other's 40 voxels
    QCOMPARE(roiOnGrid(roi, ref, other).box.begin[0], 30);
    QCOMPARE(roiOnGrid(roi, ref, other).box.end[0], 40);
    other.levels[0].affine[3] += 1000;  // 1 m away
    QVERIFY(roiOnGrid(roi, ref, other).empty());
  }

  void parseRoi() {
    Index5 shape{64, 48, 40, 5, 1};
    Box b = parseRoiText("-4:10,0:48,30:50", shape);
    QCOMPARE(b.begin[0], -4);
    QCOMPARE(b.end[2], 50);
    QCOMPARE(b.end[3], 5);  // t kept whole
    Box t = parseRoiText("0:1,0:1,0:1,2:4", shape);
    QCOMPARE(t.begin[3], 2);
    QCOMPARE(roiText(b, 3), std::string("-4:10,0:48,30:50"));
    QVERIFY_THROWS_EXCEPTION(nz::Error, parseRoiText("0:10,0:10", shape));
    QVERIFY_THROWS_EXCEPTION(nz::Error, parseRoiText("0:10,5:5,0:1", shape));
    QVERIFY_THROWS_EXCEPTION(nz::Error, parseRoiText("a:10,0:1,0:1", shape));
    QVERIFY_THROWS_EXCEPTION(nz::Error, parseRoiText("0-10,0:1,0:1", shape));
  }
};

QTEST_GUILESS_MAIN(TestRoiBox)
#include "tst_roi_box.moc"
