// Layers under Xvfb: a label map on another grid (oblique, 1.3x1.1x1.45 mm, its own pyramid and
// chunking, written by nibabel and converted by nzview-cli) drawn over the reference image on
// the session's one loader. Screen pixels of every view are compared with the label colours
// of the label values resampled here (the reference's world coordinate of each pixel through
// an inverse computed in this test); the readout names the label from a FreeSurfer LUT; float
// data opened as labels, a bad label table, a label map outside the image are clear messages;
// a layer removed while its chunks are in flight leaves the image as it was.
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <array>
#include <cmath>

#include "data/data_source.h"
#include "dataset/dataset.h"
#include "layers/layer_panel.h"
#include "layers/layer_slice.h"
#include "model/viewer_state.h"
#include "ui/main_window.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"

using namespace nzviewer;
using nzviewer_test::frameOf;
using nzviewer_test::refdata;
using nzviewer_test::shotDir;
using nzviewer_test::waitFor;

namespace {

// The label map: value((i, j, k)) on a 48x50x60 grid (the same formula as the Python writer).
int labelValue(std::int64_t i, std::int64_t j, std::int64_t k) {
  return int(((i / 6) * 7 + (j / 7) * 3 + (k / 5) * 11) % 41);
}

const char* kWriter = R"(
import sys, math, numpy as np, nibabel as nib
def rot(ax, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    r = np.eye(3); i, j = [(1, 2), (0, 2), (0, 1)][ax]
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r
shape = (48, 50, 60)
i, j, k = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
data = (((i // 6) * 7 + (j // 7) * 3 + (k // 5) * 11) % 41).astype(sys.argv[2])
lin = rot(2, 12) @ rot(0, 7) @ np.diag([1.3, 1.1, 1.45])
aff = np.eye(4); aff[:3, :3] = lin
aff[:3, 3] = np.array([12.0, 3.0, 18.0]) + float(sys.argv[3]) - lin @ (np.array(shape) - 1) / 2.0
img = nib.Nifti1Image(data, aff); img.set_sform(aff, code=1); img.set_qform(aff, code=1)
nib.save(img, sys.argv[1])
)";

// FreeSurfer LUT rows for 1..40: distinct colours; 17 is Left-Hippocampus.
QColor lutColour(int v) {
  return QColor((v * 53) % 256, (v * 97 + 40) % 256, (v * 151 + 90) % 256);
}
QString lutName(int v) { return v == 17 ? "Left-Hippocampus" : QString("Struct-%1").arg(v); }

// Inverse of an affine (row-major 4x4, last row 0 0 0 1) by Gauss-Jordan, independent of the
// viewer's own inverse.
std::array<double, 16> inverse(const std::array<double, 16>& a) {
  double m[3][6];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 6; ++c) m[r][c] = c < 3 ? a[r * 4 + c] : (c - 3 == r ? 1 : 0);
  for (int c = 0; c < 3; ++c) {
    int p = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::abs(m[r][c]) > std::abs(m[p][c])) p = r;
    std::swap(m[c], m[p]);
    const double d = m[c][c];
    for (double& x : m[c]) x /= d;
    for (int r = 0; r < 3; ++r)
      if (r != c) {
        const double f = m[r][c];
        for (int k = 0; k < 6; ++k) m[r][k] -= f * m[c][k];
      }
  }
  std::array<double, 16> out{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) out[r * 4 + c] = m[r][c + 3];
    out[r * 4 + 3] = -(m[r][3] * a[3] + m[r][4] * a[7] + m[r][5] * a[11]);
  }
  out[15] = 1;
  return out;
}

std::array<double, 3> transformPoint(const std::array<double, 16>& m,
                                     const std::array<double, 3>& p) {
  std::array<double, 3> r{};
  for (int i = 0; i < 3; ++i)
    r[i] = m[i * 4] * p[0] + m[i * 4 + 1] * p[1] + m[i * 4 + 2] * p[2] + m[i * 4 + 3];
  return r;
}

}  // namespace

class TstLayersGui : public QObject {
  Q_OBJECT
  MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;
  QString labels_, floatLabels_, farLabels_, lut_;
  QPointF label17_;  // an axial-view widget position inside a label-17 region

