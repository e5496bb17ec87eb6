// The 3D view's progressive refinement under software GL (StripRefiner): the coarse whole
// frame's sample distance for the view size and from the last coarse frame's time, and the
// strips that then cover the volume's rows.
#include <QtTest>

#include "view3d/strip_refiner.h"

using namespace nzviewer;

class TstStripRefiner : public QObject {
  Q_OBJECT
 private slots:
  void coarseFrameCastsNoMoreRaysThanAGridCell() {
    // Up to a grid cell (456x370 device pixels): every 4th pixel each way.
    QCOMPARE(StripRefiner::coarseSampleDistance(200, 150), 4.0);
    QCOMPARE(StripRefiner::coarseSampleDistance(456, 370), 4.0);
    // Larger views: the distance grows with the side, so the rays stay those of the cell.
    for (const auto& [w, h] : {std::pair{634, 706}, {914, 766}, {1920, 1080}}) {
      const double d = StripRefiner::coarseSampleDistance(w, h);
      QVERIFY2(d > 4.0, qPrintable(QString("%1x%2: %3").arg(w).arg(h).arg(d)));
      const double rays = double(w) * h / (d * d);
      QVERIFY2(std::abs(rays - 456.0 * 370 / 16) < 1.0,
               qPrintable(QString("%1x%2: %3 rays").arg(w).arg(h).arg(rays)));
    }
    // A maximised view of a 1280x860 window: about every 8th pixel each way.
    QVERIFY(std::abs(StripRefiner::coarseSampleDistance(914, 766) - 8.0) < 0.2);
  }

  void coarseFrameFollowsTheLastOnesTime() {
    StripRefiner r;
    const int w = 456, h = 370;
    StripRefiner::Pass p = r.next(w, h);
    QVERIFY(p.whole);
    QCOMPARE(p.distance, 4.0);  // nothing measured yet: the size's distance
    // A coarse frame of 96 ms (4 times the rays' share): twice the distance each way next.
    r.finished(p, 4 * StripRefiner::kCoarseRaysMs);
    r.restart();
    p = r.next(w, h);
    QVERIFY(p.whole);
    QVERIFY2(std::abs(p.distance - 8.0) < 1e-9, qPrintable(QString::number(p.distance)));
    // Far too slow: at most kMaxCoarseScale times the size's distance.
    r.finished(p, 1e5);
    r.restart();
    p = r.next(w, h);
    QCOMPARE(p.distance, 4.0 * StripRefiner::kMaxCoarseScale);
    // Cheap again: back to the size's distance, never finer.
    r.finished(p, 1);
    r.restart();
    p = r.next(w, h);
    QCOMPARE(p.distance, 4.0);
    // Strips cast every pixel.
    r.setVolumeRows(10, 300, 200);
    p = r.next(w, h);
    QVERIFY(!p.whole);
    QCOMPARE(p.distance, 1.0);
  }

  void stripsCoverTheVolumeRowsTopDownThenStop() {
    StripRefiner r;
    const int w = 914, h = 766;
    StripRefiner::Pass p = r.next(w, h);
    QVERIFY(p.whole);
    r.finished(p, 40);
    r.setVolumeRows(100, 600, 500);
    QVERIFY(r.refining());
    int top = 600;
    int strips = 0;
    while (r.refining()) {
      p = r.next(w, h);
      QVERIFY(!p.whole);
      QCOMPARE(p.y0 + p.rows, top);  // contiguous, from the top of the volume down
      QVERIFY(p.rows >= 1);
      top = p.y0;
      r.finished(p, 5 + 0.004 * p.rows * 500);
      QVERIFY(++strips < 500);
    }
    QCOMPARE(top, 100);
    // A change of the scene starts over with a whole frame.
    r.restart();
    QVERIFY(r.next(w, h).whole);
  }
};

QTEST_GUILESS_MAIN(TstStripRefiner)
#include "tst_strip_refiner.moc"
