// The viewer as a daily tool, under Xvfb: crop-or-pad set from the panel's own widgets (mouse,
// Space, typed numbers) with its preview box; a failed open changes nothing; unsaved ROIs are
// asked about before open/close/quit; undo/redo of ROI edits and crosshair jumps; the window
// fits 1366x768 and 1280x720 with the ROI panel; `nzview URI --rois FILE --size 1280x720`;
// nothing stale after switching datasets; the recent list (test settings file, unreachable
// entries marked, removable, opened directly); ROI world coordinates; "Open sample" is a real
// brain; a cancelled export's progress bar. Panels and texts: tst_viewer_panels_gui.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <cstring>
#include <memory>

#include "daily_test_util.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "model/viewer_state.h"
#include "ui/header_panel.h"
#include "ui/main_window.h"
#include "ui/open_dialog.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_list_panel.h"
#include "viewer/roi/roi_model.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using nzviewer_test::refdata;
using nzviewer_test::waitFor;
using namespace nzviewer_test;

namespace {
const char* kPyramid = "e_uint16_pyramid_4levels.nii.zarr";
}  // namespace

class TstDailyUseGui : public QObject {
  Q_OBJECT
 private:
  MainWindow* w_ = nullptr;
  RoiController* roi_ = nullptr;
  QTemporaryDir tmp_;

  template <class T>
  T* child(const char* name) {
    return w_->findChild<T*>(name);
  }

  // Opens `uri` in w_, discarding unsaved ROIs when asked.
  bool reopen(const QString& uri) { return nzviewer_test::reopenIn(w_, uri); }

  void typeInto(QAbstractSpinBox* box, const QString& text) {
    box->setFocus();
    box->selectAll();
    QTest::keyClicks(box, text);
    QTest::keyClick(box, Qt::Key_Return);
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    // CTest gives every GUI test its own settings file: never the user's recent list.
    QVERIFY2(MainWindow::settingsFile().startsWith(QStringLiteral(NZ_BINARY_DIR)),
             qPrintable(MainWindow::settingsFile()));
    QFile::remove(MainWindow::settingsFile());
    w_ = nzviewer_test::openWindow(refdata(kPyramid), QSize(1400, 900));
    QVERIFY(w_);
    roi_ = w_->findChild<RoiController*>();
    QVERIFY(roi_);
    QTest::qWait(200);
  }

  // The checkbox follows a mouse click and Space; a typed 160 stays 160 and reaches the model,
  // and the cyan preview box (the CropOrPad output) is drawn at once.
  void cropOrPadSettableFromGui() {
    QVERIFY(reopen(refdata(kPyramid)));
    roi_->newRoiAtCrosshair();
    QVERIFY(roi_->dock()->isVisible());
    auto* check = child<QCheckBox>("roiCropOrPad");
    QVERIFY(check && check->isVisible());
    QVERIFY(!roi_->model()->cropOrPad());
    QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
    QVERIFY(check->isChecked());
    QVERIFY(roi_->model()->cropOrPad().has_value());
    QCOMPARE((*roi_->model()->cropOrPad())[0], std::int64_t(64));
    check->setFocus();
    QTest::keyClick(check, Qt::Key_Space);
    QVERIFY(!check->isChecked());
    QVERIFY(!roi_->model()->cropOrPad());
    QTest::keyClick(check, Qt::Key_Space);
    QVERIFY(check->isChecked());
    QVERIFY(roi_->model()->cropOrPad().has_value());

    auto* t0 = child<QSpinBox>("roiTarget0");
    auto* t2 = child<QSpinBox>("roiTarget2");
    QVERIFY(t0 && t2 && t0->isEnabled());
    typeInto(t0, "160");
    typeInto(t2, "40");
    QCOMPARE(t0->value(), 160);
    QCOMPARE(t2->value(), 40);
    const auto target = roi_->model()->cropOrPad();
    QVERIFY(target.has_value());
    QCOMPARE((*target)[0], std::int64_t(160));
    QCOMPARE((*target)[1], std::int64_t(64));
    QCOMPARE((*target)[2], std::int64_t(40));
    // Pad mode follows the combo box too.
    auto* mode = child<QComboBox>("roiPadMode");
    mode->setCurrentIndex(1);
    QCOMPARE(roi_->model()->padMode(), nz::PadMode::Edge);
    QVERIFY((*roi_->model()->cropOrPad())[0] == 160);

    // The preview: the CropOrPad output box, 160 x 64 x 40 level-0 voxels, centred on the ROI.
    const auto pb = roi_->model()->previewBox(roi_->model()->current());
    QVERIFY(pb.has_value());
    QCOMPARE(pb->end[0] - pb->begin[0], std::int64_t(160));
    QCOMPARE(pb->end[1] - pb->begin[1], std::int64_t(64));
    QCOMPARE(pb->end[2] - pb->begin[2], std::int64_t(40));
    SliceView* axial = w_->viewer()->view(ViewKind::Axial);
    const QImage img = nzviewer_test::frameOf(axial);
    img.save(nzviewer_test::shotDir() + "/daily_crop_or_pad_preview.png");
    int cyan = 0;
    rgbCount(img, qRgb(0, 220, 255), &cyan);
    QVERIFY2(cyan > 100, qPrintable(QString("%1 cyan preview pixels").arg(cyan)));
  }

