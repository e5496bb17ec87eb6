// The viewer and the disk cache (Xvfb, nginx fixture): "Pin for offline" fills and pins the
// cache; an --offline window then shows exactly the same pictures with no request to the
// server; a half-pinned ROI shows its part and reports the rest as failed chunks with a
// message naming the missing object; the settings dialog shows the cache size and clears it.
// The cache directory is a temporary one; settings go to Qt's test settings path.
#include <QLabel>
#include <QMenuBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "../viewer/viewer_test_util.h"
#include "cache_test_util.h"
#include "data/data_source.h"
#include "open/store_factory.h"
#include "viewer/cache/cache_controller.h"
#include "viewer/cache/cache_settings_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"

using namespace nztest;
using nzviewer_test::waitFor;

namespace {

bool complete(nzviewer::MainWindow* w) {
  const nz::LoaderMetrics m = w->source()->metrics();
  // The views compose on their workers: complete once the newest pictures are applied too.
  return m.visibleWanted > 0 && m.visibleAvailable + m.failed >= m.visibleWanted &&
         m.inFlight == 0 && m.queueLength == 0 && w->viewer()->allViewsComplete();
}

// Waits until every view shows its data (loader idle, then two more event-loop rounds of
// rendering), then grabs the three views.
std::vector<QImage> frames(nzviewer::MainWindow* w) {
  waitFor([&] { return complete(w); }, 30000);
  QTest::qWait(400);
  std::vector<QImage> out;
  for (nzviewer::SliceView* v : w->viewer()->views()) out.push_back(nzviewer_test::frameOf(v));
  return out;
}

nz::DiskCacheSettings cacheAt(const QString& dir, bool offline) {
  nz::DiskCacheSettings s;
  s.enabled = true;
  s.dir = dir.toStdString();
  s.offline = offline;
  return s;
}

}  // namespace

class TstCacheGui : public QObject {
  Q_OBJECT
  AccessLog log_;

  nzviewer::CacheController* controller(nzviewer::MainWindow* w) {
    return w->findChild<nzviewer::CacheController*>();
  }
  bool pin(nzviewer::MainWindow* w, bool useRoi, QString* message) {
    auto* c = controller(w);
    QSignalSpy done(c, &nzviewer::CacheController::pinFinished);
    c->pinForOffline(useRoi, false);
    if (!done.wait(60000)) return false;
    *message = done.first().at(1).toString();
    return done.first().at(0).toBool();
  }

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void cleanup() { nz::setDefaultDiskCache({}); }

  void pinThenOfflineShowsTheSamePictures() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir cache;
    nz::setDefaultDiskCache(cacheAt(cache.path(), false));
    std::unique_ptr<nzviewer::MainWindow> online(
        nzviewer_test::openWindow(ds.url, QSize(1100, 800)));
    QVERIFY(online);
    QVERIFY(controller(online.get()));
    QVERIFY(waitFor([&] { return complete(online.get()); }, 30000));
    const std::vector<QImage> want = frames(online.get());
    // Something is drawn: the phantom's bright ellipse covers much of the axial view.
    int bright = 0;
    for (int y = 0; y < want[0].height(); y += 2)
      for (int x = 0; x < want[0].width(); x += 2) bright += qRed(want[0].pixel(x, y)) > 100;
    QVERIFY2(bright > 1000, qPrintable(QString("axial view nearly empty (%1)").arg(bright)));
    QString message;
    QVERIFY2(pin(online.get(), false, &message), qPrintable(message));
    QVERIFY2(message.startsWith("Pinned "), qPrintable(message));
    QVERIFY(cacheEntries(cache.path(), "*.pin").size() >= 40);
    online.reset();

