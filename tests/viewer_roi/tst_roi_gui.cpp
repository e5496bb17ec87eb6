// ROI boxes in the viewer under Xvfb: Ctrl+drag draws a box in the axial view (QTest mouse
// events on the SliceView), edge drags resize it, the panel's voxels/MB/chunks equal
// planExport's, exports (.nii.gz, .nii.zarr) run in the background and read back equal to
// readRegion of the same box from a freshly opened dataset (never the GUI's shared dataset),
// and a cancelled export leaves nothing at the destination.
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "../viewer/viewer_test_util.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "ui/main_window.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/export_job.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_list_panel.h"
#include "viewer/roi/roi_model.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;

namespace {

// The level-0 edge index the overlay snaps a widget coordinate to along voxel axis `a`.
std::int64_t edgeAt(SliceView* v, const QPointF& w, int a) {
  return std::llround(v->widgetToVoxel(w)[a] + 0.5);
}

}  // namespace

class TstRoiGui : public QObject {
  Q_OBJECT
 private:
  MainWindow* w_ = nullptr;
  RoiController* roi_ = nullptr;
  QString uri_;
  QTemporaryDir tmp_;

  ExportDialog* exportTo(int index, ExportDialog::Format f, const QString& name) {
    ExportDialog* dlg = roi_->openExportDialog(index);
    if (!dlg) return nullptr;
    dlg->setFormat(f);
    dlg->setDestination(tmp_.filePath(name));
    return dlg;
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    uri_ = nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr");
    w_ = nzviewer_test::openWindow(uri_, QSize(1400, 900));
    QVERIFY(w_);
    roi_ = w_->findChild<RoiController*>();
    QVERIFY(roi_);
    QVERIFY(roi_->drawAction()->isEnabled());
    auto* saveAs = w_->findChild<QAction*>("saveAsNiftiZarrAction");
    QVERIFY(saveAs && saveAs->isEnabled());
    QTest::qWait(200);  // views laid out and fitted
  }

  void drawBoxWithMouse() {
    SliceView* v = w_->viewer()->view(ViewKind::Axial);
    const QPointF p0(v->width() * 0.30, v->height() * 0.30);
    const QPointF p1(v->width() * 0.62, v->height() * 0.66);
    const int sx = v->axes().screenX, sy = v->axes().screenY;
    const std::int64_t bx = std::min(edgeAt(v, p0, sx), edgeAt(v, p1, sx));
    const std::int64_t ex = std::max(edgeAt(v, p0, sx), edgeAt(v, p1, sx));
    const std::int64_t by = std::min(edgeAt(v, p0, sy), edgeAt(v, p1, sy));
    const std::int64_t ey = std::max(edgeAt(v, p0, sy), edgeAt(v, p1, sy));
    QTest::mousePress(v, Qt::LeftButton, Qt::ControlModifier, p0.toPoint());
    QTest::mouseMove(v, ((p0 + p1) / 2).toPoint());
    QTest::mouseMove(v, p1.toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, Qt::ControlModifier, p1.toPoint());
    RoiModel* m = roi_->model();
    QCOMPARE(int(m->rois().size()), 1);
    QCOMPARE(m->current(), 0);
    const nz::Box& b = m->rois()[0].roi.box;
    QCOMPARE(b.begin[sx], bx);
    QCOMPARE(b.end[sx], ex);
    QCOMPARE(b.begin[sy], by);
    QCOMPARE(b.end[sy], ey);
    const int n = v->axes().normal;
    QVERIFY(b.end[n] > b.begin[n]);
    QVERIFY(ex - bx > 10 && ey - by > 10);

    // Resize: drag the box's right edge (widget) 20 px further right.
    auto widgetX = [&](std::int64_t edge) {
      nz::Point3 q = v->widgetToVoxel(p0);
      q[sx] = double(edge) - 0.5;
      return v->voxelToWidget(q).x();
    };
    const bool growsRight = widgetX(ex) > widgetX(bx);  // ex is the widget-right edge
    const QPointF right(std::max(widgetX(ex), widgetX(bx)), 0);
    const QPointF mid(right.x(), (p0.y() + p1.y()) / 2);
    const nz::Box before = b;
    QTest::mousePress(v, Qt::LeftButton, Qt::NoModifier, mid.toPoint());
    QTest::mouseMove(v, (mid + QPointF(20, 0)).toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, Qt::NoModifier, (mid + QPointF(20, 0)).toPoint());
    const nz::Box& after = m->rois()[0].roi.box;
    QCOMPARE(int(m->rois().size()), 1);  // edited, not a new box
    if (growsRight)
      QVERIFY(after.end[sx] > before.end[sx]);
    else
      QVERIFY(after.begin[sx] < before.begin[sx]);
    QCOMPARE(after.begin[sy], before.begin[sy]);
    QCOMPARE(after.end[sy], before.end[sy]);

    // "Draw ROI" mode: a plain drag inside the box moves it (size unchanged).
    roi_->drawAction()->setChecked(true);
    const nz::Box beforeMove = after;
    const QPointF c((p0.x() + p1.x()) / 2, (p0.y() + p1.y()) / 2);
    QTest::mousePress(v, Qt::LeftButton, Qt::NoModifier, c.toPoint());
    QTest::mouseMove(v, (c + QPointF(0, 15)).toPoint());
    QTest::mouseRelease(v, Qt::LeftButton, Qt::NoModifier, (c + QPointF(0, 15)).toPoint());
    roi_->drawAction()->setChecked(false);
    const nz::Box& moved = m->rois()[0].roi.box;
    QCOMPARE(int(m->rois().size()), 1);
    QVERIFY(moved.begin[sy] != beforeMove.begin[sy]);
    QCOMPARE(moved.end[sy] - moved.begin[sy], beforeMove.end[sy] - beforeMove.begin[sy]);
    QCOMPARE(moved.begin[sx], beforeMove.begin[sx]);
  }