  // Edit → Undo / Redo and Ctrl+Z / Ctrl+Shift+Z walk back through creation, a box edit, the
  // crop/pad target, a deletion and a crosshair jump.
  void undoRedo() {
    QVERIFY(reopen(refdata(kPyramid)));
    RoiModel* m = roi_->model();
    auto* undo = child<QAction>("undoAction");
    auto* redo = child<QAction>("redoAction");
    QVERIFY(undo && redo);
    QVERIFY(undo->shortcuts().contains(QKeySequence("Ctrl+Z")));
    QVERIFY(redo->shortcuts().contains(QKeySequence("Ctrl+Shift+Z")));
    QVERIFY(!undo->isEnabled());

    const nz::Point3 start = w_->state()->crosshair();
    const auto targetBefore = m->cropOrPad();  // export settings outlive a dataset
    roi_->newRoiAtCrosshair();                 // 1: create
    QCOMPARE(int(m->rois().size()), 1);
    const nz::Box created = m->rois()[0].roi.box;
    nz::Box moved = created;
    moved.begin[0] += 5;
    moved.end[0] += 7;
    m->setBox(0, moved);  // 2: edit
    QTest::qWait(1100);   // not merged with the next change
    m->setCropOrPadSettings(std::array<std::int64_t, 3>{32, 33, 34}, nz::PadMode::Constant,
                            0);  // 3
    const nz::Point3 jump{10, 20, 30};
    w_->state()->setCrosshair(jump);  // 4: crosshair jump
    QCOMPARE(w_->state()->crosshair(), jump);
    m->remove(0);  // 5: delete
    QVERIFY(m->rois().empty());
    QStringList steps;
    for (int i = 0; i < roi_->undoStack()->count(); ++i) steps << roi_->undoStack()->text(i);
    QCOMPARE(steps, (QStringList{"Create ROI", "Edit ROI box", "Crop/pad settings",
                                 "Move crosshair", "Delete ROI"}));

    // Keyboard: the shortcuts reach the actions from a view.
    w_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w_));
    SliceView* axial = w_->viewer()->view(ViewKind::Axial);
    axial->setFocus();
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);  // undo 5
    QCOMPARE(int(m->rois().size()), 1);
    QCOMPARE(m->rois()[0].roi.box.begin, moved.begin);
    undo->trigger();  // undo 4
    QCOMPARE(w_->state()->crosshair(), start);
    undo->trigger();  // undo 3
    QCOMPARE(m->cropOrPad(), targetBefore);
    undo->trigger();  // undo 2
    QCOMPARE(m->rois()[0].roi.box.begin, created.begin);
    QCOMPARE(m->rois()[0].roi.box.end, created.end);
    undo->trigger();  // undo 1
    QVERIFY(m->rois().empty());
    QVERIFY(!undo->isEnabled());
    // Redo all of it.
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(int(m->rois().size()), 1);
    for (int i = 0; i < 3; ++i) redo->trigger();
    QCOMPARE(w_->state()->crosshair(), jump);
    QCOMPARE((*m->cropOrPad())[1], std::int64_t(33));
    QCOMPARE(m->rois()[0].roi.box.end, moved.end);
    redo->trigger();
    QVERIFY(m->rois().empty());
    QVERIFY(!redo->isEnabled());
    QVERIFY(undo->text().contains("Delete ROI"));
    // The panel's Delete says how to get the box back, and Undo does.
    roi_->newRoiAtCrosshair();
    QTest::mouseClick(child<QPushButton>("roiDelete"), Qt::LeftButton);
    QVERIFY(m->rois().empty());
    QVERIFY2(roi_->panel()->status().contains("Ctrl+Z"), qPrintable(roi_->panel()->status()));
    undo->trigger();
    QCOMPARE(int(m->rois().size()), 1);
  }

  // A mistyped path, an unreachable server or free text: the open dataset, its views, header
  // and ROIs stay (the user was asked about the unsaved ROI first and said "Discard").
  void failedOpenChangesNothing_data() {
    QTest::addColumn<QString>("uri");
    QTest::newRow("missing local path") << tmp_.filePath("no_such_scan.nii.zarr");
    QTest::newRow("server refuses") << QString("http://127.0.0.1:9/scan.nii.zarr");
    QTest::newRow("garbage") << QString("this is not a uri");
  }
  void failedOpenChangesNothing() {
    QFETCH(QString, uri);
    QVERIFY(reopen(refdata(kPyramid)));
    roi_->newRoiAtCrosshair();
    const auto dataset = w_->source()->dataset();
    const QString title = w_->windowTitle();
    const int headerItems = w_->headerPanel()->topLevelItemCount();
    QVERIFY(headerItems > 0);
    QSignalSpy failed(w_, &MainWindow::datasetFailed);
    auto ans = answerBox(QMessageBox::Discard);
    QVERIFY(w_->openUri(uri));
    QVERIFY(ans->seen);  // unsaved ROI: asked first
    QVERIFY(failed.count() > 0 || failed.wait(30000));
    ans->stop();
    QTest::qWait(200);
    QVERIFY(w_->source()->isOpen());
    QCOMPARE(w_->source()->dataset(), dataset);
    QCOMPARE(w_->source()->uri(), refdata(kPyramid));
    QCOMPARE(w_->windowTitle(), title);
    QCOMPARE(w_->headerPanel()->topLevelItemCount(), headerItems);
    QCOMPARE(int(roi_->model()->rois().size()), 1);
    QVERIFY(roi_->model()->info() == &dataset->info());
    QVERIFY(w_->viewer()->isVisible());
    // The views still show the image.
    const QImage img = nzviewer_test::frameOf(w_->viewer()->view(ViewKind::Axial));
    int bright = 0;
    for (int y = 0; y < img.height(); y += 3)
      for (int x = 0; x < img.width(); x += 3) bright += qGray(img.pixel(x, y)) > 40 ? 1 : 0;
    QVERIFY2(bright > 200,
             qPrintable(QString("%1 bright pixels after the failed open").arg(bright)));
    QVERIFY(!w_->recentUris().contains(uri));  // only what opened goes into the recent list
  }

  // Replacing the dataset or closing with unsaved ROIs asks: Cancel keeps everything, Save
  // (after saving) no longer asks, Discard goes ahead.
  void unsavedRoisAsk() {
    QVERIFY(reopen(refdata(kPyramid)));
    QVERIFY(!roi_->hasUnsavedRois());
    roi_->newRoiAtCrosshair();
    QVERIFY(roi_->hasUnsavedRois());
    const auto dataset = w_->source()->dataset();

    auto ans = answerBox(QMessageBox::Cancel);
    QVERIFY(!w_->openUri(refdata("b_int16_scl_qform.nii.zarr")));
    QVERIFY(ans->seen);
    QVERIFY(ans->text.contains("1 ROI(s)"));
    QTest::qWait(300);
    QCOMPARE(w_->source()->dataset(), dataset);
    QVERIFY(!w_->source()->isOpening());

    ans = answerBox(QMessageBox::Cancel);
    QVERIFY(!w_->close());
    QVERIFY(ans->seen);
    QVERIFY(w_->isVisible());

    // Ctrl+Q (File → Quit) closes the window, which asks too.
    w_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w_));
    ans = answerBox(QMessageBox::Cancel);
    QTest::keyClick(w_->viewer()->view(ViewKind::Axial), Qt::Key_Q, Qt::ControlModifier);
    QVERIFY(waitFor([&] { return ans->seen; }, 5000));
    QTest::qWait(100);
    QVERIFY(w_->isVisible());

    // "Open exported" goes through the same question.
    ExportDialog* dlg = roi_->openExportDialog(0);
    QVERIFY(dlg);
    ans = answerBox(QMessageBox::Cancel);
    emit dlg->openRequested(refdata("b_int16_scl_qform.nii.zarr"), {});
    QVERIFY(ans->seen);
    QCOMPARE(w_->source()->dataset(), dataset);
    dlg->close();

    // Saved: no question.
    QVERIFY(roi_->saveRois(tmp_.filePath("saved.json")));
    QVERIFY(!roi_->hasUnsavedRois());
    {
      ModalWatch watch;
      QSignalSpy opened(w_, &MainWindow::datasetOpened);
      QVERIFY(w_->openUri(refdata("b_int16_scl_qform.nii.zarr")));
      QVERIFY(opened.wait(30000));
      QCOMPARE(watch.count, 0);
    }
    QVERIFY(roi_->model()->rois().empty());
  }

  // A new dataset leaves nothing of the old one: the export-cost level list, the disabled box
  // fields, time/channel sliders of 3D data, the undo history.
  void nothingStaleAfterSwitch() {
    QVERIFY(reopen(refdata("a_uint8_oblique_sform.nii.zarr")));
    roi_->newRoiAtCrosshair();
    roi_->model()->setLevel(1);
    QVERIFY(reopen(refdata("f_blosc_default_chunk64_float32.nii.zarr")));
    const nz::DatasetInfo& info = w_->source()->dataset()->info();
    QCOMPARE(int(info.levels.size()), 2);  // as many levels as before, other shapes
    auto* level = child<QComboBox>("roiLevel");
    QCOMPARE(level->count(), 2);
    for (int lv = 0; lv < 2; ++lv) {
      const auto& s = info.levels[std::size_t(lv)].shape;
      QCOMPARE(level->itemText(lv),
               QString("%1  (%2×%3×%4)").arg(lv).arg(s[0]).arg(s[1]).arg(s[2]));
    }
    QCOMPARE(level->currentIndex(), 0);
    auto* begin0 = child<QDoubleSpinBox>("roiBegin0");
    QVERIFY(!begin0->isEnabled());
    QCOMPARE(begin0->text(), QString());
    QVERIFY(!child<QAction>("undoAction")->isEnabled());
    auto* time = child<QSlider>("timeSlider");
    auto* channel = child<QSlider>("channelSlider");
    QVERIFY(time && channel);
    QVERIFY(!time->isVisibleTo(w_));
    QVERIFY(!channel->isVisibleTo(w_));
  }

  // With the ROI and header panels shown the window still fits a laptop or projector screen,
  // and the panel's last button can be scrolled to.
  void fitsSmallScreens_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("1366x768") << QSize(1366, 768);
    QTest::newRow("1280x720") << QSize(1280, 720);
  }
  void fitsSmallScreens() {
    QFETCH(QSize, size);
    QVERIFY(reopen(refdata(kPyramid)));
    roi_->newRoiAtCrosshair();
    QVERIFY(roi_->dock()->isVisible());
    QVERIFY(w_->findChild<QDockWidget*>("headerDock")->isVisible());
    w_->resize(size);
    QVERIFY(waitFor([&] { return w_->size() == size; }, 3000));
    QTest::qWait(200);
    QCOMPARE(w_->size(), size);
    QVERIFY2(w_->minimumSizeHint().height() <= size.height(),
             qPrintable(QString("minimum height %1").arg(w_->minimumSizeHint().height())));
    auto* scroll = w_->findChild<QScrollArea*>("roiScroll");
    QVERIFY(scroll);
    auto* exportButton = child<QPushButton>("roiExport");
    scroll->ensureWidgetVisible(exportButton);
    QTest::qWait(50);
    QVERIFY(!exportButton->visibleRegion().isEmpty());
    for (SliceView* v : w_->viewer()->views()) QVERIFY(v->height() >= 120);
    // View → Side panels as tabs puts header and ROI panel into one tabbed dock and back.
    auto* tabs = child<QAction>("sidePanelsAsTabs");
    auto* header = w_->findChild<QDockWidget*>("headerDock");
    QVERIFY(tabs && header);
    tabs->setChecked(true);
    QTest::qWait(50);
    QVERIFY(w_->tabifiedDockWidgets(header).contains(roi_->dock()));
    QVERIFY(roi_->dock()->isVisible());  // raised: the ROI tab is the one shown
    tabs->setChecked(false);
    QTest::qWait(50);
    QVERIFY(w_->tabifiedDockWidgets(header).isEmpty());
    QVERIFY(w_->grab().save(nzviewer_test::shotDir() + "/daily_fits_" + QTest::currentDataTag() +
                            ".png"));
    w_->resize(1400, 900);
    QTest::qWait(100);
  }

  // nzview URI --rois FILE --size 1280x720 --screenshot: the list is loaded and drawn, the
  // window is 1280x720; a bad list is one message naming the file and exit code 1.
  void roisFlagAndSmallSize() {
    QVERIFY(reopen(refdata(kPyramid)));
    const nz::Index5 shape = w_->source()->dataset()->info().shape;
    nz::Box b;
    for (int a = 0; a < 3; ++a) b.begin[a] = shape[a] / 4, b.end[a] = shape[a] * 3 / 4;
    roi_->model()->add(b, "big box");
    const QString list = tmp_.filePath("flag_rois.json");
    QVERIFY(roi_->saveRois(list));
    const QString out = nzviewer_test::shotDir() + "/daily_rois_flag_1280x720.png";
    QFile::remove(out);
    QProcess p;
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"),
            {refdata(kPyramid), "--rois", list, "--screenshot", out, "--size", "1280x720",
             "--timeout", "60"});
    QVERIFY(p.waitForFinished(90000));
    QCOMPARE(p.exitCode(), 0);
    QImage img(out);
    QCOMPARE(img.size(), QSize(1280, 720));
    int yellow = 0;
    rgbCount(img, qRgb(255, 220, 0), &yellow);  // the current ROI's outline
    QVERIFY2(yellow > 200, qPrintable(QString("%1 ROI outline pixels").arg(yellow)));

    const QString bad = tmp_.filePath("bad_rois.json");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{ not json");
    f.close();
    QProcess q;
    q.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"),
            {refdata(kPyramid), "--rois", bad, "--screenshot", tmp_.filePath("never.png")});
    QVERIFY(q.waitForFinished(90000));
    QCOMPARE(q.exitCode(), 1);
    const QByteArray err = q.readAllStandardError();
    QVERIFY2(err.contains(bad.toUtf8()), err.constData());
    QVERIFY(!QFile::exists(tmp_.filePath("never.png")));
  }

  // Recent URIs: unreachable entries are marked, Delete removes one, a double-click opens
  // directly (no dialog, also for remote URIs).
  void recentEntriesMarkedRemovedOpened() {
    // Seed the list as earlier sessions would have left it.
    {
      QSettings s(MainWindow::settingsFile(), QSettings::IniFormat);
      s.setValue("recentUris", QStringList{refdata(kPyramid), tmp_.filePath("gone.nii.zarr"),
                                           "http://127.0.0.1:9/remote.nii.zarr"});
      s.setValue("recentFailed", QStringList{});
    }
    auto* w = new MainWindow;
    w->setHeadless(true);
    w->resize(1000, 700);
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    auto* list = w->findChild<QListWidget*>("recentList");
    QCOMPARE(list->count(), 3);
    QVERIFY(!list->item(0)->data(Qt::UserRole + 1).toBool());
    QVERIFY(list->item(1)->data(Qt::UserRole + 1).toBool());
    QVERIFY(list->item(1)->text().contains("not found"));
    // Double-click on the remote entry: opened directly (no dialog), fails, marked.
    {
      ModalWatch watch;
      QSignalSpy failed(w, &MainWindow::datasetFailed);
      const QRect r = list->visualItemRect(list->item(2));
      QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, r.center());
      QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, r.center());
      QVERIFY(failed.count() > 0 || failed.wait(20000));
      QCOMPARE(watch.count, 0);
    }
    QVERIFY(list->item(2)->data(Qt::UserRole + 1).toBool());
    QVERIFY(list->item(2)->text().contains("last open failed"));
    // Delete removes the selected entry from the list and the settings.
    list->setCurrentRow(1);
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(list->count(), 2);
    QVERIFY(!w->recentUris().contains(tmp_.filePath("gone.nii.zarr")));
    // Double-click on a local entry opens it.
    QSignalSpy opened(w, &MainWindow::datasetOpened);
    const QPoint first = list->visualItemRect(list->item(0)).center();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, first);
    QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, first);
    QVERIFY(opened.count() > 0 || opened.wait(30000));
    QCOMPARE(w->source()->uri(), refdata(kPyramid));
    delete w;
  }

  // The box in world mm: the centres of its first and last voxel through the level-0 affine
  // (the coordinates the status bar shows), and the "mm" unit says what it is.
  void worldCoordinatesOfBox() {
    QVERIFY(reopen(refdata(kPyramid)));
    nz::Box b;
    b.begin = {10, 20, 30, 0, 0};
    b.end = {20, 31, 42, 1, 1};
    roi_->model()->add(b);
    const nz::DatasetInfo& info = w_->source()->dataset()->info();
    auto world = [&](double i, double j, double k) {
      std::array<double, 3> x{};
      for (int r = 0; r < 3; ++r)
        x[std::size_t(r)] =
            info.affine[std::size_t(r * 4)] * i + info.affine[std::size_t(r * 4 + 1)] * j +
            info.affine[std::size_t(r * 4 + 2)] * k + info.affine[std::size_t(r * 4 + 3)];
      return x;
    };
    const QString text = child<QLabel>("roiWorld")->text();
    QRegularExpression num("-?[0-9]+\\.[0-9]+");
    QList<double> got;
    for (auto it = num.globalMatch(text); it.hasNext();) got << it.next().captured(0).toDouble();
    QCOMPARE(got.size(), 6);
    const auto first = world(10, 20, 30), last = world(19, 30, 41);
    for (int a = 0; a < 3; ++a) {
      QVERIFY2(std::abs(got[a] - first[std::size_t(a)]) < 0.006, qPrintable(text));
      QVERIFY2(std::abs(got[3 + a] - last[std::size_t(a)]) < 0.006, qPrintable(text));
    }
    // x is flipped in this dataset (LAS affine): world x of the first voxel is the larger one.
    QVERIFY(info.affine[0] < 0 && got[0] > got[3]);
    QVERIFY(child<QComboBox>("roiUnits")->itemText(1).contains("index × spacing"));
    // The estimate is a range with the store's measured latency and bandwidth (or says it has
    // not measured yet).
    QTest::qWait(2200);
    const QString estimate = child<QLabel>("roiEstimate")->text();
    QVERIFY2(QRegularExpression("^[0-9.]+ s( – [0-9.]+ s)? \\((\\d+ ms/request, [0-9.]+ MB/s "
                                "measured|not measured yet)\\)$")
                 .match(estimate)
                 .hasMatch(),
             qPrintable(estimate));
  }

  // "Save as NIfTI-Zarr…" proposes the folder of the last export, not always home.
  void saveAsProposesLastFolder() {
    QVERIFY(reopen(refdata(kPyramid)));
    roi_->setLastExportDirectory(tmp_.path());
    ExportDialog* dlg = roi_->openExportDialog(-1);
    QVERIFY(dlg);
    QCOMPARE(dlg->destination(), tmp_.filePath("e_uint16_pyramid_4levels_copy.nii.zarr"));
    dlg->close();
  }

  // "Open sample" opens the Colin27 brain converted at build time (not a synthetic ellipse):
  // same shape and affine as Debian's ch2better.nii.gz.
  void openSampleIsRealBrain() {
    const QString sample = MainWindow::sampleUri();
    QVERIFY2(sample.endsWith("share/nzview/sample.nii.zarr"), qPrintable(sample));
    QVERIFY(reopen(refdata(kPyramid)));
    auto ans = answerBox(QMessageBox::Discard);
    QSignalSpy opened(w_, &MainWindow::datasetOpened);
    w_->openSample();
    QVERIFY(opened.wait(30000));
    ans->stop();
    const auto brain = nz::openDataset("/usr/share/mricron/templates/ch2better.nii.gz", {});
    const nz::DatasetInfo& got = w_->source()->dataset()->info();
    QCOMPARE(got.shape, brain->info().shape);
    for (std::size_t k = 0; k < 16; ++k)
      QVERIFY(std::abs(got.affine[k] - brain->info().affine[k]) < 1e-4);
    QVERIFY(got.levels.size() > 1);  // a pyramid for the viewer
    QTest::qWait(500);
    QVERIFY(w_->grab().save(nzviewer_test::shotDir() + "/daily_sample_brain.png"));
  }

  // A cancelled export puts the progress bar back to 0 (it used to stay where it stopped).
  void progressResetAfterCancel() {
    QVERIFY(reopen(MainWindow::sampleUri()));  // the 35 MB brain: an export takes a while
    ExportDialog* dlg = roi_->openExportDialog(-1);
    QVERIFY(dlg);
    dlg->setDestination(tmp_.filePath("cancelled_copy.nii.zarr"));
    auto* bar = dlg->findChild<QProgressBar*>("exportProgress");
    QVERIFY(bar);
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(waitFor([&] { return bar->value() > 0 || done.count() > 0; }, 30000));
    QCOMPARE(done.count(), 0);  // still running with some progress shown
    dlg->cancelExport();
    QVERIFY(done.count() > 0 || done.wait(60000));
    QVERIFY(done.at(0).at(1).toBool());  // cancelled
    QCOMPARE(bar->value(), 0);
    QVERIFY(!QFileInfo::exists(tmp_.filePath("cancelled_copy.nii.zarr")));
    dlg->close();
  }

  void cleanupTestCase() { delete w_; }
};

QTEST_MAIN(TstDailyUseGui)
#include "tst_daily_use_gui.moc"
