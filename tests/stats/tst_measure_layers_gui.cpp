// The measuring tools and the layer set (Xvfb): the histogram follows the layer selected in
// the layer panel, dragging on it and both Auto buttons set that layer's window (numbers equal
// to numpy's percentiles of the same voxels, read here with nibabel), a label layer shows a
// note; rulers are saved with the ROI list when there are no ROIs and come back to 1e-4 mm.
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "data/data_source.h"
#include "layers/layer_panel.h"
#include "measure/histogram_widget.h"
#include "measure/measure_controller.h"
#include "measure/ruler_model.h"
#include "measure/stats_panel.h"
#include "measure_window_fixture.h"
#include "model/viewer_state.h"
#include "roi/roi_box.h"
#include "ui/display_panel.h"
#include "ui/main_window.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_list_panel.h"
#include "viewer/roi/roi_model.h"
#include "viewer/viewer_test_util.h"
#include "views/ortho_viewer.h"

using namespace nzviewer;
using nzviewer_test::refdata;
using nzviewer_test::waitFor;

namespace {

// numpy's percentiles (method 'linear') 0.5 and 99.5, min and max of the finite voxels of a
// reference NIfTI (level 0 of its .nii.zarr), computed by nibabel + numpy.
struct Expected {
  double p05 = NAN, p995 = NAN, min = NAN, max = NAN;
  qint64 voxels = 0;
};

Expected numpyPercentiles(const QString& niiGz) {
  QProcess py;
  py.start("/usr/bin/python3",
           {"-c",
            "import sys, json, numpy as np, nibabel as nib\n"
            "a = nib.load(sys.argv[1]).get_fdata().ravel()\n"
            "a = a[np.isfinite(a)]\n"
            "p = np.percentile(a, [0.5, 99.5])\n"
            "print(json.dumps([float(p[0]), float(p[1]), float(a.min()), float(a.max()), "
            "int(a.size)]))\n",
            niiGz});
  Expected e;
  if (!py.waitForFinished(120000) || py.exitCode() != 0) {
    qWarning("python failed: %s", py.readAllStandardError().constData());
    return e;
  }
  const QJsonArray a = QJsonDocument::fromJson(py.readAllStandardOutput()).array();
  if (a.size() != 5) return e;
  e = {a[0].toDouble(), a[1].toDouble(), a[2].toDouble(), a[3].toDouble(), a[4].toInteger()};
  return e;
}

bool near(double a, double b, double span) { return std::fabs(a - b) <= 1e-12 * span + 1e-12; }

}  // namespace

class TstMeasureLayersGui : public QObject, MeasureWindowFixture {
  Q_OBJECT

  // Selects layer `id` in the layer panel's list as a click would (-1: "Show image header").
  void selectLayer(int id) {
    auto* panel = w_->findChild<LayerPanel*>();
    if (id < 0) {
      panel->findChild<QPushButton*>("showImageHeader")->click();
      return;
    }
    auto* list = panel->findChild<QListWidget*>("layerList");
    for (int row = 0; row < list->count(); ++row)
      if (list->item(row)->data(Qt::UserRole).toInt() == id) list->setCurrentRow(row);
  }

  // The histogram of the dataset at level 0 (all its voxels counted) has arrived.
  static bool histogramOfLevel0(HistogramWidget* h, qint64 voxels) {
    if (!h->hasData() || h->histogram().level != 0) return false;
    std::uint64_t total = 0;
    for (auto c : h->histogram().counts) total += c;
    return total == std::uint64_t(voxels);
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(tmp_.isValid());
  }
  void cleanupTestCase() { closeWindow(); }

