// Slice-view input and display options under Xvfb (issue #18): arrow keys move the crosshair in
// the plane and PgUp/PgDn step the slice, the focused view has an orange frame, right-drag
// window/level speed follows the data range (uint8 and float32 0..1e6), "Full range" reaches
// the loaded data's extremes, nearest vs linear interpolation on screen, linked zoom, refit on
// resize unless zoomed, Home fits the view under the pointer, and the status bar readout
// follows wheel slice steps; while an export runs the views' loader yields the link to it.
#include <QAction>
#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest>
#include <cstring>
#include <functional>

#include "data/data_source.h"
#include "dataset/dataset.h"
#include "model/viewer_state.h"
#include "roi/export_plan.h"
#include "roi/roi_box.h"
#include "ui/main_window.h"
#include "ui/view_links.h"
#include "viewer/roi/export_job.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using namespace nzviewer_test;

namespace {
const char* kPyramid = "e_uint16_pyramid_4levels.nii.zarr";

// A NIfTI-1 file (1 mm voxels, identity-like affine) of `n`^3 voxels; value(i, j, k) as the type.
template <class T>
bool writeNifti(const QString& path, int n, qint16 datatype,
                const std::function<T(int, int, int)>& value) {
  QByteArray h(352, '\0');
  auto put16 = [&](int off, qint16 v) { std::memcpy(h.data() + off, &v, 2); };
  auto put32 = [&](int off, qint32 v) { std::memcpy(h.data() + off, &v, 4); };
  auto putf = [&](int off, float v) { std::memcpy(h.data() + off, &v, 4); };
  put32(0, 348);
  const qint16 dim[8] = {3, qint16(n), qint16(n), qint16(n), 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) put16(40 + 2 * i, dim[i]);
  put16(70, datatype);
  put16(72, qint16(8 * sizeof(T)));
  for (int i = 0; i < 8; ++i) putf(76 + 4 * i, 1.0f);
  putf(108, 352);
  putf(112, 1.0f);  // scl_slope
  h[123] = 2;       // mm
  std::memcpy(h.data() + 344, "n+1", 4);
  QByteArray data(int(sizeof(T)) * n * n * n, '\0');
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const T v = value(i, j, k);
        std::memcpy(data.data() + sizeof(T) * (std::size_t(i) + std::size_t(n) * (j + n * k)), &v,
                    sizeof(T));
      }
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(h + data) == h.size() + data.size();
}

QPoint toPoint(const QPointF& p) {
  return QPoint(int(std::lround(p.x())), int(std::lround(p.y())));
}

void sendWheel(SliceView* v, const QPointF& pos, int steps, Qt::KeyboardModifiers mods = {}) {
  QWheelEvent e(pos, v->mapToGlobal(pos), QPoint(), QPoint(0, 120 * steps), Qt::NoButton, mods,
                Qt::NoScrollPhase, false);
  QApplication::sendEvent(v, &e);
}

// The voxel "(x, y, z)" of the status bar readout.
nz::Point3 readoutVoxel(const QString& text) {
  const QRegularExpressionMatch m =
      QRegularExpression(R"(voxel \((-?\d+), (-?\d+), (-?\d+)\))").match(text);
  if (!m.hasMatch()) return {-1, -1, -1};
  return {m.captured(1).toDouble(), m.captured(2).toDouble(), m.captured(3).toDouble()};
}

bool isFrameColour(QRgb c) {
  return std::abs(qRed(c) - int(kFocusFrameRgb[0] * 255)) <= 20 &&
         std::abs(qGreen(c) - int(kFocusFrameRgb[1] * 255)) <= 20 &&
         std::abs(qBlue(c) - int(kFocusFrameRgb[2] * 255)) <= 20;
}
}  // namespace

class TstViewInputGui : public QObject {
  Q_OBJECT
 private:
  MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;
  QString uint8Path_, floatPath_, stripesPath_;

