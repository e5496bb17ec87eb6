#pragma once
// Shared helpers of the viewer tests.
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QObject>
#include <QSignalSpy>
#include <QString>
#include <QTimer>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>

#include "render/vtk_gl_widget.h"
#include "store/store_options.h"
#include "ui/main_window.h"
#include "views/slice_view.h"

namespace nzviewer_test {

// A reference dataset of tests/data/refdata (the tests depend on nothing outside the repository).
inline QString refdata(const QString& name) {
  return QStringLiteral(NZ_TEST_DATA_DIR "/refdata/") + name;
}

// Spins the event loop until `cond` holds or `timeoutMs` passed; returns cond().
inline bool waitFor(const std::function<bool()>& cond, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!cond()) {
    if (t.elapsed() > timeoutMs) return false;
    QTest::qWait(10);
  }
  return true;
}

// Where GUI tests save screenshots (build/tests/viewer-shots).
inline QString shotDir() {
  const QString d = QStringLiteral(NZ_BINARY_DIR "/tests/viewer-shots");
  QDir().mkpath(d);
  return d;
}

// A freshly rendered frame of a view (waits for the render it asks for).
inline QImage frameOf(nzviewer::SliceView* v) {
  const int before = v->renderCount();
  v->requestRender();
  waitFor([&] { return v->renderCount() > before; }, 5000);
  return v->grabFramebuffer().convertToFormat(QImage::Format_ARGB32);
}

// Screen pixels of `v` at 12 voxels around `crosshair` against their values with the grey map
// and window [0, windowHigh]: `scaledValue(x, y, z)` gives a voxel's scaled value (nullopt when
// it cannot be checked). Adds to `checked`; returns the first mismatch, empty when all match.
inline QString greyPixelsMatch(
    nzviewer::SliceView* v, const nz::Point3& crosshair, double windowHigh,
    const std::function<std::optional<double>(std::int64_t, std::int64_t, std::int64_t)>&
        scaledValue,
    int& checked) {
  const QImage img = frameOf(v);
  const nzviewer::ViewAxes& ax = v->axes();
  for (int du : {-12, -5, 7, 15})
    for (int dv : {-9, 6, 13}) {
      nz::Point3 p = crosshair;
      p[ax.screenX] += du;
      p[ax.screenY] += dv;
      const std::int64_t x = std::int64_t(p[0]), y = std::int64_t(p[1]), z = std::int64_t(p[2]);
      const QPointF wpos = v->voxelToWidget(p);
      const int px = int(std::floor(wpos.x())), py = int(std::floor(wpos.y()));
      if (px < 0 || py < 0 || px >= img.width() || py >= img.height()) continue;
      const std::optional<double> value = scaledValue(x, y, z);
      if (!value) continue;
      const int want = std::clamp(int(std::floor(*value / windowHigh * 256.0)), 0, 255);
      const QRgb got = img.pixel(px, py);
      if (std::abs(qRed(got) - want) > 1 || qRed(got) != qGreen(got) || qGreen(got) != qBlue(got) ||
          qAlpha(got) != 255)
        return QString("%1 view voxel (%2,%3,%4) value %5: want grey %6, got (%7,%8,%9)")
            .arg(nzviewer::viewKindName(v->kind()))
            .arg(x)
            .arg(y)
            .arg(z)
            .arg(*value)
            .arg(want)
            .arg(qRed(got))
            .arg(qGreen(got))
            .arg(qBlue(got));
      ++checked;
    }
  return {};
}

// A headless main window of `size`, shown and exposed, with `uri` opened (none when empty);
// nullptr (and a test warning) when the window or the dataset did not come up in time. The
// caller owns it.
inline nzviewer::MainWindow* openWindow(const QString& uri, QSize size,
                                        const nz::StoreOptions& options = {}) {
  auto* w = new nzviewer::MainWindow;
  w->setHeadless(true);
  w->resize(size);
  w->show();
  QSignalSpy opened(w, &nzviewer::MainWindow::datasetOpened);
  if (!QTest::qWaitForWindowExposed(w)) {
    qWarning("window not exposed");
  } else if (uri.isEmpty()) {
    return w;
  } else {
    w->openUri(uri, options);
    if (opened.count() > 0 || opened.wait(30000)) return w;
    qWarning("dataset %s did not open", qPrintable(uri));
  }
  delete w;
  return nullptr;
}

// Longest gap between ticks of a 1 ms timer: how long the event loop was blocked. The
// non-paint gap subtracts the time spent in software-GL rendering and painting
// (VtkGlWidget::totalPaintNs), which dominates on llvmpipe; what is left is the viewer's own work
// and Qt's composition of the window (and waits) per event.
class StallDetector : public QObject {
 public:
  StallDetector() {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(1);
    connect(&timer_, &QTimer::timeout, this, [this] { tick(); });
  }
  double maxGapMs() const { return maxGapMs_; }
  double maxNonPaintGapMs() const { return maxNonPaintGapMs_; }
  // When the longest non-paint gap ended, in ms since start() (to tell an open from streaming).
  double maxNonPaintGapEndMs() const { return maxNonPaintEndMs_; }
  // The first gap is measured from start(), so a call made right after start() that blocks
  // the GUI thread (e.g. an open waiting on the network) counts.
  void start() {
    maxGapMs_ = 0;
    maxNonPaintGapMs_ = 0;
    maxNonPaintEndMs_ = 0;
    clock_.start();
    last_ = clock_.nsecsElapsed();
    lastPaint_ = nzviewer::VtkGlWidget::totalPaintNs();
    timer_.start();
  }
  double stop() {
    tick();  // the gap up to now counts too
    timer_.stop();
    return maxGapMs_;
  }

 private:
  void tick() {
    const qint64 now = clock_.nsecsElapsed();
    const qint64 paint = nzviewer::VtkGlWidget::totalPaintNs();
    maxGapMs_ = std::max(maxGapMs_, double(now - last_) / 1e6);
    const double nonPaint = double((now - last_) - (paint - lastPaint_)) / 1e6;
    if (nonPaint > maxNonPaintGapMs_) {
      maxNonPaintGapMs_ = nonPaint;
      maxNonPaintEndMs_ = double(now) / 1e6;
    }
    last_ = now;
    lastPaint_ = paint;
  }

  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = -1, lastPaint_ = 0;
  double maxGapMs_ = 0, maxNonPaintGapMs_ = 0, maxNonPaintEndMs_ = 0;
};

}  // namespace nzviewer_test