  // The reference is the uint16 pyramid; an image layer (float32) and a label layer over it.
  void histogramFollowsSelectedLayer() {
    const Expected ref = numpyPercentiles(refdata("e_uint16_pyramid_4levels.nii.gz"));
    const Expected img = numpyPercentiles(refdata("f_blosc_default_chunk64_float32.nii.gz"));
    QVERIFY(ref.voxels == 150 * 121 * 97 && img.voxels == 70 * 64 * 66);
    // Neither maximum is near its 99.5th percentile: Auto is exactly the percentiles here.
    QVERIFY(ref.max - ref.p995 > 0.1 * (ref.p995 - ref.p05));
    QVERIFY(img.max - img.p995 > 0.1 * (img.p995 - img.p05));

    QVERIFY(openDataset(refdata("e_uint16_pyramid_4levels.nii.zarr")));
    DataSource* src = w_->source();
    ViewerState* st = w_->state();
    HistogramWidget* h = measure()->histogram();
    const int imageId =
        src->addLayer(refdata("f_blosc_default_chunk64_float32.nii.zarr"), {}, LayerKind::Image);
    QVERIFY(waitFor([&] { return src->layer(imageId) != nullptr; }, 30000));
    const int labelId =
        src->addLayer(refdata("a_uint8_oblique_sform.nii.zarr"), {}, LayerKind::Labels);
    QVERIFY(waitFor([&] { return src->layer(labelId) != nullptr; }, 30000));
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 60000));
    const double refLow = st->low(), refHigh = st->high();

    // The label layer (selected when added, on top): a note, no histogram, no window.
    selectLayer(labelId);
    // The Statistics dock's target follows the selection too (0 = reference, then the layers).
    auto* target = measure()->statsPanel()->findChild<QComboBox*>("statsTarget");
    QCOMPARE(target->currentIndex(), 2);
    QVERIFY(target->currentText().startsWith("Labels: "));
    QVERIFY(waitFor([&] { return h->note().contains("label layer"); }, 5000));
    QVERIFY(!h->hasData());
    w_->findChild<QPushButton*>("autoWindowButton")->click();
    QCOMPARE(st->low(), refLow);
    QCOMPARE(st->high(), refHigh);

    // The image layer: its own histogram (its range, all its level-0 voxels).
    selectLayer(imageId);
    QCOMPARE(target->currentIndex(), 1);
    QVERIFY(waitFor([&] { return histogramOfLevel0(h, img.voxels); }, 60000));
    QCOMPARE(h->histogram().lo, img.min);
    QCOMPARE(h->histogram().hi, img.max);
    const double span = img.max - img.min;
    QVERIFY(near(h->histogram().pLow, img.p05, span));
    QVERIFY(near(h->histogram().pHigh, img.p995, span));
    // The display panel's Auto sets the layer's window to the same percentiles; the image's
    // window does not move.
    Layer* layer = src->layer(imageId);
    layer->display.low = 0.5, layer->display.high = 0.6;
    src->notifyLayerDisplayChanged();
    w_->findChild<QPushButton*>("autoWindowButton")->click();
    QVERIFY2(near(layer->display.low, img.p05, span) && near(layer->display.high, img.p995, span),
             qPrintable(QString("layer window %1..%2, numpy p0.5 %3 p99.5 %4")
                            .arg(layer->display.low, 0, 'g', 17)
                            .arg(layer->display.high, 0, 'g', 17)
                            .arg(img.p05, 0, 'g', 17)
                            .arg(img.p995, 0, 'g', 17)));
    QCOMPARE(st->low(), refLow);
    QCOMPARE(st->high(), refHigh);
    QCOMPARE(h->windowLow(), layer->display.low);
    QCOMPARE(h->windowHigh(), layer->display.high);
    // Dragging across the histogram sets the layer's window (and only the layer's).
    const int y = h->height() / 2;
    const QPoint p0(int(h->width() * 0.2), y), p1(int(h->width() * 0.55), y);
    QTest::mousePress(h, Qt::LeftButton, {}, p0);
    QTest::mouseMove(h, p1);
    QTest::mouseRelease(h, Qt::LeftButton, {}, p1);
    QVERIFY(near(layer->display.low, h->valueAtX(p0.x()), span * 1e6));
    QVERIFY(near(layer->display.high, h->valueAtX(p1.x()), span * 1e6));
    QVERIFY(layer->display.low > 1.0);  // right of the percentile window: it moved
    QCOMPARE(st->low(), refLow);
    QCOMPARE(st->high(), refHigh);
    // Dragging the low line moves only the low end.
    const double highBefore = layer->display.high;
    const QPoint q0(int(std::lround(h->xOfValue(layer->display.low))), y),
        q1(int(h->width() * 0.05), y);
    QTest::mousePress(h, Qt::LeftButton, {}, q0);
    QTest::mouseMove(h, q1);
    QTest::mouseRelease(h, Qt::LeftButton, {}, q1);
    QCOMPARE(layer->display.high, highBefore);
    QVERIFY(near(layer->display.low, h->valueAtX(q1.x()), span * 1e6));
    w_->grab().save(nzviewer_test::shotDir() + "/measure_layer_histogram.png");

    // Back to the image: its histogram, and the histogram's Auto button sets its window to
    // numpy's percentiles of its level-0 voxels.
    selectLayer(-1);
    QCOMPARE(target->currentIndex(), 0);
    QVERIFY(waitFor([&] { return histogramOfLevel0(h, ref.voxels); }, 60000));
    QCOMPARE(h->histogram().hi, ref.max);
    h->parentWidget()->findChild<QPushButton*>("histogramPercentiles")->click();
    QCOMPARE(st->low(), ref.p05);
    QCOMPARE(st->high(), ref.p995);
    QCOMPARE(h->windowLow(), ref.p05);
    // The layer's window stayed where the drag left it.
    QCOMPARE(layer->display.high, highBefore);
    src->removeLayer(imageId);
    src->removeLayer(labelId);
  }

  // Rulers without any ROI: Save ROIs… writes them ("rois": []), loading brings them back.
  void rulersSavedWithoutRois() {
    QVERIFY(openDataset(refdata("a_uint8_oblique_sform.nii.zarr")));
    auto* roiCtl = w_->findChild<RoiController*>();
    QVERIFY(roiCtl->model()->rois().empty());
    auto* save = roiCtl->panel()->findChild<QPushButton*>("roiSave");
    QVERIFY(!save->isEnabled());  // nothing to save yet
    RulerModel* model = measure()->rulers();
    Ruler r1;
    r1.a = {3.25, 7.5, 11.125};
    r1.b = {40.75, 30.0625, 21.5};
    r1.normal = 2;
    Ruler r2;
    r2.name = "oblique one";
    r2.a = {60.5, 2.0, 38.75};
    r2.b = {10.0, 44.25, 1.5};
    r2.normal = 0;
    QVERIFY(!roiCtl->hasUnsavedRois());
    model->add(r1);
    model->add(r2);
    QVERIFY(save->isEnabled());
    // Rulers alone are work to lose: closing or replacing the dataset asks first.
    QVERIFY(roiCtl->hasUnsavedRois());
    const nz::DatasetInfo& info = w_->source()->dataset()->info();
    std::vector<std::pair<nz::Vec3, nz::Vec3>> worldBefore;
    std::vector<double> lengths;
    for (int i = 0; i < 2; ++i) {
      const Ruler& r = model->rulers()[std::size_t(i)];
      worldBefore.push_back({nz::worldFromVoxel(info, 0, {r.a[0], r.a[1], r.a[2]}),
                             nz::worldFromVoxel(info, 0, {r.b[0], r.b[1], r.b[2]})});
      lengths.push_back(model->lengthMm(i));
    }
    // The world positions are the sform's (from the reference manifest), not voxel indices.
    QFile mf(refdata("manifest.json"));
    QVERIFY(mf.open(QIODevice::ReadOnly));
    const QJsonArray sform = QJsonDocument::fromJson(mf.readAll())
                                 .object()["datasets"]
                                 .toObject()["a_uint8_oblique_sform"]
                                 .toObject()["sform"]
                                 .toArray();
    QCOMPARE(sform.size(), 4);
    for (int row = 0; row < 3; ++row) {
      double w = sform[row].toArray()[3].toDouble();
      for (int col = 0; col < 3; ++col)
        w += sform[row].toArray()[col].toDouble() * r1.a[std::size_t(col)];
      QVERIFY(std::fabs(worldBefore[0].first[std::size_t(row)] - w) < 1e-4);
    }

    const QString file = tmp_.filePath("rulers_only.json");
    QString err;
    QVERIFY2(roiCtl->saveRois(file, &err), qPrintable(err));
    QVERIFY2(err.contains("no ROIs"), qPrintable(err));
    QVERIFY(!roiCtl->hasUnsavedRois());  // saved
    QFile saved(file);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QJsonObject doc = QJsonDocument::fromJson(saved.readAll()).object();
    // The ROI list format is unchanged: version 1, an (empty) list of ROIs, the rulers beside.
    QCOMPARE(doc["nzview_rois"].toInt(), 1);
    QVERIFY(doc["rois"].isArray() && doc["rois"].toArray().isEmpty());
    const QJsonArray rulers = doc["rulers"].toArray();
    QCOMPARE(rulers.size(), 2);
    QCOMPARE(rulers[1].toObject()["name"].toString(), QString("oblique one"));
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 3; ++k) {
        QVERIFY(std::fabs(rulers[i].toObject()["a_world"].toArray()[k].toDouble() -
                          worldBefore[std::size_t(i)].first[k]) < 1e-4);
        QVERIFY(std::fabs(rulers[i].toObject()["b_world"].toArray()[k].toDouble() -
                          worldBefore[std::size_t(i)].second[k]) < 1e-4);
      }

    // Load it back into an empty list: the rulers return, ends in mm to 1e-4.
    model->clear();
    QVERIFY(model->rulers().empty());
    QVERIFY2(roiCtl->loadRois(file, &err), qPrintable(err));
    QVERIFY(roiCtl->model()->rois().empty());
    QCOMPARE(int(model->rulers().size()), 2);
    for (int i = 0; i < 2; ++i) {
      const Ruler& r = model->rulers()[std::size_t(i)];
      const nz::Vec3 a = nz::worldFromVoxel(info, 0, {r.a[0], r.a[1], r.a[2]});
      const nz::Vec3 b = nz::worldFromVoxel(info, 0, {r.b[0], r.b[1], r.b[2]});
      for (int k = 0; k < 3; ++k) {
        QVERIFY(std::fabs(a[k] - worldBefore[std::size_t(i)].first[k]) < 1e-4);
        QVERIFY(std::fabs(b[k] - worldBefore[std::size_t(i)].second[k]) < 1e-4);
      }
      QVERIFY(std::fabs(model->lengthMm(i) - lengths[std::size_t(i)]) < 1e-4);
      QCOMPARE(r.normal, i == 0 ? 2 : 0);
    }
    QCOMPARE(model->rulers()[1].name, QString("oblique one"));
    QVERIFY(!roiCtl->hasUnsavedRois());  // what is shown is what the file holds
    Ruler r3;
    r3.a = {1.0, 1.0, 1.0};
    r3.b = {2.0, 5.0, 1.0};
    model->add(r3);
    QVERIFY(roiCtl->hasUnsavedRois());  // a ruler added after loading
    // Without rulers and ROIs there is nothing to save again.
    model->clear();
    QVERIFY(!save->isEnabled());
    QVERIFY(!roiCtl->saveRois(tmp_.filePath("nothing.json"), &err));
    QVERIFY(!QFile::exists(tmp_.filePath("nothing.json")));
  }
};

QTEST_MAIN(TstMeasureLayersGui)
#include "tst_measure_layers_gui.moc"
