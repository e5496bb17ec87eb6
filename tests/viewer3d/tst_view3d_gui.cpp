// The 3D view under Xvfb (software GL), with real pixels: a MIP of a synthetic volume against a
// MIP computed here from two view directions, an ROI box where its world coordinates project,
// picking moves the crosshair to the voxel under the mouse, the level of detail (coarse first,
// then the budget's level with the dataset's voxels), layouts, and switching datasets or
// closing the window while the 3D level streams.
#include <QDockWidget>
#include <QGridLayout>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkPolyData.h>

#include "../viewer/viewer_test_util.h"
#include "data/data_source.h"
#include "model/viewer_state.h"
#include "roi/export_header.h"
#include "view3d/label_surfaces.h"
#include "view3d/view3d.h"
#include "view3d/view3d_controller.h"
#include "view3d/volume_streamer.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"
#include "write/nifti_writer.h"

using namespace nzviewer;
using namespace nzviewer_test;

namespace {
// 48 x 40 x 32 uint8, 1 mm, origin (-10, 5, 2) mm: a block of 120 and a small cube of 250.
constexpr int kNx = 48, kNy = 40, kNz = 32;
struct Region {
  int x0, x1, y0, y1, z0, z1;
  std::uint8_t value;
};
constexpr Region kBlock{8, 22, 6, 16, 5, 15, 120};
constexpr Region kBright{31, 35, 24, 28, 20, 24, 250};

std::uint8_t voxel(int x, int y, int z) {
  for (const Region& r : {kBright, kBlock})
    if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1 && z >= r.z0 && z < r.z1) return r.value;
  return 0;
}

QString writeSynthetic(const QString& dir) {
  nz::DatasetInfo info;
  info.ndim = 3;
  info.shape = {kNx, kNy, kNz, 1, 1};
  info.dtype = nz::DType::UInt8;
  info.affine = {1, 0, 0, -10, 0, 1, 0, 5, 0, 0, 1, 2, 0, 0, 0, 1};
  info.spaceUnit = "mm";
  nz::Volume v;
  v.dtype = nz::DType::UInt8;
  v.shape = {kNx, kNy, kNz, 1, 1};
  v.data.resize(v.voxelCount());
  for (int z = 0; z < kNz; ++z)
    for (int y = 0; y < kNy; ++y)
      for (int x = 0; x < kNx; ++x) v.data[v.offsetOf(x, y, z)] = voxel(x, y, z);
  const QString path = dir + "/synthetic.nii";
  nz::writeNifti(path.toStdString(), nz::makeExportHeader(info, v.shape, v.dtype, info.affine), v);
  return path;
}

View3DController* controllerOf(MainWindow* w) { return w->findChild<View3DController*>(); }

// A freshly rendered frame of the 3D view, at full quality (under software GL the view casts a
// coarse frame first and refines it in strips over later turns).
QImage frame3d(View3D* v) {
  const int before = v->renderCount();
  v->requestRender();
  waitFor([&] { return v->renderCount() > before && v->pictureComplete(); }, 20000);
  QTest::qWait(50);
  return v->grabFramebuffer().convertToFormat(QImage::Format_ARGB32);
}

int grey(const QImage& img, QPointF p) {
  const int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
  if (x < 0 || y < 0 || x >= img.width() || y >= img.height()) return -1;
  return qRed(img.pixel(x, y));
}
}  // namespace

