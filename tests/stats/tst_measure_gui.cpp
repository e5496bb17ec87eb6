// The measuring tools in the viewer (Xvfb): the Statistics dock's numbers equal
// `nzview-cli stats`, per-label rows and "ROI from label", cancel leaves no thread running,
// histogram drags set the display window, and a ruler on an oblique scan measures the world
// distance computed here from the file's sform.
#include <QCheckBox>
#include <QDockWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "data/data_source.h"
#include "measure/histogram_widget.h"
#include "measure/measure_controller.h"
#include "measure/profile_plot.h"
#include "measure/ruler_model.h"
#include "measure/ruler_overlay.h"
#include "measure/ruler_panel.h"
#include "measure/stats_job.h"
#include "measure/stats_panel.h"
#include "measure_window_fixture.h"
#include "model/viewer_state.h"
#include "ui/main_window.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using nzviewer_test::refdata;
using nzviewer_test::waitFor;

class TstMeasureGui : public QObject, MeasureWindowFixture {
  Q_OBJECT

  RoiModel* rois() const { return w_->findChild<RoiController*>()->model(); }

  static QJsonObject cliStats(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
            QStringList{"stats"} + args + QStringList{"--json"});
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
      qWarning("cli failed: %s", p.readAllStandardError().constData());
      return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
  }

  bool computeAndWait(StatsPanel* panel) {
    QSignalSpy done(panel, &StatsPanel::computed);
    QSignalSpy failed(panel, &StatsPanel::computeFailed);
    panel->compute();
    return waitFor([&] { return done.count() + failed.count() > 0; }, 60000) && done.count() == 1;
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(tmp_.isValid());
  }
  void cleanupTestCase() { closeWindow(); }

  // Statistics of an ROI at level 0 and at level 1 equal the CLI's, field by field.
  void statsDockEqualsCli() {
    const QString uri = refdata("b_int16_scl_qform.nii.zarr");
    QVERIFY(openDataset(uri));
    QVERIFY(measure());
    StatsPanel* panel = measure()->statsPanel();
    nz::Box box;
    box.begin = {3, 4, 2, 0, 0};
    box.end = {41, 33, 27, 1, 1};
    rois()->add(box, "test roi");
    for (int level : {0, 1}) {
      panel->setLevelChoice(level);
      QVERIFY(computeAndWait(panel));
      const QJsonObject dock = QJsonDocument::fromJson(panel->lastJson().toUtf8()).object();
      QCOMPARE(dock["level"].toInt(), level);
      const QString roi = dock["roi_text"].toString();
      const QJsonObject cli = cliStats({uri, "--level", QString::number(level), "--roi", roi});
      QVERIFY(!cli.isEmpty());
      for (const char* k : {"voxels", "nan_count", "min", "max", "mean", "std", "median",
                            "volume_mm3", "percentiles", "roi"})
        QVERIFY2(
            dock[k] == cli[k],
            qPrintable(
                QString("%1 at level %2: dock %3, cli %4")
                    .arg(k)
                    .arg(level)
                    .arg(QJsonDocument(QJsonObject{{"v", dock[k]}}).toJson(QJsonDocument::Compact))
                    .arg(
                        QJsonDocument(QJsonObject{{"v", cli[k]}}).toJson(QJsonDocument::Compact))));
    }
    // The level used is shown; the table names the scaled numbers.
    QVERIFY(panel->findChild<QLabel*>("statsLevelUsed")->text().startsWith("Level 1"));
    auto* table = panel->findChild<QTableWidget*>("statsTable");
    QVERIFY(table->rowCount() > 10);
    QCOMPARE(table->item(0, 0)->text(), QString("Level"));
    // Auto level: a small ROI is computed at level 0 (exact).
    panel->setLevelChoice(-1);
    QVERIFY(computeAndWait(panel));
    QCOMPARE(panel->lastStats()->level, 0);
    w_->grab().save(nzviewer_test::shotDir() + "/measure_stats.png");
  }

  // A label layer: per-label voxels equal the CLI's --per-label; ROI from label adds the box
  // (label bbox + margin) and Zoom to label moves the crosshair into it.
  void labelLayerTable() {
    const QString uri = refdata("a_uint8_oblique_sform.nii.zarr");
    QVERIFY(openDataset(uri));
    DataSource* src = w_->source();
    const int id = src->addLayer(uri, {}, LayerKind::Labels);
    QVERIFY(waitFor([&] { return src->layer(id) != nullptr; }, 30000));
    StatsPanel* panel = measure()->statsPanel();
    panel->setTarget(1);
    panel->setLevelChoice(0);
    QVERIFY(computeAndWait(panel));
    const QJsonObject dock = QJsonDocument::fromJson(panel->lastJson().toUtf8()).object();
    const QJsonObject cli = cliStats({uri, "--per-label"});
    QVERIFY(dock["labels"].isArray());
    QCOMPARE(dock["labels"], cli["labels"]);
    auto* labels = panel->findChild<QTableWidget*>("statsLabels");
    QCOMPARE(labels->rowCount(), int(cli["labels"].toArray().size()));
    const int row = 5;
    const QJsonObject l = cli["labels"].toArray()[row].toObject();
    QCOMPARE(labels->item(row, 2)->text().toLongLong(), l["voxels"].toInteger());
    const int before = int(rois()->rois().size());
    panel->roiFromLabel(row);
    QCOMPARE(int(rois()->rois().size()), before + 1);
    const nz::Box& b = rois()->rois().back().roi.box;
    const QJsonArray bbox = l["bbox"].toArray();
    for (int a = 0; a < 3; ++a) {
      // Same grid: the box is the label's bounding box grown by the margin (>= 2 voxels).
      QVERIFY(b.begin[a] <= bbox[a].toArray()[0].toInteger() -
                                std::min<qint64>(2, bbox[a].toArray()[0].toInteger()));
      QVERIFY(b.end[a] >= std::min<qint64>(bbox[a].toArray()[1].toInteger() + 2,
                                           w_->source()->dataset()->info().shape[a]));
    }
    panel->zoomToLabel(row);
    const nz::Point3 c = w_->state()->crosshair();
    for (int a = 0; a < 3; ++a)
      QVERIFY(c[a] >= bbox[a].toArray()[0].toInteger() && c[a] < bbox[a].toArray()[1].toInteger());
    src->removeLayer(id);
  }

  // Cancel: the job stops, reports "Cancelled", and its thread is joined.
  void cancelLeavesNothingRunning() {
    const QString nii = tmp_.filePath("big.nii");
    QProcess py;
    py.start("/usr/bin/python3", {"-c",
                                  "import sys, numpy as np, nibabel as nib\n"
                                  "a = np.random.default_rng(1).standard_cauchy((160, 160, 160))\n"
                                  "nib.save(nib.Nifti1Image(a, np.eye(4)), sys.argv[1])\n",
                                  nii});
    QVERIFY(py.waitForFinished(120000) && py.exitCode() == 0);
    QVERIFY(openDataset(nii));
    StatsPanel* panel = measure()->statsPanel();
    panel->setTarget(0);
    panel->setLevelChoice(0);
    QSignalSpy failed(panel, &StatsPanel::computeFailed);
    QSignalSpy done(panel, &StatsPanel::computed);
    panel->compute();
    QVERIFY(panel->running());
    QTest::qWait(30);
    panel->cancel();
    QVERIFY(waitFor([&] { return failed.count() + done.count() > 0; }, 10000));
    if (failed.count()) {
      QVERIFY(failed.first().first().toString().contains("cancel"));
      QCOMPARE(panel->findChild<QLabel*>("statsStatus")->text(), QString("Cancelled."));
    }
    QVERIFY(!panel->running());
    // The worker stops on its own (the GUI thread never joins it): within a second.
    QVERIFY(waitFor([&] { return panel->job()->liveThreads() == 0; }, 1000));
    // A new computation afterwards still works and completes.
    QVERIFY(computeAndWait(panel));
    QCOMPARE(panel->lastStats()->voxels, std::uint64_t(160 * 160 * 160));
    QVERIFY(waitFor([&] { return panel->job()->liveThreads() == 0; }, 1000));
  }

  // The histogram fills, and dragging on it moves the window's ends.
  void histogramDragSetsWindow() {
    QVERIFY(openDataset(refdata("e_uint16_pyramid_4levels.nii.zarr")));
    HistogramWidget* h = measure()->histogram();
    QVERIFY(h->isVisible());
    QVERIFY(waitFor([&] { return h->hasData() && h->histogram().level <= 1; }, 30000));
    ViewerState* st = w_->state();
    const nz::Histogram& hist = h->histogram();
    std::uint64_t total = 0;
    for (auto c : hist.counts) total += c;
    const auto& s = w_->source()->dataset()->info().levels[std::size_t(hist.level)].shape;
    QCOMPARE(total, std::uint64_t(s[0] * s[1] * s[2]));
    // Drag across: a new window from the press to the release.
    const int y = h->height() / 2;
    const QPoint p0(int(h->width() * 0.25), y), p1(int(h->width() * 0.7), y);
    QTest::mousePress(h, Qt::LeftButton, {}, p0);
    QTest::mouseMove(h, p1);
    QTest::mouseRelease(h, Qt::LeftButton, {}, p1);
    QVERIFY(std::fabs(st->low() - h->valueAtX(p0.x())) <
            1e-6 * std::fabs(hist.hi - hist.lo) + 1e-9);
    QVERIFY(std::fabs(st->high() - h->valueAtX(p1.x())) <
            1e-6 * std::fabs(hist.hi - hist.lo) + 1e-9);
    // Drag the high line to the right: only the high end moves.
    const double lowBefore = st->low();
    const QPoint q0(int(std::lround(h->xOfValue(st->high()))), y), q1(int(h->width() * 0.9), y);
    QTest::mousePress(h, Qt::LeftButton, {}, q0);
    QTest::mouseMove(h, q1);
    QTest::mouseRelease(h, Qt::LeftButton, {}, q1);
    QCOMPARE(st->low(), lowBefore);
    QVERIFY(std::fabs(st->high() - h->valueAtX(q1.x())) <
            1e-6 * std::fabs(hist.hi - hist.lo) + 1e-9);
    // Log scale is an option of the display only.
    h->parentWidget()->findChild<QCheckBox*>("histogramLog")->setChecked(true);
    QVERIFY(h->logScale());
    w_->grab().save(nzviewer_test::shotDir() + "/measure_histogram.png");
  }

  // A ruler drawn with the mouse on the oblique scan: its length is the world distance of its
  // ends through the sform (from the reference manifest), not a voxel count.
  void rulerLengthOnObliqueScan() {
    QVERIFY(openDataset(refdata("a_uint8_oblique_sform.nii.zarr")));
    QFile mf(refdata("manifest.json"));
    QVERIFY(mf.open(QIODevice::ReadOnly));
    const QJsonArray sform = QJsonDocument::fromJson(mf.readAll())
                                 .object()["datasets"]
                                 .toObject()["a_uint8_oblique_sform"]
                                 .toObject()["sform"]
                                 .toArray();
    QCOMPARE(sform.size(), 4);
    RulerModel* model = measure()->rulers();
    measure()->rulerOverlay()->setToolActive(true);
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPointF p0(v->width() * 0.3, v->height() * 0.35),
        p1(v->width() * 0.66, v->height() * 0.6);
    QTest::mousePress(v, Qt::LeftButton, {}, p0.toPoint());
    QTest::mouseMove(v, ((p0 + p1) / 2).toPoint());
    QTest::mouseMove(v, p1.toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, {}, p1.toPoint());
    QCOMPARE(int(model->rulers().size()), 1);
    const Ruler& r = model->rulers()[0];
    const nz::Point3 a = v->widgetToVoxel(p0.toPoint()), b = v->widgetToVoxel(p1.toPoint());
    for (int i = 0; i < 3; ++i) {
      QVERIFY(std::fabs(r.a[i] - a[i]) < 1e-9);
      QVERIFY(std::fabs(r.b[i] - b[i]) < 1e-9);
    }
    double d2 = 0;
    for (int row = 0; row < 3; ++row) {
      double w = 0;
      for (int col = 0; col < 3; ++col)
        w += sform[row].toArray()[col].toDouble() * (r.b[std::size_t(col)] - r.a[std::size_t(col)]);
      d2 += w * w;
    }
    const double expected = std::sqrt(d2);
    QVERIFY(expected > 5);
    QVERIFY2(std::fabs(model->lengthMm(0) - expected) < 1e-4,
             qPrintable(QString("%1 vs %2").arg(model->lengthMm(0)).arg(expected)));
    // Not the voxel-count distance: the sform shears and scales.
    double vox = 0;
    for (int i = 0; i < 3; ++i)
      vox +=
          (r.b[std::size_t(i)] - r.a[std::size_t(i)]) * (r.b[std::size_t(i)] - r.a[std::size_t(i)]);
    QVERIFY(std::fabs(std::sqrt(vox) - expected) > 0.1);
    // Listed with its length; the profile has samples; Delete removes it.
    auto* list = measure()->rulerPanel()->findChild<QListWidget*>("rulerList");
    QCOMPARE(list->count(), 1);
    QVERIFY(list->item(0)->text().contains(QString::number(expected, 'f', 2) + " mm"));
    QVERIFY(measure()->rulerPanel()->profile()->values().size() > 10);
    int finite = 0;
    for (double x : measure()->rulerPanel()->profile()->values()) finite += std::isfinite(x);
    QVERIFY(finite > 10);
    w_->grab().save(nzviewer_test::shotDir() + "/measure_ruler.png");
    // A second ruler, then delete the first.
    QTest::mousePress(v, Qt::LeftButton, {}, QPoint(int(v->width() * 0.4), int(v->height() * 0.4)));
    QTest::mouseMove(v, QPoint(int(v->width() * 0.5), int(v->height() * 0.7)));
    QTest::mouseRelease(v, Qt::LeftButton, {},
                        QPoint(int(v->width() * 0.5), int(v->height() * 0.7)));
    QCOMPARE(list->count(), 2);
    model->remove(0);
    QCOMPARE(list->count(), 1);
    QVERIFY(list->item(0)->text().startsWith("Ruler 2"));
    // Saved with the ROI list (which `nzview-cli export --rois` still reads), and loaded back.
    nz::Box box;
    box.begin = {2, 2, 2, 0, 0};
    box.end = {20, 20, 20, 1, 1};
    rois()->add(box, "r");
    const double kept = model->lengthMm(0);
    const QString file = tmp_.filePath("rois.json");
    auto* roiCtl = w_->findChild<RoiController*>();
    QString err;
    QVERIFY2(roiCtl->saveRois(file, &err), qPrintable(err));
    QFile saved(file);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QJsonObject doc = QJsonDocument::fromJson(saved.readAll()).object();
    QCOMPARE(doc["rulers"].toArray().size(), 1);
    QVERIFY(std::fabs(doc["rulers"].toArray()[0].toObject()["length_mm"].toDouble() - kept) < 1e-9);
    QProcess cli;
    cli.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
              {"export", refdata("a_uint8_oblique_sform.nii.zarr"), "--rois", file, "-o",
               tmp_.filePath("out"), "--dry-run"});
    QVERIFY(cli.waitForFinished(60000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    model->clear();
    QCOMPARE(list->count(), 0);
    QVERIFY2(roiCtl->loadRois(file, &err), qPrintable(err));
    QCOMPARE(list->count(), 1);
    QVERIFY(std::fabs(model->lengthMm(0) - kept) < 1e-9);
    // A click without a drag adds nothing.
    QTest::mouseClick(v, Qt::LeftButton, {}, QPoint(int(v->width() * 0.5), int(v->height() * 0.5)));
    QCOMPARE(list->count(), 1);
    measure()->rulerOverlay()->setToolActive(false);
  }
};

QTEST_MAIN(TstMeasureGui)
#include "tst_measure_gui.moc"
