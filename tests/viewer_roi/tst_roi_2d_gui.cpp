// ROI boxes on a 2D image under Xvfb: an OME-Zarr with only y/x axes (one slice, z extent 1)
// opens as a single slice; Ctrl+drag in the axial view draws a box whose z range is [0, 1);
// an edge drag resizes it; its export (.nii) holds exactly the pixels of the drawn box.
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "../viewer/viewer_test_util.h"
#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "ui/main_window.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;

namespace {

constexpr int kW = 96, kH = 80;  // x, y

std::uint8_t pixel(int x, int y) { return static_cast<std::uint8_t>((x * 7 + y * 3) % 251); }

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// A 2D OME-Zarr 0.4 image (axes y, x; 0.5 x 0.25 mm pixels), uint8, one uncompressed chunk.
bool writeImage2d(const QString& dir) {
  if (!QDir().mkpath(dir + "/0")) return false;
  QByteArray data;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) data.append(static_cast<char>(pixel(x, y)));
  const QByteArray attrs =
      "{\"multiscales\": [{\"version\": \"0.4\", \"axes\": [{\"name\": \"y\", \"type\": "
      "\"space\", \"unit\": \"millimeter\"}, {\"name\": \"x\", \"type\": \"space\", \"unit\": "
      "\"millimeter\"}], \"datasets\": [{\"path\": \"0\", \"coordinateTransformations\": "
      "[{\"type\": \"scale\", \"scale\": [0.5, 0.25]}]}]}]}";
  const QByteArray zarray = "{\"zarr_format\": 2, \"shape\": [" + QByteArray::number(kH) + ", " +
                            QByteArray::number(kW) + "], \"chunks\": [" + QByteArray::number(kH) +
                            ", " + QByteArray::number(kW) +
                            "], \"dtype\": \"|u1\", \"compressor\": null, \"fill_value\": 0, "
                            "\"order\": \"C\", \"filters\": null}";
  return writeFile(dir + "/.zgroup", "{\"zarr_format\": 2}") &&
         writeFile(dir + "/.zattrs", attrs) && writeFile(dir + "/0/.zarray", zarray) &&
         writeFile(dir + "/0/0.0", data);
}

std::int64_t edgeAt(SliceView* v, const QPointF& w, int a) {
  return std::llround(v->widgetToVoxel(w)[a] + 0.5);
}

}  // namespace