class TstView3dGui : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    synthetic_ = writeSynthetic(dir_.path());
  }

  void fourthCellHoldsThe3dViewAndLayoutsSwitch() {
    std::unique_ptr<MainWindow> w(openWindow(synthetic_, {1200, 800}));
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    QVERIFY(c);
    auto* grid = qobject_cast<QGridLayout*>(w->viewer()->layout());
    QVERIFY(grid);
    QCOMPARE(grid->itemAtPosition(1, 1)->widget(), c->panel());
    QVERIFY(c->panel()->isVisible());
    QVERIFY(w->findChild<QDockWidget*>("displayDock"));  // the display controls moved there
    QVERIFY(c->setLayoutByName("3d"));
    QVERIFY(c->panel()->isVisible());
    QVERIFY(!w->viewer()->view(ViewKind::Axial)->isVisible());
    QVERIFY(waitFor([&] { return c->panel()->width() >= w->viewer()->width() - 4; }, 3000));
    QVERIFY(c->setLayoutByName("ortho"));
    QVERIFY(!c->panel()->isVisible());
    QVERIFY(!c->streamer()->enabled());  // hidden: it fetches nothing
    QVERIFY(w->viewer()->view(ViewKind::Coronal)->isVisible());
    QVERIFY(!c->setLayoutByName("cube"));
    QVERIFY(c->setLayoutByName("grid"));
    // Maximise the axial view and back (Ctrl+M on the view under the mouse).
    c->toggleMaximise(w->viewer()->view(ViewKind::Axial));
    QVERIFY(w->viewer()->view(ViewKind::Axial)->isVisible());
    QVERIFY(!c->panel()->isVisible());
    c->toggleMaximise();
    QVERIFY(c->panel()->isVisible());
    QCOMPARE(c->layout(), ViewLayout::Grid);
  }

  void mipMatchesTheComputedMipFromTwoDirections() {
    std::unique_ptr<MainWindow> w(openWindow(synthetic_, {1000, 800}));
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    c->setLayout(ViewLayout::Only3d);
    View3D* v = c->view();
    QVERIFY(waitFor([&] { return c->streamer()->complete(); }, 20000));
    w->state()->setColormap(Colormap::Grey);
    w->state()->setRange(0, 255);
    v->applyPreset(Preset3d::Mip);
    v->setContextVisible(false);  // lines would cover pixels
    struct Direction {
      StandardView view;
      int depthAxis;  // the axis the MIP runs along
    };
    for (const Direction d : {Direction{StandardView::Anterior, 1}, {StandardView::Superior, 2}}) {
      v->standardView(d.view);
      const QImage img = frame3d(v);
      img.save(shotDir() + QString("/view3d_mip_%1.png").arg(d.depthAxis));
      const int a = 0, b = d.depthAxis == 1 ? 2 : 1;  // the projection's axes
      int checked = 0, inside = 0;
      QPointF brightestWant;
      // Every column centre of the projection: the rendered grey against the column's max.
      for (int i = 1; i < (a == 0 ? kNx : kNy) - 1; ++i)
        for (int j = 1; j < (b == 2 ? kNz : kNy) - 1; ++j) {
          int maxValue = 0, maxNear = 0, minNear = 255;
          const int depthN = d.depthAxis == 1 ? kNy : kNz;
          for (int k = 0; k < depthN; ++k) {
            int p[3];
            p[a] = i;
            p[b] = j;
            p[d.depthAxis] = k;
            maxValue = std::max<int>(maxValue, voxel(p[0], p[1], p[2]));
            // Columns next to an edge of the silhouette blend under linear interpolation.
            for (int di = -1; di <= 1; ++di)
              for (int dj = -1; dj <= 1; ++dj) {
                int q[3] = {p[0], p[1], p[2]};
                q[a] += di;
                q[b] += dj;
                maxNear = std::max<int>(maxNear, voxel(q[0], q[1], q[2]));
              }
          }
          for (int di = -1; di <= 1; ++di)
            for (int dj = -1; dj <= 1; ++dj) {
              int m = 0;
              for (int k = 0; k < depthN; ++k) {
                int q[3];
                q[a] = i + di;
                q[b] = j + dj;
                q[d.depthAxis] = k;
                m = std::max<int>(m, voxel(q[0], q[1], q[2]));
              }
              minNear = std::min(minNear, m);
            }
          if (minNear != maxNear) continue;  // silhouette edge: skipped
          nz::Point3 centre{double(i), double(i), double(j)};
          centre[a] = i;
          centre[b] = j;
          centre[d.depthAxis] = (depthN - 1) / 2.0;
          const QPointF px = v->worldToWidget(v->voxelToWorld(centre));
          const int got = grey(img, px);
          if (got < 0) continue;
          if (px.x() < v->width() * 0.2 && px.y() > v->height() * 0.8) continue;  // marker
          const int want = maxValue;  // window [0, 255], grey: value = grey level
          QVERIFY2(std::abs(got - want) <= 14,
                   qPrintable(QString("column (%1,%2) along axis %3: want grey %4, got %5 at "
                                      "(%6,%7)")
                                  .arg(i)
                                  .arg(j)
                                  .arg(d.depthAxis)
                                  .arg(want)
                                  .arg(got)
                                  .arg(px.x())
                                  .arg(px.y())));
          ++checked;
          if (want > 0) ++inside;
          if (want == kBright.value) brightestWant = px;
        }
      QVERIFY2(checked > 500, qPrintable(QString::number(checked)));
      QVERIFY(inside > 50);
      // The brightest spot of the picture (centroid of the pixels within 3 grey levels of the
      // brightest; the orientation marker's corner left out) lies on the bright cube.
      auto outsideMarker = [&](int x, int y) {
        return !(x < img.width() * 0.2 && y > img.height() * 0.8);
      };
      int best = -1;
      for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
          if (outsideMarker(x, y)) best = std::max(best, qRed(img.pixel(x, y)));
      QVERIFY(best >= 240);
      double sx = 0, sy = 0, n = 0;
      for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x)
          if (outsideMarker(x, y) && qRed(img.pixel(x, y)) >= best - 3)
            sx += x + 0.5, sy += y + 0.5, ++n;
      const QPointF spot(sx / n, sy / n);
      const nz::Point3 cubeCentre{(kBright.x0 + kBright.x1 - 1) / 2.0,
                                  (kBright.y0 + kBright.y1 - 1) / 2.0,
                                  (kBright.z0 + kBright.z1 - 1) / 2.0};
      const QPointF want = v->worldToWidget(v->voxelToWorld(cubeCentre));
      const double pxPerVoxel = QLineF(v->worldToWidget(v->voxelToWorld({0, 0, 0})),
                                       v->worldToWidget(v->voxelToWorld({10, 0, 0})))
                                    .length() /
                                10;
      QVERIFY(pxPerVoxel > 3);
      QVERIFY2(QLineF(want, spot).length() <= 1.0 * pxPerVoxel,
               qPrintable(QString("brightest spot at (%1,%2), cube projects to (%3,%4)")
                              .arg(spot.x())
                              .arg(spot.y())
                              .arg(want.x())
                              .arg(want.y())));
      Q_UNUSED(brightestWant);
    }
  }

  void roiBoxAppearsWhereItProjects() {
    std::unique_ptr<MainWindow> w(openWindow(synthetic_, {1000, 800}));
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    c->setLayout(ViewLayout::Only3d);
    View3D* v = c->view();
    QVERIFY(waitFor([&] { return c->streamer()->complete(); }, 20000));
    auto* roi = w->findChild<RoiController*>();
    QVERIFY(roi);
    nz::Box box;
    box.begin = {26, 4, 3, 0, 0};
    box.end = {44, 12, 9, 1, 1};
    roi->model()->add(box, "lesion");  // current: bright yellow (255, 220, 0)
    v->standardView(StandardView::Anterior);
    const QImage img = frame3d(v);
    img.save(shotDir() + "/view3d_roi.png");
    // Midpoints of the box's front edges (y at the voxel edge nearest the camera).
    int found = 0;
    const double y = box.end[1] - 0.5, x0 = box.begin[0] - 0.5, x1 = box.end[0] - 0.5,
                 z0 = box.begin[2] - 0.5, z1 = box.end[2] - 0.5;
    const nz::Point3 mids[4] = {{(x0 + x1) / 2, y, z0},
                                {(x0 + x1) / 2, y, z1},
                                {x0, y, (z0 + z1) / 2},
                                {x1, y, (z0 + z1) / 2}};
    for (const nz::Point3& m : mids) {
      const QPointF p = v->worldToWidget(v->voxelToWorld(m));
      bool hit = false;
      for (int dy = -2; dy <= 2 && !hit; ++dy)
        for (int dx = -2; dx <= 2 && !hit; ++dx) {
          const int px = int(p.x()) + dx, py = int(p.y()) + dy;
          if (px < 0 || py < 0 || px >= img.width() || py >= img.height()) continue;
          const QRgb rgb = img.pixel(px, py);
          hit = qRed(rgb) > 220 && qGreen(rgb) > 180 && qGreen(rgb) < 240 && qBlue(rgb) < 60;
        }
      found += hit;
    }
    QCOMPARE(found, 4);
    // Nowhere else near the box's centre (inside the wireframe) is ROI yellow.
    const QPointF centre = v->worldToWidget(v->voxelToWorld({(x0 + x1) / 2, y, (z0 + z1) / 2}));
    const QRgb mid = img.pixel(centre.toPoint());
    QVERIFY(!(qRed(mid) > 220 && qGreen(mid) > 180 && qBlue(mid) < 60));
  }

  void clickingTheVolumeMovesTheCrosshair() {
    std::unique_ptr<MainWindow> w(openWindow(synthetic_, {1000, 800}));
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    c->setLayout(ViewLayout::Only3d);
    View3D* v = c->view();
    QVERIFY(waitFor([&] { return c->streamer()->complete(); }, 20000));
    w->state()->setRange(0, 255);
    v->standardView(StandardView::Anterior);
    frame3d(v);
    // Composite: the first voxel above the opacity threshold from the front (+y): the
    // block's front face, y = 15, at the clicked x and z.
    v->setMode(RenderMode3d::Composite);
    QPointF at = v->worldToWidget(v->voxelToWorld({14, 20, 9}));
    QTest::mouseClick(v, Qt::LeftButton, Qt::NoModifier, at.toPoint());
    QVERIFY(waitFor([&] { return w->state()->crosshair()[1] == 15; }, 3000));
    nz::Point3 p = w->state()->crosshair();
    QVERIFY2(std::abs(p[0] - 14) <= 1 && std::abs(p[2] - 9) <= 1,
             qPrintable(QString("crosshair (%1,%2,%3)").arg(p[0]).arg(p[1]).arg(p[2])));
    // MIP: the brightest voxel along the ray, inside the bright cube.
    v->applyPreset(Preset3d::Mip);
    at = v->worldToWidget(v->voxelToWorld({32.5, 20, 21.5}));
    QTest::mouseClick(v, Qt::LeftButton, Qt::NoModifier, at.toPoint());
    QVERIFY(waitFor(
        [&] {
          return voxel(int(w->state()->crosshair()[0]), int(w->state()->crosshair()[1]),
                       int(w->state()->crosshair()[2])) == 250;
        },
        3000));
    // A click beside the volume changes nothing.
    const nz::Point3 before = w->state()->crosshair();
    QTest::mouseClick(v, Qt::LeftButton, Qt::NoModifier, QPoint(5, 40));
    QTest::qWait(100);
    QCOMPARE(w->state()->crosshair(), before);
  }

  void coarseFirstThenTheBudgetLevel() {
    // The sample pyramid: 150x121x97 uint16, 4 levels. A 64^3 budget allows level 1
    // (75x61x49 = 224k voxels); the coarsest (level 3) comes first.
    qputenv("NZVIEW_3D_BUDGET", QByteArray::number(64 * 64 * 64));
    std::unique_ptr<MainWindow> w(
        openWindow(refdata("e_uint16_pyramid_4levels.nii.zarr"), {1000, 800}));
    qunsetenv("NZVIEW_3D_BUDGET");
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    View3D* v = c->view();
    std::vector<int> levelsShown;
    connect(c->streamer(), &VolumeStreamer::volumeReady, this,
            [&](std::shared_ptr<const LevelVolume> vol) { levelsShown.push_back(vol->level); });
    QCOMPARE(c->streamer()->coarseLevel(), 3);
    QCOMPARE(c->streamer()->targetLevel(), 1);
    QVERIFY(waitFor([&] { return c->streamer()->complete(); }, 30000));
    QVERIFY(!levelsShown.empty());
    if (levelsShown.front() != 1) QCOMPARE(levelsShown.front(), 3);  // all cached at once: 1
    QCOMPARE(levelsShown.back(), 1);
    QCOMPARE(v->volume()->level, 1);
    // The assembled level equals the dataset's level 1 (scaled values).
    const auto ds = w->source()->dataset();
    const nz::LevelInfo& L = ds->info().levels[1];
    nz::Box all;
    all.end = {L.shape[0], L.shape[1], L.shape[2], 1, 1};
    const nz::Volume truth = ds->readRegion(1, all);
    const auto& got = v->volume()->voxels;
    QCOMPARE(got.size(), truth.voxelCount());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
      mismatches +=
          got[i] != float(ds->info().scaled(nz::readAsDouble(truth.data.data(), truth.dtype, i)));
    QCOMPARE(mismatches, std::size_t(0));
    // Its requests are released once complete (the cache may evict them).
    QVERIFY(c->streamer()->requests().empty());
    const QImage refined = frame3d(v);
    refined.save(shotDir() + "/view3d_sample.png");
    // Software GL renders the view single-sampled (a multisample resolve is a fixed cost of
    // every render and strip there); a GPU keeps VTK's multisampling.
    if (v->softwareGl()) QCOMPARE(v->renderWindow()->GetMultiSamples(), 0);
    // Under software GL that picture came as a coarse frame refined in strips over several
    // turns; a grab casts the full-quality frame at once: the two are the same pixels.
    v->requestRender();
    QCOMPARE(v->grabFramebuffer().convertToFormat(QImage::Format_ARGB32), refined);
    w->grab().save(shotDir() + "/view3d_sample_window.png");
    // The streamed volumes came with their range and 16-bit codes (made on the streamer's
    // worker): VTK never scanned them on the GUI thread. The same voxels as floats without a
    // range (VTK scans them): the same picture, but for the codes' rounding.
    QVERIFY(v->volume()->hasRange);
    QCOMPARE(v->volume()->codes.size(), v->volume()->voxels.size());
    QCOMPARE(v->rangeScans(), 0);
    const std::shared_ptr<const LevelVolume> coded = v->volume();
    auto floats = std::make_shared<LevelVolume>(*coded);
    floats->hasRange = false;
    floats->codes.clear();
    auto grabWith = [&](std::shared_ptr<const LevelVolume> vol) {
      v->setVolume(std::move(vol));
      return v->grabFramebuffer().convertToFormat(QImage::Format_ARGB32);
    };
    for (const int mode : {0, 1, 2}) {  // the MRI preset (shaded), MIP, iso-surface
      if (mode == 1) v->applyPreset(Preset3d::Mip);
      if (mode == 2) v->setMode(RenderMode3d::IsoSurface);
      const QImage fromCodes = grabWith(coded), fromFloats = grabWith(floats);
      fromFloats.save(shotDir() + QString("/view3d_sample_floats_%1.png").arg(mode));
      fromCodes.save(shotDir() + QString("/view3d_sample_codes_%1.png").arg(mode));
      int maxDiff = 0, differing = 0, far = 0;
      for (int y = 0; y < fromCodes.height(); ++y)
        for (int x = 0; x < fromCodes.width(); ++x) {
          const QRgb a = fromCodes.pixel(x, y), b = fromFloats.pixel(x, y);
          const int d = std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                                  std::abs(qBlue(a) - qBlue(b))});
          maxDiff = std::max(maxDiff, d);
          differing += d > 0;
          far += d > 2;
        }
      const int pixels = fromCodes.width() * fromCodes.height();
      qInfo("mode %d, codes vs floats: %d of %d pixels differ, by at most %d (%d by more than 2)",
            mode, differing, pixels, maxDiff, far);
      // A grey level at a few edges; the iso-surface may also meet a ray one sample apart where
      // the voxels cross the iso value within the codes' rounding (single pixels).
      QVERIFY2(differing <= pixels / 50, qPrintable(QString::number(differing)));
      QVERIFY2(far <= (mode == 2 ? pixels / 2000 : 0), qPrintable(QString::number(far)));
    }
    QVERIFY(v->rangeScans() > 0);
  }

  void labelLayersBecomeColouredSurfaces() {
    // The synthetic scan over itself as a label map: labels 120 (the block) and 250 (the cube).
    std::unique_ptr<MainWindow> w(openWindow(synthetic_, {1000, 800}));
    QVERIFY(w);
    View3DController* c = controllerOf(w.get());
    View3D* v = c->view();
    QSignalSpy changed(w->source(), &DataSource::layersChanged);
    const int id = w->source()->addLayer(synthetic_, {}, LayerKind::Labels);
    QVERIFY(waitFor([&] { return w->source()->layer(id) != nullptr; }, 20000));
    QVERIFY(waitFor([&] { return c->labelSurfaces()->complete() && v->labelSurfaceCount() == 2; },
                    20000));
    const std::vector<LabelSurface> surfaces = c->labelSurfaces()->surfaces();
    QCOMPARE(surfaces.size(), std::size_t(2));
    for (const LabelSurface& s : surfaces) {
      const Region& r = s.label == 120 ? kBlock : kBright;
      QVERIFY(s.label == 120 || s.label == 250);
      // World bounds of the surface: the region's voxel edges (origin -10, 5, 2 mm), within
      // half a voxel (the surface passes between inside and outside voxel centres).
      double b[6];
      s.mesh->GetBounds(b);
      const double want[6] = {r.x0 - 10.0,    r.x1 - 1 - 10.0, r.y0 + 5.0,
                              r.y1 - 1 + 5.0, r.z0 + 2.0,      r.z1 - 1 + 2.0};
      for (int i = 0; i < 6; ++i)
        QVERIFY2(std::abs(b[i] - want[i]) <= 0.75,
                 qPrintable(QString("label %1 bound %2: %3, want %4 ± 0.75")
                                .arg(s.label)
                                .arg(i)
                                .arg(b[i])
                                .arg(want[i])));
      const nz::LabelEntry e = w->source()->layer(id)->labels.entry(s.label);
      QCOMPARE(s.rgb[0], e.r / 255.0);
      QCOMPARE(s.rgb[1], e.g / 255.0);
    }
    c->setLayout(ViewLayout::Only3d);
    frame3d(v).save(shotDir() + "/view3d_labels.png");
    // Hiding one label, then the layer, removes its surfaces (no re-extraction).
    w->source()->layer(id)->labels.setVisible(120, false);
    w->source()->notifyLayerDisplayChanged();
    QCOMPARE(v->labelSurfaceCount(), std::size_t(1));
    w->source()->layer(id)->display.visible = false;
    w->source()->notifyLayerDisplayChanged();
    QCOMPARE(v->labelSurfaceCount(), std::size_t(0));
    w->source()->removeLayer(id);
    QCOMPARE(c->labelSurfaces()->surfaces().size(), std::size_t(0));
  }

  void layoutFlagAndScreenshotInclude3d() {
    // nzview --layout 3d --screenshot: exits 0 once the 3D level is complete, and the picture
    // shows the volume (the MRI brain preset over the sample: tissue is not black).
    const QString png = shotDir() + "/view3d_cli_3d.png";
    QFile::remove(png);
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedChannels);
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"),
            {refdata("e_uint16_pyramid_4levels.nii.zarr"), "--layout", "3d", "--size", "900x700",
             "--screenshot", png, "--timeout", "60"});
    QVERIFY(p.waitForFinished(90000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QImage img(png);
    QVERIFY(!img.isNull());
    // The 3D view fills the central area: its middle shows the phantom, lit (not black).
    const QRgb mid = img.pixel(img.width() / 3, img.height() / 2);
    QVERIFY2(qRed(mid) > 60, qPrintable(QString("centre pixel %1").arg(qRed(mid))));
    // A bad layout name is refused before any window opens.
    QProcess bad;
    bad.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"), {"--layout", "cube"});
    QVERIFY(bad.waitForFinished(30000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(QString(bad.readAllStandardError()).contains("--layout expects grid, ortho or 3d"));
  }

  void switchingAndClosingWhileStreaming() {
    // Open the sample, switch to the synthetic scan as soon as the first is open (its 3D level
    // still streaming), then close the window while the next one streams: no hang, no crash,
    // and the survivor shows the right dataset.
    auto* w = openWindow(refdata("e_uint16_pyramid_4levels.nii.zarr"), {900, 700});
    QVERIFY(w);
    View3DController* c = controllerOf(w);
    QSignalSpy opened(w, &MainWindow::datasetOpened);
    w->openUri(synthetic_);
    QVERIFY(opened.wait(20000));
    QVERIFY(waitFor([&] { return c->streamer()->complete(); }, 20000));
    QCOMPARE(c->view()->volume()->nx, std::int64_t(kNx));
    // Switch back and close at once, several times.
    for (int i = 0; i < 3; ++i) {
      w->openUri(i % 2 ? synthetic_ : refdata("e_uint16_pyramid_4levels.nii.zarr"));
      QVERIFY(opened.wait(20000));
      QTest::qWait(i * 5);
    }
    QElapsedTimer t;
    t.start();
    w->close();
    delete w;
    QVERIFY(t.elapsed() < 3000);
    // A new window still works afterwards.
    std::unique_ptr<MainWindow> again(openWindow(synthetic_, {800, 600}));
    QVERIFY(again);
    QVERIFY(waitFor([&] { return controllerOf(again.get())->streamer()->complete(); }, 20000));
  }

 private:
  QTemporaryDir dir_;
  QString synthetic_;
};

QTEST_MAIN(TstView3dGui)
#include "tst_view3d_gui.moc"