    nz::setDefaultDiskCache(cacheAt(cache.path(), true));
    const qint64 mark = log_.mark();
    std::unique_ptr<nzviewer::MainWindow> offline(
        nzviewer_test::openWindow(ds.url, QSize(1100, 800)));
    QVERIFY(offline);
    QVERIFY(waitFor([&] { return complete(offline.get()); }, 30000));
    QCOMPARE(offline->source()->metrics().failed, std::uint64_t(0));
    const std::vector<QImage> got = frames(offline.get());
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i] != want[i]) {
        want[i].save(nzviewer_test::shotDir() + QString("/cache_online_%1.png").arg(i));
        got[i].save(nzviewer_test::shotDir() + QString("/cache_offline_%1.png").arg(i));
      }
      QVERIFY2(got[i] == want[i], qPrintable(QString("view %1 differs offline").arg(i)));
    }
    QVERIFY2(log_.since(mark, ds.pathInLog).isEmpty(), "the offline viewer asked the server");
    auto* label = controller(offline.get())->statusLabel();
    QVERIFY(waitFor([&] { return label->text().startsWith("offline · disk "); }, 2000));
    offline->grab().save(nzviewer_test::shotDir() + "/cache_offline_pinned.png");
  }

  void offlineHalfPinnedRoiShowsItsPartAndNamesTheRest() {
    ServedCopy ds("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir cache;
    nz::setDefaultDiskCache(cacheAt(cache.path(), false));
    std::unique_ptr<nzviewer::MainWindow> online(
        nzviewer_test::openWindow(ds.url, QSize(1100, 800)));
    QVERIFY(online);
    auto* rois = online->findChild<nzviewer::RoiController*>();
    QVERIFY(rois);
    const nz::Index5 shape = online->source()->dataset()->info().shape;
    nz::Box half;
    half.begin = {0, 0, 0, 0, 0};
    half.end = {shape[0] / 2, shape[1], shape[2], 1, 1};
    rois->model()->add(half, "left half");
    QString message;
    QVERIFY2(pin(online.get(), true, &message), qPrintable(message));
    online.reset();
    // Keep only the pinned entries: what a demo machine has after eviction.
    QVERIFY(cli({"cache", "clear", "--keep-pinned", "--cache-dir", cache.path()}).rc == 0);

    nz::setDefaultDiskCache(cacheAt(cache.path(), true));
    std::unique_ptr<nzviewer::MainWindow> offline(
        nzviewer_test::openWindow(ds.url, QSize(1100, 800)));
    QVERIFY(offline);
    QVERIFY(waitFor([&] { return complete(offline.get()); }, 30000));
    const nz::LoaderMetrics m = offline->source()->metrics();
    QVERIFY2(m.failed > 0 && m.visibleAvailable > 0,
             qPrintable(QString("failed %1 available %2").arg(m.failed).arg(m.visibleAvailable)));
    waitFor([&] { return !offline->source()->lastChunkError().isEmpty(); }, 10000);
    const QString error = offline->source()->lastChunkError();
    QVERIFY2(error.contains("offline: " + ds.url + "/") && error.contains("not in the disk cache"),
             qPrintable("last chunk error: " + error));
    offline->grab().save(nzviewer_test::shotDir() + "/cache_offline_half.png");
  }

  void settingsDialogShowsSizeAndClears() {
    ServedCopy ds("f_zstd_via_zlib_option.nii.zarr");
    QTemporaryDir cache;
    QVERIFY(cli({"prefetch", ds.url, "--no-pin", "--cache-dir", cache.path()}).rc == 0);
    const int entries = static_cast<int>(cacheEntries(cache.path()).size());
    QVERIFY(entries > 4);
    nz::setDefaultDiskCache(cacheAt(cache.path(), false));
    nzviewer::CacheSettingsDialog dlg;
    QLabel* usage = dlg.usageLabel();
    QVERIFY(waitFor([&] { return usage->text().contains(QString("in %1 objects").arg(entries)); },
                    10000));
    dlg.clear(false);
    QVERIFY(waitFor([&] { return usage->text().startsWith("0 B in 0 objects"); }, 10000));
    QVERIFY(cacheEntries(cache.path()).isEmpty());
  }
};

QTEST_MAIN(TstCacheGui)
#include "tst_cache_gui.moc"
