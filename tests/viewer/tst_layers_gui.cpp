// Layers under Xvfb: a label map on another grid (oblique, 1.3x1.1x1.45 mm, its own pyramid and
// chunking, written by nibabel and converted by nzview-cli) drawn over the reference image on
// the session's one loader. Screen pixels of every view are compared with the label colours
// of the label values resampled here (the reference's world coordinate of each pixel through
// an inverse computed in this test); the readout names the label from a FreeSurfer LUT; float
// data opened as labels, a bad label table, a label map outside the image are clear messages;
// a layer removed while its chunks are in flight leaves the image as it was; ROI export of the
// selected layer alone and of the image + labels pair, checked with nibabel.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
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
#include "ui/header_panel.h"
#include "ui/main_window.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_model.h"
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

// Checks an exported file against the label map written by kWriter, with nibabel/numpy only.
// "layer OUT SEG CORNERS": OUT holds SEG's voxels in the box of SEG's grid covering the world
// CORNERS (voxel i covers [i-0.5, i+0.5]; clipped), with SEG's affine shifted to the box.
// "pair OUT SEG": OUT[v] = SEG[round(inv(A_seg) A_out v)], 0 outside SEG.
const char* kExportCheck = R"(
import sys, json, numpy as np, nibabel as nib
mode, out, seg = sys.argv[1:4]
s = nib.load(seg); a = s.affine; data = np.asarray(s.dataobj)
o = nib.load(out); got = np.asarray(o.dataobj); got = got.reshape(got.shape[:3])
if mode == "layer":
    c = np.array(json.loads(sys.argv[4]), dtype=float)
    v = (np.linalg.inv(a) @ np.c_[c, np.ones(len(c))].T)[:3].T
    lo = np.clip(np.floor(v.min(0) + 0.5 + 1e-6).astype(int), 0, data.shape)
    hi = np.clip(np.ceil(v.max(0) + 0.5 - 1e-6).astype(int), lo, data.shape)
    want = data[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    wa = a.copy(); wa[:3, 3] = a[:3, :3] @ lo + a[:3, 3]
else:
    ijk = np.indices(got.shape).reshape(3, -1)
    x = (np.linalg.inv(a) @ o.affine @ np.r_[ijk, np.ones((1, ijk.shape[1]))])[:3]
    n = np.floor(x + 0.5).astype(int)
    inside = np.all((n >= 0) & (n < np.array(data.shape)[:, None]), axis=0)
    want = np.zeros(ijk.shape[1], data.dtype)
    want[inside] = data[n[0, inside], n[1, inside], n[2, inside]]
    want = want.reshape(got.shape); wa = o.affine
assert got.shape == want.shape, (got.shape, want.shape)
assert got.dtype == data.dtype, got.dtype
assert np.array_equal(got, want), int((got != want).sum())
assert np.allclose(o.affine, wa, atol=1e-4), (o.affine, wa)
assert np.count_nonzero(got) > 1000
print(mode, "ok: shape", got.shape, "nonzero", np.count_nonzero(got))
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
  QString labels_, seg_, floatLabels_, farLabels_, lut_;
  QPointF label17_;  // an axial-view widget position inside a label-17 region

  QString run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0)
      return program + " failed: " + QString::fromUtf8(p.readAllStandardError());
    return {};
  }

  // Runs kExportCheck with `args`; false (and its output) when the check fails.
  bool checkExport(const QStringList& args, QString* out) {
    QProcess p;
    p.start("/usr/bin/python3", QStringList{"-c", kExportCheck} + args);
    const bool ok = p.waitForFinished(120000) && p.exitCode() == 0;
    *out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
    return ok;
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
        const nz::ViewSlice lv = v->loaderView();
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
                 .arg(v->layerLevel(id))
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
    const QString seg = seg_ = tmp_.filePath("seg.nii.gz");
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

  // The Header panel shows the selected layer's header, and the image's again on request.
  void headerFollowsSelectedLayer() {
    auto* header = w_->findChild<HeaderPanel*>();
    auto* list = w_->findChild<QListWidget*>("layerList");
    QVERIFY(header && list);
    auto field = [header](const QString& key) {
      for (int i = 0; i < header->topLevelItemCount(); ++i)
        if (header->topLevelItem(i)->text(0) == key) return header->topLevelItem(i)->text(1);
      return QString();
    };
    const Layer* labels = w_->source()->layers().front().get();
    list->setCurrentRow(-1);
    list->setCurrentRow(0);
    QCOMPARE(list->currentItem()->data(Qt::UserRole).toInt(), labels->id);
    QCOMPARE(field("uri"), QString::fromStdString(labels->dataset->info().uri));
    QCOMPARE(field("shape"), QString("[48, 50, 60]"));
    QCOMPARE(field("dtype"), QString("int16"));
    auto* back = w_->findChild<QPushButton*>("showImageHeader");
    QVERIFY(back);
    back->click();
    QCOMPARE(field("uri"), QString::fromStdString(w_->source()->dataset()->info().uri));
    QCOMPARE(field("shape"), QString("[150, 121, 97]"));
    list->setCurrentRow(0);  // the layer selected again for the tests that follow
    QCOMPARE(field("dtype"), QString("int16"));
  }

  // ROI export from the GUI as an image + labels pair (the label layer resampled onto the image
  // ROI's grid): the same voxels, shapes and affines as `nzview-cli export --with`.
  void roiExportsImageLabelPair() {
    auto* roi = w_->findChild<RoiController*>();
    QVERIFY(roi);
    nz::Box b;
    b.begin = {40, 30, 20, 0, 0};
    b.end = {104, 90, 70, 1, 1};
    const int index = roi->model()->add(b, "pair");
    ExportDialog* dlg = roi->openExportDialog(index);
    QVERIFY(dlg);
    auto* data = dlg->findChild<QComboBox*>("exportData");
    QVERIFY(data && data->isVisibleTo(dlg));
    QCOMPARE(data->count(), 3);  // image, the selected layer alone, image + labels
    QVERIFY2(data->itemText(2).contains("seg"), qPrintable(data->itemText(2)));
    dlg->setLabelPairChecked(true);
    QCOMPARE(dlg->source(), ExportDialog::ImageLabels);
    dlg->setFormat(ExportDialog::NiiGz);
    dlg->setDestination(tmp_.filePath("gui/pair.nii.gz"));
    QDir().mkpath(tmp_.filePath("gui"));
    QCOMPARE(dlg->outputFiles(), QStringList({tmp_.filePath("gui/pair_image.nii.gz"),
                                              tmp_.filePath("gui/pair_labels.nii.gz")}));
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.count() > 0 || done.wait(60000));
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(2).toString()));
    const QString cliDir = tmp_.filePath("cli/");
    const QString err = run(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
                            {"export", refdata("e_uint16_pyramid_4levels.nii.zarr"), "--roi",
                             "40:104,30:90,20:70", "--with", labels_, "-o", cliDir});
    QVERIFY2(err.isEmpty(), qPrintable(err));
    auto inflate = [](const QString& path) {
      QProcess p;
      p.start("gzip", {"-dc", path});
      p.waitForFinished(30000);
      return p.readAllStandardOutput();
    };
    for (const char* part : {"image", "labels"}) {
      const QString gui = tmp_.filePath(QString("gui/pair_%1.nii.gz").arg(part));
      const QString cli = cliDir + QString("roi_%1.nii.gz").arg(part);
      const QByteArray a = inflate(gui), c = inflate(cli);
      QVERIFY2(a.size() > 352 && a.size() == c.size(), part);
      QVERIFY2(a.mid(352) == c.mid(352), part);  // the voxels
      const auto ga = nz::openDataset(gui.toStdString(), {})->info();
      const auto ca = nz::openDataset(cli.toStdString(), {})->info();
      QCOMPARE(ga.shape, ca.shape);
      QCOMPARE(ga.shape[0], std::int64_t(64));
      for (int i = 0; i < 16; ++i) QVERIFY(std::abs(ga.affine[i] - ca.affine[i]) < 1e-6);
    }
    // The label file really holds labels (not all background).
    const QByteArray labelsData = inflate(tmp_.filePath("gui/pair_labels.nii.gz")).mid(352);
    int nonzero = 0;
    for (char ch : labelsData) nonzero += ch != 0;
    QVERIFY(nonzero > 1000);
    // The label file against a nearest-neighbour resampling done here in Python.
    QString out;
    QVERIFY2(checkExport({"pair", tmp_.filePath("gui/pair_labels.nii.gz"), seg_}, &out),
             qPrintable(out));
    dlg->close();
    roi->model()->remove(index);
  }

  // ROI export of the selected layer alone (the oblique label map): its own voxels, the box of
  // its grid covering the ROI's world box, clipped; voxels and affine checked with nibabel.
  void roiExportsSelectedLayer() {
    auto* list = w_->findChild<QListWidget*>("layerList");
    QVERIFY(list);
    const Layer* labels = w_->source()->layers().front().get();
    list->setCurrentRow(0);
    QCOMPARE(list->currentItem()->data(Qt::UserRole).toInt(), labels->id);
    auto* roi = w_->findChild<RoiController*>();
    nz::Box b;
    b.begin = {40, 30, 20, 0, 0};
    b.end = {104, 90, 70, 1, 1};
    const int index = roi->model()->add(b, "layer");
    ExportDialog* dlg = roi->openExportDialog(index);
    QVERIFY(dlg);
    auto* data = dlg->findChild<QComboBox*>("exportData");
    QVERIFY(data && data->itemText(1).contains("seg"));
    dlg->setSource(ExportDialog::SelectedLayer);
    dlg->setFormat(ExportDialog::NiiGz);
    const QString dest = tmp_.filePath("gui/layer.nii.gz");
    dlg->setDestination(dest);
    QCOMPARE(dlg->outputFiles(), QStringList({dest}));
    QVERIFY2(dlg->planText().contains("output"), qPrintable(dlg->planText()));
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.count() > 0 || done.wait(60000));
    QVERIFY2(done.first().at(0).toBool(), qPrintable(done.first().at(2).toString()));
    // The ROI's world corners (voxel edges through the image's affine) for the Python check.
    const auto& ref = w_->source()->dataset()->info().levels[0].affine;
    std::array<double, 16> refA{};
    for (int i = 0; i < 16; ++i) refA[std::size_t(i)] = ref[i];
    QStringList corners;
    for (int n = 0; n < 8; ++n) {
      std::array<double, 3> v{};
      for (int a = 0; a < 3; ++a) v[a] = double((n >> a) & 1 ? b.end[a] : b.begin[a]) - 0.5;
      const auto w = transformPoint(refA, v);
      corners << QString("[%1,%2,%3]")
                     .arg(w[0], 0, 'g', 17)
                     .arg(w[1], 0, 'g', 17)
                     .arg(w[2], 0, 'g', 17);
    }
    QString out;
    QVERIFY2(checkExport({"layer", dest, seg_, "[" + corners.join(",") + "]"}, &out),
             qPrintable(out));
    qInfo("%s", qPrintable(out.trimmed()));
    dlg->close();
    roi->model()->remove(index);
  }

  // Dragging a row in the layer list changes the drawing order: with a label layer and an
  // image layer both fully opaque, the pixel inside label 17 shows whichever is on top.
  void dragReorderChangesDrawingOrder() {
    DataSource* src = w_->source();
    Layer* labels = src->layers().front().get();
    QCOMPARE(labels->kind, LayerKind::Labels);
    const double opacity = labels->display.opacity;
    labels->display.opacity = 1;
    QCOMPARE(addLayer(labels_, LayerKind::Image), QString());
    Layer* image = src->layers().back().get();
    const int imageId = image->id;
    image->display.opacity = 1;
    image->display.colormap = Colormap::Grey;
    src->notifyLayerDisplayChanged();
    struct Restore {  // also when a check fails: the tests that follow see one label layer
      DataSource* src;
      Layer* labels;
      double opacity;
      int imageId;
      ~Restore() {
        src->removeLayer(imageId);
        labels->display.opacity = opacity;
        src->notifyLayerDisplayChanged();
      }
    } restore{src, labels, opacity, imageId};
    QVERIFY2(waitComplete(), qPrintable(incomplete()));
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPoint at = label17_.toPoint();
    const QRgb imageOnTop = frameOf(v).pixel(at);
    QVERIFY2(qRed(imageOnTop) == qGreen(imageOnTop) && qGreen(imageOnTop) == qBlue(imageOnTop),
             "the opaque grey image layer on top should hide the labels");
    // The list shows the top layer first: drag the label row (row 1) above the image (row 0).
    auto* list = w_->findChild<QListWidget*>("layerList");
    QVERIFY(list);
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->item(1)->data(Qt::UserRole).toInt(), labels->id);
    QVERIFY(list->dragDropMode() == QAbstractItemView::InternalMove);
    QVERIFY(list->model()->moveRow(QModelIndex(), 1, QModelIndex(), 0));
    QVERIFY(waitFor([&] { return src->layers().back()->id == labels->id; }, 5000));
    QVERIFY2(waitComplete(), qPrintable(incomplete()));
    const QImage shot = frameOf(v);
    shot.save(shotDir() + "/layers_reordered_axial.png");
    const QColor want = lutColour(17);
    const QRgb got = shot.pixel(at);
    QVERIFY2(std::abs(qRed(got) - want.red()) <= 1 && std::abs(qGreen(got) - want.green()) <= 1 &&
                 std::abs(qBlue(got) - want.blue()) <= 1,
             qPrintable(QString("label on top: (%1,%2,%3), want (%4,%5,%6)")
                            .arg(qRed(got))
                            .arg(qGreen(got))
                            .arg(qBlue(got))
                            .arg(want.red())
                            .arg(want.green())
                            .arg(want.blue())));
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
    std::vector<std::shared_ptr<nz::Dataset>> removed;  // kept alive: their addresses stay theirs
    for (int round = 0; round < 3; ++round) {
      const int id = src->addLayer(labels_, {}, LayerKind::Labels, lut_);
      QVERIFY(waitFor([&] { return src->layer(id) != nullptr; }, 30000));
      removed.push_back(src->layer(id)->dataset);
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
    // The views end complete. (Waited for, not sampled: under a sanitizer on a loaded machine
    // the redraw the last removal queued can still be running here.)
    QVERIFY(waitFor([&] { return w_->viewer()->allViewsComplete(); }, 30000));
    // Nothing of a removed layer landed in the cache, even from fetches running at removal.
    for (const auto& ds : removed) QCOMPARE(src->cachedChunksOf(ds.get()), std::size_t(0));
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