  QString run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0)
      return program + " failed: " + QString::fromUtf8(p.readAllStandardError());
    return {};
  }

  // Why the views are not complete (for failure messages).
  QString incomplete() const {
    QString t;
    const nz::LoaderMetrics m = w_->source()->metrics();
    t += QString(
             "generation %6, %7 layer requests; visible %1/%2 queued %3 in flight %4 "
             "opening %5; ")
             .arg(m.visibleAvailable)
             .arg(m.visibleWanted)
             .arg(m.queueLength)
             .arg(m.inFlight)
             .arg(w_->source()->layersOpening())
             .arg(m.generation)
             .arg(w_->source()->lastLayerRequests());
    for (SliceView* v : w_->viewer()->views()) {
      t += QString("%1: ref L%2 %3/%4")
               .arg(viewKindName(v->kind()))
               .arg(v->slice().targetLevel)
               .arg(v->slice().targetChunksReady)
               .arg(v->slice().targetChunks);
      for (const auto& layer : w_->source()->layers()) {
        const nz::SliceView lv = v->loaderView();
        const auto r = layerRequests(*layer, w_->source()->dataset()->info().levels[0].affine, lv);
        t += QString(" [requests now %1 at L%2; plane %3 %4..%5 %6..%7]")
                 .arg(r.requests.size())
                 .arg(r.level)
                 .arg(lv.plane.position)
                 .arg(lv.plane.u0)
                 .arg(lv.plane.u1)
                 .arg(lv.plane.v0)
                 .arg(lv.plane.v1);
      }
      for (const auto& [id, ls] : v->layerSlices())
        t += QString(" layer %1 L%2 (wanted L%3) %4/%5")
                 .arg(id)
                 .arg(ls.level)
                 .arg(w_->source()->layerLevel(id, std::size_t(v->kind())))
                 .arg(ls.targetChunksReady)
                 .arg(ls.targetChunks);
      t += "; ";
    }
    return t;
  }

  bool waitComplete(int ms = 60000) {
    return waitFor([&] { return w_->viewer()->allViewsComplete(); }, ms);
  }

  // Adds a layer and waits until it is added or refused; returns the failure message.
  QString addLayer(const QString& uri, LayerKind kind, const QString& table = {}) {
    DataSource* src = w_->source();
    QSignalSpy failed(src, &DataSource::layerFailed);
    const int id = src->addLayer(uri, {}, kind, table);
    waitFor([&] { return src->layer(id) != nullptr || failed.count() > 0; }, 30000);
    return failed.count() > 0 ? failed.first().first().toString() : QString();
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(tmp_.isValid());
    const QString cli = QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli");
    const QString seg = tmp_.filePath("seg.nii.gz");
    QString err = run("/usr/bin/python3", {"-c", kWriter, seg, "int16", "0"});
    QVERIFY2(err.isEmpty(), qPrintable(err));
    labels_ = tmp_.filePath("seg.nii.zarr");
    err =
        run(cli, {"convert", seg, labels_, "--chunk", "16", "--levels", "2", "--label", "--quiet"});
    QVERIFY2(err.isEmpty(), qPrintable(err));
    floatLabels_ = tmp_.filePath("float.nii.gz");
    err = run("/usr/bin/python3", {"-c", kWriter, floatLabels_, "float32", "0"});
    QVERIFY2(err.isEmpty(), qPrintable(err));
    farLabels_ = tmp_.filePath("far.nii.gz");
    err = run("/usr/bin/python3", {"-c", kWriter, farLabels_, "int16", "900"});
    QVERIFY2(err.isEmpty(), qPrintable(err));
    lut_ = tmp_.filePath("FreeSurferColorLUT.txt");
    QFile f(lut_);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("#No. Label Name: R G B A\n0 Unknown 0 0 0 0\n");
    for (int v = 1; v <= 40; ++v) {
      const QColor c = lutColour(v);
      f.write(QString("%1 %2 %3 %4 %5 0\n")
                  .arg(v)
                  .arg(lutName(v))
                  .arg(c.red())
                  .arg(c.green())
                  .arg(c.blue())
                  .toUtf8());
    }
    f.close();
    w_ = nzviewer_test::openWindow(refdata("e_uint16_pyramid_4levels.nii.zarr"), QSize(1200, 900));
    QVERIFY(w_);
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 60000));
  }

  void cleanupTestCase() { delete w_; }

  // Every view: pixels where the label map has a label show its LUT colour exactly (opacity 1,
  // filled); pixels with label 0 or outside the map keep the grey image.
  void labelsDrawnVoxelExactly() {
    DataSource* src = w_->source();
    QCOMPARE(addLayer(labels_, LayerKind::Labels, lut_), QString());
    QCOMPARE(src->layers().size(), std::size_t(1));
    Layer* layer = src->layers().front().get();
    layer->display.opacity = 1.0;
    src->notifyLayerDisplayChanged();
    QVERIFY2(waitComplete(), qPrintable(incomplete()));
    // A crosshair inside the label map (world (12, 3, 18) is its centre).
    const auto& refAffine = src->dataset()->info().levels[0].affine;
    const auto toRef = inverse(refAffine);
    const auto c = transformPoint(toRef, {12.0, 3.0, 18.0});
    w_->state()->setCrosshair({std::round(c[0]), std::round(c[1]), std::round(c[2])});
    QVERIFY2(waitComplete(), qPrintable(incomplete()));

    const auto toLabels = inverse(layer->dataset->info().levels[0].affine);
    int labelled = 0, background = 0;
    for (SliceView* v : w_->viewer()->views()) {
      QCOMPARE(v->layerSlices().size(), std::size_t(1));
      QCOMPARE(v->layerSlices().front().second.level, 0);
      QCOMPARE(v->slice().targetLevel, 0);
      const QImage img = frameOf(v);
      img.save(shotDir() + QString("/layers_%1.png").arg(viewKindName(v->kind())));
      const QPointF cross = v->voxelToWidget(w_->state()->crosshair());
      const ViewAxes& ax = v->axes();
      for (int py = 30; py < img.height() - 30; py += 3)
        for (int px = 40; px < img.width() - 40; px += 3) {
          if (std::abs(px + 0.5 - cross.x()) < 4 || std::abs(py + 0.5 - cross.y()) < 4) continue;
          nz::Point3 p = v->widgetToVoxel(QPointF(px + 0.5, py + 0.5));
          bool nearEdge = false;
          for (int a : {ax.screenX, ax.screenY}) {
            const double f = p[a] - std::floor(p[a]);
            nearEdge = nearEdge || std::abs(f - 0.5) < 0.2;
            p[a] = std::round(p[a]);
          }
          if (nearEdge) continue;
          bool insideRef = true;
          for (int a = 0; a < 3; ++a)
            insideRef = insideRef && p[a] >= 0 && p[a] < src->dataset()->info().shape[a];
          if (!insideRef) continue;
          const auto s = transformPoint(toLabels, transformPoint(refAffine, {p[0], p[1], p[2]}));
          bool tie = false, inside = true;
          std::int64_t idx[3];
          const std::int64_t shape[3] = {48, 50, 60};
          for (int a = 0; a < 3; ++a) {
            tie = tie || std::abs(s[a] - std::floor(s[a]) - 0.5) < 1e-3;
            idx[a] = std::int64_t(std::floor(s[a] + 0.5));
            inside = inside && idx[a] >= 0 && idx[a] < shape[a];
          }
          if (tie) continue;
          const QRgb got = img.pixel(px, py);
          const int want = inside ? labelValue(idx[0], idx[1], idx[2]) : 0;
          if (want == 0) {
            QVERIFY2(qRed(got) == qGreen(got) && qGreen(got) == qBlue(got),
                     qPrintable(QString("%1 view pixel (%2,%3): label 0 but colour (%4,%5,%6)")
                                    .arg(viewKindName(v->kind()))
                                    .arg(px)
                                    .arg(py)
                                    .arg(qRed(got))
                                    .arg(qGreen(got))
                                    .arg(qBlue(got))));
            ++background;
            continue;
          }
          const QColor wc = lutColour(want);
          if (std::abs(qRed(got) - wc.red()) > 1 || std::abs(qGreen(got) - wc.green()) > 1 ||
              std::abs(qBlue(got) - wc.blue()) > 1)
            QFAIL(qPrintable(QString("%1 view pixel (%2,%3) ref voxel (%4,%5,%6) label voxel "
                                     "(%7,%8,%9) = %10: want (%11,%12,%13), got (%14,%15,%16)")
                                 .arg(viewKindName(v->kind()))
                                 .arg(px)
                                 .arg(py)
                                 .arg(p[0])
                                 .arg(p[1])
                                 .arg(p[2])
                                 .arg(idx[0])
                                 .arg(idx[1])
                                 .arg(idx[2])
                                 .arg(want)
                                 .arg(wc.red())
                                 .arg(wc.green())
                                 .arg(wc.blue())
                                 .arg(qRed(got))
                                 .arg(qGreen(got))
                                 .arg(qBlue(got))));
          ++labelled;
        }
    }
    qInfo("checked %d labelled and %d background pixels", labelled, background);
    QVERIFY(labelled > 2000);
    QVERIFY(background > 200);
  }

  // The readout names the label under the cursor (from the LUT).
  void readoutNamesLabel() {
    DataSource* src = w_->source();
    QVERIFY(!src->layers().empty());
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    auto* label = w_->findChild<QLabel*>("cursorLabel");
    QVERIFY(label);
    const auto& ls = v->layerSlices().front().second;
    // A pixel of label 17, found in the layer's composed values.
    bool found = false;
    for (int r = 1; r + 1 < ls.height && !found; ++r)
      for (int k = 1; k + 1 < ls.width && !found; ++k) {
        if (ls.valueAt(k, r) != 17 || ls.valueAt(k - 1, r) != 17 || ls.valueAt(k + 1, r) != 17 ||
            ls.valueAt(k, r - 1) != 17 || ls.valueAt(k, r + 1) != 17)
          continue;
        const QPointF d(v->slice().originX + k * v->slice().spacingX,
                        v->slice().originY + r * v->slice().spacingY);
        const QPointF pos = v->displayToWidget(d);
        if (pos.x() < 0 || pos.y() < 0 || pos.x() >= v->width() || pos.y() >= v->height()) continue;
        emit v->cursorMoved(pos);
        label17_ = pos;
        qInfo("label 17 at pixel (%d, %d), widget (%.1f, %.1f): layerValueAt %g", k, r, pos.x(),
              pos.y(), v->layerValueAt(src->layers().front()->id, pos));
        found = true;
      }
    QVERIFY2(found, "no label-17 pixel on the axial view");
    QVERIFY2(label->text().contains("seg: 17 Left-Hippocampus"), qPrintable(label->text()));
  }

  // Hiding label 17 from the panel: its pixels show the image again, other labels stay.
  void hideOneLabel() {
    auto* panel = w_->findChild<LayerPanel*>();
    QVERIFY(panel);
    QVERIFY(panel->selected());
    QVERIFY(!panel->setHiddenLabels("17, x"));
    QVERIFY2(panel->lastMessage().contains("'x' is not a label"), qPrintable(panel->lastMessage()));
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPoint at = label17_.toPoint();
    QImage before = frameOf(v);
    const QRgb shown = before.pixel(at);
    QVERIFY(!(qRed(shown) == qGreen(shown) && qGreen(shown) == qBlue(shown)));
    QVERIFY(panel->setHiddenLabels("17, 40-41"));
    QVERIFY(!w_->source()->layers().front()->labels.entry(17).visible);
    QVERIFY(w_->source()->layers().front()->labels.entry(16).visible);
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    const QRgb hidden = frameOf(v).pixel(at);
    QVERIFY2(qRed(hidden) == qGreen(hidden) && qGreen(hidden) == qBlue(hidden),
             "label 17 still drawn");
    QVERIFY(panel->setHiddenLabels(""));
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    QCOMPARE(frameOf(v).pixel(at), shown);
  }

  // The label map opened as an image layer with linear interpolation: every composed value
  // equals the trilinear interpolation of the 8 voxels around the point, computed here.
  void imageLayerLinear() {
    DataSource* src = w_->source();
    QCOMPARE(addLayer(labels_, LayerKind::Image), QString());
    Layer* layer = src->layers().back().get();
    QCOMPARE(layer->kind, LayerKind::Image);
    layer->display.linear = true;
    src->notifyLayerDisplayChanged();
    QVERIFY2(waitComplete(), qPrintable(incomplete()));
    const auto& refAffine = src->dataset()->info().levels[0].affine;
    const auto toLabels = inverse(layer->dataset->info().levels[0].affine);
    const std::int64_t shape[3] = {48, 50, 60};
    int checked = 0, fractional = 0;
    for (SliceView* v : w_->viewer()->views()) {
      const LayerSlice* ls = nullptr;
      for (const auto& [id, slice] : v->layerSlices())
        if (id == layer->id) ls = &slice;
      QVERIFY(ls);
      QCOMPARE(ls->level, 0);
      const PlaneGrid g = planeGridOf(v->slice(), v->axes(), displaySpacing(src->dataset()->info()),
                                      w_->state()->crosshair()[v->axes().normal]);
      for (int r = 0; r < ls->height; r += 3)
        for (int k = 0; k < ls->width; k += 3) {
          std::array<double, 3> p;
          for (int a = 0; a < 3; ++a) p[a] = g.origin[a] + k * g.stepK[a] + r * g.stepR[a];
          const auto x = transformPoint(toLabels, transformPoint(refAffine, p));
          bool inside = true;
          for (int a = 0; a < 3; ++a) {
            const auto n = std::int64_t(std::floor(x[a] + 0.5));
            inside = inside && n >= 0 && n < shape[a];
          }
          const double got = ls->valueAt(k, r);
          if (!inside) continue;
          double want = 0;
          for (int corner = 0; corner < 8; ++corner) {
            double w = 1;
            std::int64_t c[3];
            for (int a = 0; a < 3; ++a) {
              const bool up = (corner >> a) & 1;
              const double f = x[a] - std::floor(x[a]);
              w *= up ? f : 1 - f;
              c[a] = std::clamp<std::int64_t>(std::int64_t(std::floor(x[a])) + up, 0, shape[a] - 1);
            }
            want += w * labelValue(c[0], c[1], c[2]);
          }
          if (std::abs(got - want) > 1e-6)
            QFAIL(qPrintable(QString("%1 view pixel (%2,%3): interpolated %4, want %5")
                                 .arg(viewKindName(v->kind()))
                                 .arg(k)
                                 .arg(r)
                                 .arg(got)
                                 .arg(want)));
          ++checked;
          if (std::abs(want - std::round(want)) > 0.01) ++fractional;
        }
    }
    qInfo("%d interpolated values checked (%d between voxel values)", checked, fractional);
    QVERIFY(checked > 2000 && fractional > 500);
    src->removeLayer(layer->id);
  }

  // Outline mode: the inside of a label region shows the image, its boundary keeps the colour.
  void outlineMode() {
    DataSource* src = w_->source();
    Layer* layer = src->layers().front().get();
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPoint at = label17_.toPoint();
    const QRgb filled = frameOf(v).pixel(at);
    layer->display.outline = true;
    src->notifyLayerDisplayChanged();
    QVERIFY(waitComplete(30000));
    const QImage outlined = frameOf(v);
    outlined.save(shotDir() + "/layers_outline_axial.png");
    const QRgb inside = outlined.pixel(at);
    QVERIFY2(qRed(inside) == qGreen(inside) && qGreen(inside) == qBlue(inside),
             "the inside of label 17 is still filled");
    // Some pixels still carry label colours (the boundaries).
    int coloured = 0;
    for (int y = 0; y < outlined.height(); y += 2)
      for (int x = 0; x < outlined.width(); x += 2) {
        const QRgb p = outlined.pixel(x, y);
        coloured += qRed(p) != qGreen(p) || qGreen(p) != qBlue(p);
      }
    QVERIFY(coloured > 200);
    layer->display.outline = false;
    src->notifyLayerDisplayChanged();
    QVERIFY(waitComplete(30000));
    QCOMPARE(frameOf(v).pixel(at), filled);
  }

  void floatAsLabelsRefused() {
    const QString m = addLayer(floatLabels_, LayerKind::Labels);
    QVERIFY2(
        m.contains("float.nii.gz") && m.contains("float32") && m.contains("not integer labels"),
        qPrintable(m));
    QCOMPARE(w_->source()->layers().size(), std::size_t(1));
  }

  void badLabelTableNamesLine() {
    const QString bad = tmp_.filePath("bad_lut.txt");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("0 Unknown 0 0 0 0\n17 Left-Hippocampus 220 216 twenty 0\n");
    f.close();
    const QString m = addLayer(labels_, LayerKind::Labels, bad);
    QVERIFY2(m.contains("bad_lut.txt:2: bad label table row: B must be an integer 0..255, got "
                        "'twenty'"),
             qPrintable(m));
    QCOMPARE(w_->source()->layers().size(), std::size_t(1));
  }

  void nonOverlappingLayerIsReported() {
    DataSource* src = w_->source();
    QSignalSpy warned(src, &DataSource::layerWarning);
    QCOMPARE(addLayer(farLabels_, LayerKind::Labels), QString());
    QCOMPARE(warned.count(), 1);
    const QString m = warned.first().first().toString();
    QVERIFY2(m.contains("far") && m.contains("does not overlap") && m.contains("nothing"),
             qPrintable(m));
    Layer* far = src->layers().back().get();
    QVERIFY(!far->overlapsReference);
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    // Nothing drawn and nothing requested for it.
    for (SliceView* v : w_->viewer()->views())
      for (const auto& [id, ls] : v->layerSlices()) QVERIFY(id != far->id);
    src->removeLayer(far->id);
  }

  // Removing the label layer right after its requests went out (chunks in flight): the views
  // complete, the overlay is gone and the pixels are the image's grey again.
  void removeWhileInFlight() {
    DataSource* src = w_->source();
    while (!src->layers().empty()) src->removeLayer(src->layers().front()->id);
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    for (int round = 0; round < 3; ++round) {
      const int id = src->addLayer(labels_, {}, LayerKind::Labels, lut_);
      QVERIFY(waitFor([&] { return src->layer(id) != nullptr; }, 30000));
      // Let the request generation go out, then remove before the chunks are all in.
      QVERIFY(waitFor([&] { return src->metrics().requests > 0; }, 5000));
      QCoreApplication::processEvents();
      const nz::LoaderMetrics m = src->metrics();
      qInfo("round %d: removing the layer with %zu chunk(s) in flight, %zu queued", round,
            m.inFlight, m.queueLength);
      src->removeLayer(id);
      QVERIFY(src->layers().empty());
      // A fresh chunk cache each round: the next add fetches again.
    }
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    QTest::qWait(300);  // late completions of the removed layer arrive and are ignored
    QVERIFY(w_->viewer()->allViewsComplete());
    for (SliceView* v : w_->viewer()->views()) {
      QVERIFY(v->layerSlices().empty());
      const QImage img = frameOf(v);
      img.save(shotDir() + QString("/layers_removed_%1.png").arg(viewKindName(v->kind())));
      // Where the label map was drawn before, away from the crosshair lines.
      const QPointF cross = v->voxelToWidget(w_->state()->crosshair());
      QPoint at(img.width() / 3, img.height() / 3);
      if (std::abs(at.x() - cross.x()) < 5) at.rx() += 12;
      if (std::abs(at.y() - cross.y()) < 5) at.ry() += 12;
      const QRgb p = img.pixel(at);
      QVERIFY2(qRed(p) == qGreen(p) && qGreen(p) == qBlue(p),
               qPrintable(QString("%1 view: overlay still drawn: (%2,%3,%4)")
                              .arg(viewKindName(v->kind()))
                              .arg(qRed(p))
                              .arg(qGreen(p))
                              .arg(qBlue(p))));
    }
  }
};

QTEST_MAIN(TstLayersGui)
#include "tst_layers_gui.moc"