class TstRoi2dGui : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  MainWindow* w_ = nullptr;
  RoiController* roi_ = nullptr;

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    QVERIFY(writeImage2d(tmp_.filePath("plane.ome.zarr")));
    w_ = nzviewer_test::openWindow(tmp_.filePath("plane.ome.zarr"), QSize(1200, 800));
    QVERIFY(w_);
    roi_ = w_->findChild<RoiController*>();
    QVERIFY(roi_);
    const nz::DatasetInfo* info = roi_->model()->info();
    QVERIFY(info);
    QCOMPARE(info->levels[0].shape[0], std::int64_t(kW));
    QCOMPARE(info->levels[0].shape[1], std::int64_t(kH));
    QCOMPARE(info->levels[0].shape[2], std::int64_t(1));
    QVERIFY(roi_->drawAction()->isEnabled());
    QTest::qWait(200);
  }

  void drawBoxOnTheSlice() {
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPointF p0(v->width() * 0.35, v->height() * 0.35);
    const QPointF p1(v->width() * 0.60, v->height() * 0.62);
    const int sx = v->axes().screenX, sy = v->axes().screenY, n = v->axes().normal;
    QCOMPARE(n, 2);
    const std::int64_t bx = std::min(edgeAt(v, p0, sx), edgeAt(v, p1, sx));
    const std::int64_t ex = std::max(edgeAt(v, p0, sx), edgeAt(v, p1, sx));
    const std::int64_t by = std::min(edgeAt(v, p0, sy), edgeAt(v, p1, sy));
    const std::int64_t ey = std::max(edgeAt(v, p0, sy), edgeAt(v, p1, sy));
    QVERIFY2(bx >= 0 && ex <= kW && by >= 0 && ey <= kH && ex - bx > 5 && ey - by > 5,
             qPrintable(QString("%1 %2 %3 %4").arg(bx).arg(ex).arg(by).arg(ey)));
    QTest::mousePress(v, Qt::LeftButton, Qt::ControlModifier, p0.toPoint());
    QTest::mouseMove(v, ((p0 + p1) / 2).toPoint());
    QTest::mouseMove(v, p1.toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, Qt::ControlModifier, p1.toPoint());
    RoiModel* m = roi_->model();
    QCOMPARE(int(m->rois().size()), 1);
    const nz::Box& b = m->rois()[0].roi.box;
    QCOMPARE(b.begin[sx], bx);
    QCOMPARE(b.end[sx], ex);
    QCOMPARE(b.begin[sy], by);
    QCOMPARE(b.end[sy], ey);
    QCOMPARE(b.begin[n], std::int64_t(0));  // the only slice
    QCOMPARE(b.end[n], std::int64_t(1));
    // An edge drag resizes it in-plane; z stays [0, 1).
    const nz::Box before = b;
    nz::Point3 q = v->widgetToVoxel(p0);
    q[sy] = double(ey) - 0.5;
    const double yEdge = v->voxelToWidget(q).y();
    const QPointF mid((p0.x() + p1.x()) / 2, yEdge);
    QTest::mousePress(v, Qt::LeftButton, Qt::NoModifier, mid.toPoint());
    QTest::mouseMove(v, (mid + QPointF(0, 25)).toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, Qt::NoModifier, (mid + QPointF(0, 25)).toPoint());
    const nz::Box& after = m->rois()[0].roi.box;
    QCOMPARE(int(m->rois().size()), 1);
    QVERIFY2(after.end[sy] != before.end[sy] || after.begin[sy] != before.begin[sy],
             "the edge drag did not resize the box");
    QCOMPARE(after.begin[n], std::int64_t(0));
    QCOMPARE(after.end[n], std::int64_t(1));
    // The coronal view shows z in-plane as a one-pixel strip: a drag across the box's z edge
    // and a drag inside it (draw mode) leave z at [0, 1).
    SliceView* c = w_->viewer()->view(ViewKind::Coronal);
    QVERIFY(c->axes().screenX == 0 || c->axes().screenY == 2);
    const int cz = c->axes().screenY;
    QCOMPARE(cz, 2);
    nz::Point3 cq = c->widgetToVoxel(QPointF(0, 0));
    cq[c->axes().screenX] =
        double(after.begin[c->axes().screenX] + after.end[c->axes().screenX]) / 2;
    cq[cz] = -0.5;  // the strip's edge
    const QPointF zEdge = c->voxelToWidget(cq);
    const nz::Box beforeZ = after;
    QTest::mousePress(c, Qt::LeftButton, Qt::NoModifier, zEdge.toPoint());
    QTest::mouseMove(c, (zEdge + QPointF(0, -30)).toPoint());
    QTest::mouseRelease(c, Qt::LeftButton, Qt::NoModifier, (zEdge + QPointF(0, -30)).toPoint());
    roi_->drawAction()->setChecked(true);
    QTest::mousePress(c, Qt::LeftButton, Qt::NoModifier, zEdge.toPoint());
    QTest::mouseMove(c, (zEdge + QPointF(10, 40)).toPoint());
    QTest::mouseRelease(c, Qt::LeftButton, Qt::NoModifier, (zEdge + QPointF(10, 40)).toPoint());
    roi_->drawAction()->setChecked(false);
    const nz::Box& z = m->rois().back().roi.box;
    QCOMPARE(z.begin[n], std::int64_t(0));
    QCOMPARE(z.end[n], std::int64_t(1));
    QCOMPARE(m->rois()[0].roi.box.begin[n], std::int64_t(0));
    QCOMPARE(m->rois()[0].roi.box.end[n], std::int64_t(1));
    QCOMPARE(m->rois()[0].roi.box.end[sy] - m->rois()[0].roi.box.begin[sy],
             beforeZ.end[sy] - beforeZ.begin[sy]);
    QImage shot = w_->grab().toImage();
    shot.save(nzviewer_test::shotDir() + "/roi_2d.png");
  }

  // The export of the 2D box: the drawn pixels, nothing else.
  void exportHoldsTheBox() {
    RoiModel* m = roi_->model();
    QVERIFY(!m->rois().empty());
    ExportDialog* dlg = roi_->openExportDialog(0);
    QVERIFY(dlg);
    dlg->setFormat(ExportDialog::Nii);
    const QString out = tmp_.filePath("box2d.nii");
    dlg->setDestination(out);
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.wait(60000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(2).toString()));
    const nz::Box& b = m->rois()[0].roi.box;
    auto ds = nz::openDataset(out.toStdString());
    const nz::DatasetInfo& oi = ds->info();
    QCOMPARE(oi.levels[0].shape[0], b.end[0] - b.begin[0]);
    QCOMPARE(oi.levels[0].shape[1], b.end[1] - b.begin[1]);
    QCOMPARE(oi.levels[0].shape[2], std::int64_t(1));
    nz::Box all;
    all.end = oi.levels[0].shape;
    const nz::Volume got = ds->readRegion(0, all);
    for (std::int64_t y = 0; y < all.end[1]; ++y)
      for (std::int64_t x = 0; x < all.end[0]; ++x)
        QCOMPARE(got.data[static_cast<std::size_t>(y * all.end[0] + x)],
                 pixel(int(b.begin[0] + x), int(b.begin[1] + y)));
    // x spacing 0.25, y 0.5; the origin moves to the box's first pixel.
    QVERIFY(std::abs(oi.affine[0] - 0.25) < 1e-4);
    QVERIFY(std::abs(oi.affine[5] - 0.5) < 1e-4);
    auto src = nz::openDataset(tmp_.filePath("plane.ome.zarr").toStdString());
    const nz::Matrix4& sa = src->info().affine;
    for (int r = 0; r < 3; ++r)
      QVERIFY(std::abs(oi.affine[r * 4 + 3] - (sa[r * 4 + 3] + sa[r * 4] * double(b.begin[0]) +
                                               sa[r * 4 + 1] * double(b.begin[1]))) < 1e-4);
  }

  void cleanupTestCase() { delete w_; }
};

QTEST_MAIN(TstRoi2dGui)
#include "tst_roi_2d_gui.moc"