  SliceView* view(ViewKind k) { return w_->viewer()->view(k); }
  bool reopen(const QString& uri) {
    QSignalSpy opened(w_, &MainWindow::datasetOpened);
    w_->openUri(uri);
    if (opened.count() == 0 && !opened.wait(30000)) return false;
    return waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000);
  }
  bool waitKnownRange(double wantHigh) {
    return waitFor(
        [&] {
          double lo, hi;
          return w_->viewLinks()->knownRange(lo, hi) && hi >= wantHigh;
        },
        10000);
  }
  void rightDrag(SliceView* v, QPoint from, QPoint to) {
    QTest::mousePress(v, Qt::RightButton, {}, from);
    QTest::mouseMove(v, (from + to) / 2);
    QTest::mouseMove(v, to);
    QTest::mouseRelease(v, Qt::RightButton, {}, to);
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    QVERIFY2(MainWindow::settingsFile().startsWith(QStringLiteral(NZ_BINARY_DIR)),
             qPrintable(MainWindow::settingsFile()));
    // uint8: a ramp 0..255 along x; float32: 0..1e6 along x, the maximum at the centre row.
    uint8Path_ = tmp_.filePath("ramp_u8.nii");
    QVERIFY(writeNifti<std::uint8_t>(uint8Path_, 32, 2,
                                     [](int i, int, int) { return std::uint8_t(i * 255 / 31); }));
    floatPath_ = tmp_.filePath("ramp_f32.nii");
    QVERIFY(writeNifti<float>(floatPath_, 32, 16, [](int i, int j, int k) {
      return j == 16 && k == 16 && i == 20 ? 1e6f : float(i) * 1e4f;
    }));
    // Stripes one voxel wide along x: 0, 255, 0, ... (interpolation shows between them).
    stripesPath_ = tmp_.filePath("stripes_u8.nii");
    QVERIFY(writeNifti<std::uint8_t>(
        stripesPath_, 16, 2, [](int i, int, int) { return std::uint8_t(i % 2 ? 255 : 0); }));
    w_ = openWindow(refdata(kPyramid), QSize(1400, 900));
    QVERIFY(w_);
    // Both options are kept in the settings: start from the defaults whatever a run left.
    w_->viewLinks()->setLinearInterpolation(false);
    w_->viewLinks()->setLinkedZoom(false);
    w_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w_));
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
  }
  void cleanupTestCase() { delete w_; }

  // Left/Right/Up/Down move the crosshair one voxel the way the arrow points on screen (Shift:
  // 10); PgUp/PgDn step the slice and leave the in-plane position alone.
  void arrowKeysMoveCrosshairInPlane() {
    QVERIFY(reopen(refdata(kPyramid)));
    SliceView* v = view(ViewKind::Coronal);
    v->setFocus();
    QVERIFY(waitFor([&] { return v->hasFocus(); }, 2000));
    const ViewAxes ax = v->axes();
    const nz::Point3 start{60, 50, 40};
    w_->state()->setCrosshair(start);
    const QPointF s0 = v->voxelToWidget(start);
    QTest::keyClick(v, Qt::Key_Right);
    nz::Point3 want = start;
    want[ax.screenX] += ax.dirX;
    QCOMPARE(w_->state()->crosshair(), want);
    QVERIFY(v->voxelToWidget(w_->state()->crosshair()).x() > s0.x());  // it went right
    QTest::keyClick(v, Qt::Key_Up);
    want[ax.screenY] += ax.dirY;
    QCOMPARE(w_->state()->crosshair(), want);
    QVERIFY(v->voxelToWidget(w_->state()->crosshair()).y() < s0.y());  // and up
    QTest::keyClick(v, Qt::Key_Left, Qt::ShiftModifier);
    want[ax.screenX] -= 10 * ax.dirX;
    QCOMPARE(w_->state()->crosshair(), want);
    QTest::keyClick(v, Qt::Key_Down, Qt::ShiftModifier);
    want[ax.screenY] -= 10 * ax.dirY;
    QCOMPARE(w_->state()->crosshair(), want);
    QTest::keyClick(v, Qt::Key_PageUp);
    const nz::Point3 after = w_->state()->crosshair();
    QVERIFY(after[ax.normal] > want[ax.normal]);
    QCOMPARE(after[ax.screenX], want[ax.screenX]);
    QCOMPARE(after[ax.screenY], want[ax.screenY]);
    QTest::keyClick(v, Qt::Key_PageDown);
    QCOMPARE(w_->state()->crosshair(), want);
    // Help → Keyboard shortcuts says so.
    const QString keys = w_->shortcutsText();
    QVERIFY(keys.contains("Left / Right / Up / Down"));
    QVERIFY(keys.contains("Wheel, PgUp / PgDn"));
    QVERIFY(keys.contains("Shift+Home"));
  }

  // The view with keyboard focus has an orange frame; the others have none. A click moves it.
  void focusedViewIsFramed() {
    QVERIFY(reopen(refdata(kPyramid)));
    auto framed = [](SliceView* v) {
      const QImage img = frameOf(v);
      // Middle of the left and top edges, one device pixel in.
      return isFrameColour(img.pixel(1, img.height() / 2)) &&
             isFrameColour(img.pixel(img.width() / 2, 1));
    };
    view(ViewKind::Sagittal)->setFocus();
    QVERIFY(waitFor([&] { return view(ViewKind::Sagittal)->hasFocus(); }, 2000));
    QVERIFY(framed(view(ViewKind::Sagittal)));
    QVERIFY(!framed(view(ViewKind::Axial)));
    QVERIFY(!framed(view(ViewKind::Coronal)));
    w_->grab().save(shotDir() + "/view_input_focus_sagittal.png");
    SliceView* axial = view(ViewKind::Axial);
    QTest::mouseClick(axial, Qt::LeftButton, {}, QPoint(axial->width() / 2, axial->height() / 2));
    QVERIFY(waitFor([&] { return axial->hasFocus(); }, 2000));
    QVERIFY(framed(axial));
    QVERIFY(!framed(view(ViewKind::Sagittal)));
  }

  // A right drag moves window and level by (data range / 500) per pixel: the same feel on a
  // uint8 image and on a float32 image of 0..1e6. 80 px on uint8 0..117 stay near 0..117
  // (before: -107..154).
  void windowDragFollowsDataRange() {
    struct Case {
      QString path;
      double range;
    };
    for (const Case& c : {Case{uint8Path_, 255.0}, Case{floatPath_, 1e6}}) {
      QVERIFY(reopen(c.path));
      QVERIFY2(waitKnownRange(c.range), qPrintable(c.path));
      double lo, hi;
      QVERIFY(w_->viewLinks()->knownRange(lo, hi));
      QCOMPARE(lo, 0.0);
      QCOMPARE(hi, c.range);
      SliceView* v = view(ViewKind::Axial);
      QCOMPARE(v->intensityPerPixel(), c.range / 500);
      w_->state()->setRange(0, 117.0 / 255 * c.range);
      const QPoint mid(v->width() / 2, v->height() / 2);
      rightDrag(v, mid, mid + QPoint(80, 0));  // wider
      QVERIFY2(
          std::abs(w_->state()->window() - (117.0 / 255 + 80.0 / 500) * c.range) < 1e-6 * c.range,
          qPrintable(QString("%1: window %2").arg(c.path).arg(w_->state()->window())));
      QVERIFY(w_->state()->low() > -0.1 * c.range && w_->state()->high() < 0.56 * c.range);
      const double level = w_->state()->level();
      rightDrag(v, mid, mid + QPoint(0, -50));  // up: a higher level
      QVERIFY(std::abs(w_->state()->level() - (level + 50.0 / 500 * c.range)) < 1e-6 * c.range);
    }
  }

  // "Full range" is min..max of every voxel loaded: the float image's single 1e6 voxel, and on
  // the pyramid more than the coarse level's maximum (3999 in the reference manifest; before
  // this, Full range stopped there).
  void fullRangeReachesLoadedExtremes() {
    QVERIFY(reopen(floatPath_));
    w_->state()->setCrosshair({10, 16, 16});  // the 1e6 voxel is in the axial and coronal planes
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 10000));
    auto* full = w_->findChild<QPushButton*>("fullRangeButton");
    QVERIFY(full);
    QTest::mouseClick(full, Qt::LeftButton);
    QVERIFY(waitFor([&] { return w_->state()->high() == 1e6; }, 10000));
    QCOMPARE(w_->state()->low(), 0.0);

    QVERIFY(reopen(refdata(kPyramid)));
    w_->state()->setCrosshair({75, 60, 48});
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    // The loaded chunks' extremes, read here voxel by voxel.
    double lo = 1e300, hi = -1e300;
    const auto& info = w_->source()->dataset()->info();
    for (const auto& [key, vol] : w_->source()->chunks(-1))
      for (std::size_t i = 0; i < vol->voxelCount(); ++i) {
        const double v = info.scaled(nz::readAsDouble(vol->data.data(), vol->dtype, i));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    QVERIFY2(hi > 3999, qPrintable(QString::number(hi)));  // level 0 reaches above level 3
    QVERIFY(hi <= 65535 && lo >= 800);                     // manifest: level 0 is 800..65535
    QTest::mouseClick(full, Qt::LeftButton);
    QVERIFY2(waitFor([&] { return w_->state()->high() == hi; }, 10000),
             qPrintable(QString("high %1, want %2").arg(w_->state()->high()).arg(hi)));
    QCOMPARE(w_->state()->low(), lo);
  }

  // Nearest shows each voxel as a flat square; linear blends between voxel centres. Stripes
  // 0/255 zoomed to ~24 px per voxel, window 0..255: a pixel 0.3 voxel from a 0-voxel's centre
  // towards a 255-voxel is 0 with nearest and ~77 with linear. The check box and the View menu
  // action are one setting.
  void interpolationToggle() {
    QVERIFY(reopen(stripesPath_));
    ViewLinks* links = w_->viewLinks();
    auto* check = w_->findChild<QCheckBox*>("linearCheck");
    QVERIFY(check && links->linearAction());
    check->setChecked(false);
    QVERIFY(!links->linearAction()->isChecked());
    SliceView* v = view(ViewKind::Axial);
    const ViewAxes ax = v->axes();
    QCOMPARE(ax.screenX, 0);  // stripes run across the screen
    w_->state()->setRange(0, 255);
    w_->state()->setCrosshair({8, 8, 8});
    v->setZoom(24, v->voxelToWidget({8, 8, 8}));
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 10000));
    // Sampled on row y = 10, away from the crosshair lines (x = 8, y = 8): voxel 6 is 0, 7 is 255.
    auto greyAt = [&](double x) {
      const QImage img = frameOf(v);
      const QPointF p = v->voxelToWidget({x, 10, 8}) * v->devicePixelRatioF();
      return qRed(img.pixel(toPoint(p)));
    };
    QCOMPARE(greyAt(6), 0);
    QCOMPARE(greyAt(6.3), 0);
    QCOMPARE(greyAt(7), 255);
    frameOf(v).save(shotDir() + "/view_input_nearest.png");
    links->linearAction()->trigger();
    QVERIFY(check->isChecked());
    QVERIFY(v->linearInterpolation());
    const int linearNear = greyAt(6.3);
    QVERIFY2(std::abs(linearNear - 77) <= 20, qPrintable(QString::number(linearNear)));
    QVERIFY(std::abs(greyAt(6.5) - 128) <= 20);
    QVERIFY(greyAt(7) >= 245);  // the voxel's centre keeps its value
    frameOf(v).save(shotDir() + "/view_input_linear.png");
    check->setChecked(false);
    QVERIFY(!v->linearInterpolation());
    QCOMPARE(greyAt(6.3), 0);
  }

  // Linked zoom: Ctrl+wheel in one view gives the others the same scale, each about the
  // crosshair (it stays where it was on their screens). Off: the others keep theirs.
  void linkedZoomAcrossViews() {
    QVERIFY(reopen(refdata(kPyramid)));
    ViewLinks* links = w_->viewLinks();
    auto* check = w_->findChild<QCheckBox*>("linkedZoomCheck");
    QVERIFY(check);
    check->setChecked(true);
    QVERIFY(links->linkedZoom());
    SliceView *a = view(ViewKind::Axial), *c = view(ViewKind::Coronal),
              *s = view(ViewKind::Sagittal);
    const nz::Point3 x = w_->state()->crosshair();
    const QPointF cBefore = c->voxelToWidget(x), sBefore = s->voxelToWidget(x);
    const double z0 = a->zoom();
    sendWheel(a, QPointF(a->width() / 3.0, a->height() / 3.0), 2, Qt::ControlModifier);
    QVERIFY(std::abs(a->zoom() - z0 * 1.44) < 1e-9 * z0);
    QCOMPARE(c->zoom(), a->zoom());
    QCOMPARE(s->zoom(), a->zoom());
    QVERIFY((c->voxelToWidget(x) - cBefore).manhattanLength() < 1e-6);
    QVERIFY((s->voxelToWidget(x) - sBefore).manhattanLength() < 1e-6);
    check->setChecked(false);
    const double cz = c->zoom();
    sendWheel(a, QPointF(a->width() / 2.0, a->height() / 2.0), -1, Qt::ControlModifier);
    QVERIFY(a->zoom() < cz);
    QCOMPARE(c->zoom(), cz);
  }

  // A view never zoomed or panned refits when the window changes size; a zoomed one keeps its
  // zoom and centre. Home fits the view under the pointer (even when another has focus), else
  // the focused one; Shift+Home fits all and resets the window.
  void refitOnResizeAndHome() {
    QVERIFY(reopen(refdata(kPyramid)));
    for (SliceView* v : w_->viewer()->views()) QVERIFY(!v->userAdjusted());
    SliceView *a = view(ViewKind::Axial), *c = view(ViewKind::Coronal),
              *s = view(ViewKind::Sagittal);
    const int aw = a->width();
    w_->resize(1200, 780);
    QVERIFY(waitFor([&] { return a->width() < aw; }, 5000));
    QTest::qWait(50);
    for (SliceView* v : w_->viewer()->views()) QCOMPARE(v->zoom(), v->fitZoom());
    a->setZoom(a->zoom() * 2, QPointF(10, 10));
    const double az = a->zoom();
    const QPointF ac = a->center();
    const int sw = s->width();
    w_->resize(1400, 900);
    QVERIFY(waitFor([&] { return s->width() > sw; }, 5000));
    QTest::qWait(50);
    QCOMPARE(a->zoom(), az);
    QCOMPARE(a->center(), ac);
    QCOMPARE(c->zoom(), c->fitZoom());
    QCOMPARE(s->zoom(), s->fitZoom());

    // Home with the pointer over the axial view while the sagittal one has focus.
    s->setZoom(s->zoom() * 3, QPointF(20, 20));
    s->setFocus();
    QVERIFY(waitFor([&] { return s->hasFocus(); }, 2000));
    QTest::mouseMove(a, QPoint(a->width() / 2, a->height() / 2));
    QCOMPARE(w_->viewLinks()->hoveredView(), a);
    QTest::keyClick(s, Qt::Key_Home);
    QCOMPARE(a->zoom(), a->fitZoom());
    QVERIFY(!a->userAdjusted());
    QVERIFY(s->userAdjusted());
    // Pointer gone: the focused view.
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(a, &leave);
    QVERIFY(!w_->viewLinks()->hoveredView());
    QTest::keyClick(s, Qt::Key_Home);
    QCOMPARE(s->zoom(), s->fitZoom());
    // Shift+Home: every view, and the window back to Auto.
    a->setZoom(a->zoom() * 2, QPointF(5, 5));
    c->panBy(QPointF(30, 0));
    w_->state()->setRange(0, 10);
    QTest::keyClick(s, Qt::Key_Home, Qt::ShiftModifier);
    for (SliceView* v : w_->viewer()->views()) QVERIFY(!v->userAdjusted());
    QVERIFY(w_->state()->high() > 1000);  // Auto of 800..4000 data, not 0..10
  }

  // The status bar readout follows wheel slice steps under a still pointer, value included.
  void readoutFollowsWheelSteps() {
    QVERIFY(reopen(refdata(kPyramid)));
    SliceView* a = view(ViewKind::Axial);
    auto* label = w_->findChild<QLabel*>("cursorLabel");
    QVERIFY(label);
    const QPoint pos(a->width() / 2 + 17, a->height() / 2 - 9);
    QTest::mouseMove(a, pos);
    QVERIFY(waitFor([&] { return label->text().startsWith("voxel"); }, 2000));
    const nz::Point3 before = readoutVoxel(label->text());
    const int normal = a->axes().normal;
    QCOMPARE(before[normal], w_->state()->crosshair()[normal]);
    sendWheel(a, QPointF(pos), 3);
    const double want = w_->state()->crosshair()[normal];
    QVERIFY(want > before[normal]);
    QVERIFY2(waitFor([&] { return readoutVoxel(label->text())[normal] == want; }, 5000),
             qPrintable(label->text()));
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    QVERIFY(waitFor([&] { return !label->text().contains("loading"); }, 5000));
    const double value = a->valueAt(QPointF(pos));
    QVERIFY(std::isfinite(value));
    QVERIFY2(label->text().contains(QString("value %1").arg(value, 0, 'g', 6)),
             qPrintable(label->text()));
    // In-plane position unchanged.
    const nz::Point3 after = readoutVoxel(label->text());
    QCOMPARE(after[a->axes().screenX], before[a->axes().screenX]);
    QCOMPARE(after[a->axes().screenY], before[a->axes().screenY]);
  }

  // While an export runs, the views' loader uses 4 connections (the export has the link);
  // afterwards it is back to its default. The export itself writes its file.
  void exportTakesPriority() {
    QVERIFY(reopen(refdata(kPyramid)));
    const std::size_t normal = w_->source()->metrics().maxInFlight;
    QCOMPARE(normal, nz::LoaderOptions{}.maxInFlight);
    std::vector<std::pair<int, std::size_t>> seen;
    auto conn = connect(ExportActivity::instance(), &ExportActivity::runningChanged, this,
                        [&](int n) { seen.emplace_back(n, w_->source()->metrics().maxInFlight); });
    const auto ds = w_->source()->dataset();
    nz::ExportRequest req;
    req.roi = nz::parseRoiText("10:42,20:52,5:37", ds->info().levels[0].shape);
    const QString out = tmp_.filePath("priority.nii");
    ExportJob job(w_->source()->uri(), {}, nz::planExport(ds->info(), req), out, {});
    QSignalSpy done(&job, &ExportJob::finished);
    job.start();
    QVERIFY(done.wait(30000));
    disconnect(conn);
    QVERIFY(done.first().at(0).toBool());
    QCOMPARE(QFileInfo(out).size(), qint64(352 + 32 * 32 * 32 * 2));
    QCOMPARE(seen.size(), std::size_t(2));
    QCOMPARE(seen[0], (std::pair<int, std::size_t>(1, 4)));
    QCOMPARE(seen[1], (std::pair<int, std::size_t>(0, normal)));
  }
};

QTEST_MAIN(TstViewInputGui)
#include "tst_view_input_gui.moc"