  void numbersMatchPlan() {
    RoiModel* m = roi_->model();
    QVERIFY(!m->rois().empty());
    auto check = [&] {
      QTest::qWait(20);
      const nz::ExportPlan p = nz::planExport(*m->info(), m->request(0));
      auto* panel = roi_->panel();
      QCOMPARE(panel->findChild<QLabel*>("roiVoxels")->text(), RoiListPanel::formatVoxels(p));
      QVERIFY(
          panel->findChild<QLabel*>("roiVoxels")->text().endsWith(QString::number(p.outputVoxels)));
      QCOMPARE(panel->findChild<QLabel*>("roiMB")->text(),
               RoiListPanel::formatMB(p.outputBytes) + " (.nii)");
      QCOMPARE(panel->findChild<QLabel*>("roiChunks")->text(), QString::number(p.chunks));
    };
    check();
    m->setLevel(1);
    check();
    m->setCropOrPad(std::array<std::int64_t, 3>{40, 24, 16});
    check();
    QVERIFY(m->previewBox(0).has_value());
    m->setCropOrPad(std::nullopt);
    m->setLevel(0);
    check();
  }

  void exportMatchesReadRegion_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("name");
    QTest::newRow("nii.gz") << int(ExportDialog::NiiGz) << "roi.nii.gz";
    QTest::newRow("nii") << int(ExportDialog::Nii) << "roi.nii";
    QTest::newRow("nii.zarr") << int(ExportDialog::NiiZarr) << "roi.nii.zarr";
  }
  void exportMatchesReadRegion() {
    QFETCH(int, format);
    QFETCH(QString, name);
    RoiModel* m = roi_->model();
    QVERIFY(!m->rois().empty());
    ExportDialog* dlg = exportTo(0, ExportDialog::Format(format), name);
    QVERIFY(dlg);
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.wait(120000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(2).toString()));
    const QString path = tmp_.filePath(name);
    QVERIFY(QFileInfo::exists(path));

    auto fresh = nz::openDataset(uri_.toStdString());
    const nz::ExportPlan p = nz::planExport(fresh->info(), m->request(0));
    const nz::Volume want = fresh->readRegion(p.level, p.readBox);
    auto out = nz::openDataset(path.toStdString());
    const nz::DatasetInfo& oi = out->info();
    nz::Box all;
    all.end = oi.levels[0].shape;
    const nz::Volume got = out->readRegion(0, all);
    QCOMPARE(int(got.dtype), int(fresh->info().dtype));
    for (int a = 0; a < 5; ++a) QCOMPARE(got.shape[a], want.shape[a]);
    QVERIFY(got.data == want.data);
    for (int i = 0; i < 12; ++i) QVERIFY(std::abs(oi.affine[i] - p.affine[i]) < 1e-4);
    QCOMPARE(oi.sclSlope, fresh->info().sclSlope);
    if (qEnvironmentVariableIsSet("NZ_ROI_SHOTS"))
      dlg->grab().save(qEnvironmentVariable("NZ_ROI_SHOTS") + "/export_" + name + ".png");
  }

  // The CLI with the same --roi writes a byte-identical .nii.gz (one shared code path).
  void cliWritesIdenticalFile() {
    RoiModel* m = roi_->model();
    const QString gui = tmp_.filePath("roi.nii.gz");
    QVERIFY(QFileInfo::exists(gui));
    const nz::ExportRequest req = m->request(0);
    QVERIFY(req.roi.has_value());
    const QString cli = tmp_.filePath("cli.nii.gz");
    QProcess p;
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
            {"export", uri_, "-o", cli, "--level", QString::number(req.level), "--roi",
             QString::fromStdString(nz::roiText(*req.roi, 3))});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QFile a(gui), b(cli);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QVERIFY(a.readAll() == b.readAll());
  }

  void cancelLeavesNothing_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("name");
    QTest::newRow("nii.gz") << int(ExportDialog::NiiGz) << "cancelled.nii.gz";
    QTest::newRow("nii.zarr") << int(ExportDialog::NiiZarr) << "cancelled.nii.zarr";
  }
  void cancelLeavesNothing() {
    QFETCH(int, format);
    QFETCH(QString, name);
    ExportDialog* dlg = exportTo(-1, ExportDialog::Format(format), name);  // whole volume
    QVERIFY(dlg);
    dlg->setFormat(ExportDialog::Format(format));
    dlg->setDestination(tmp_.filePath(name));
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    dlg->cancelExport();
    QVERIFY(done.wait(60000));
    QVERIFY(!done.at(0).at(0).toBool());
    QVERIFY(done.at(0).at(1).toBool());  // cancelled
    QVERIFY(!QFileInfo::exists(tmp_.filePath(name)));
    for (const QString& e :
         QDir(tmp_.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
      QVERIFY2(!e.contains("cancelled"), qPrintable("left behind: " + e));
  }

  // "Open exported" opens the result in the viewer (last: it replaces the dataset).
  void openExported() {
    ExportDialog* dlg = exportTo(0, ExportDialog::NiiZarr, "open_me.nii.zarr");
    QVERIFY(dlg);
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.wait(60000));
    QVERIFY(done.at(0).at(0).toBool());
    auto* open = dlg->findChild<QPushButton*>("exportOpen");
    QVERIFY(open && open->isEnabled());
    QSignalSpy opened(w_, &MainWindow::datasetOpened);
    // The drawn ROI is not saved: opening the export asks first; "Discard" goes ahead.
    bool asked = false;
    QTimer answer;
    answer.setInterval(20);
    connect(&answer, &QTimer::timeout, this, [&] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box || box->objectName() != "unsavedRoisBox") return;
      asked = true;
      box->button(QMessageBox::Discard)->click();
    });
    answer.start();
    QTest::mouseClick(open, Qt::LeftButton);
    QVERIFY(opened.wait(30000));
    answer.stop();
    QVERIFY(asked);
    QCOMPARE(w_->source()->uri(), tmp_.filePath("open_me.nii.zarr"));
    QVERIFY(roi_->model()->rois().empty());  // a new dataset starts without ROIs
  }

  void cleanupTestCase() { delete w_; }
};

QTEST_MAIN(TstRoiGui)
#include "tst_roi_gui.moc"
