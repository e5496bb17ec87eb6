// The viewer's panels and texts under Xvfb: "Go to" typed voxel/world coordinates, Help →
// Keyboard shortcuts and File → Save screenshot, the colour bar, time playback of 4D data,
// view texts readable on bright images, and the open dialog's scheme line.
#include <vtkLookupTable.h>
#include <vtkNew.h>

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSlider>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <cstring>

#include "daily_test_util.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "model/colormaps.h"
#include "model/viewer_state.h"
#include "ui/colour_bar.h"
#include "ui/main_window.h"
#include "ui/open_dialog.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"
#include "views/slice_view.h"

using namespace nzviewer;
using namespace nzviewer_test;

namespace {
const char* kPyramid = "e_uint16_pyramid_4levels.nii.zarr";
}  // namespace

class TstViewerPanelsGui : public QObject {
  Q_OBJECT
 private:
  MainWindow* w_ = nullptr;
  QTemporaryDir tmp_;

  template <class T>
  T* child(const char* name) {
    return w_->findChild<T*>(name);
  }
  bool reopen(const QString& uri) { return reopenIn(w_, uri); }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    QVERIFY2(MainWindow::settingsFile().startsWith(QStringLiteral(NZ_BINARY_DIR)),
             qPrintable(MainWindow::settingsFile()));
    w_ = openWindow(refdata(kPyramid), QSize(1400, 900));
    QVERIFY(w_);
    QTest::qWait(200);
  }

  // "Go to": typed voxel indices or world mm move the crosshair (undoable like any jump);
  // bad text or a point outside the volume is a red message and no move.
  void typedCrosshairJump() {
    QVERIFY(reopen(refdata(kPyramid)));
    const nz::DatasetInfo& info = w_->source()->dataset()->info();
    auto* edit = child<QLineEdit>("gotoEdit");
    auto* kind = child<QComboBox>("gotoKind");
    auto* status = child<QLabel>("gotoStatus");
    QVERIFY(edit && kind && status);
    kind->setCurrentIndex(0);
    edit->setText("10, 20 30");
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(w_->state()->crosshair(), (nz::Point3{10, 20, 30}));
    QVERIFY(status->isHidden());
    // World mm of voxel (40, 50, 60), computed here from the affine.
    std::array<double, 3> world{};
    for (std::size_t r = 0; r < 3; ++r)
      world[r] = info.affine[r * 4] * 40 + info.affine[r * 4 + 1] * 50 +
                 info.affine[r * 4 + 2] * 60 + info.affine[r * 4 + 3];
    kind->setCurrentIndex(1);
    edit->setText(QString("(%1, %2, %3)").arg(world[0]).arg(world[1]).arg(world[2]));
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(w_->state()->crosshair(), (nz::Point3{40, 50, 60}));
    QVERIFY(child<QLabel>("crosshairLabel")->text().contains(QString::number(world[0], 'f', 2)));
    edit->setText("1 2");
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(!status->isHidden());
    QVERIFY2(status->text().contains("three numbers"), qPrintable(status->text()));
    kind->setCurrentIndex(0);
    edit->setText("10 20 5000");
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY2(status->text().startsWith("outside the volume"), qPrintable(status->text()));
    QCOMPARE(w_->state()->crosshair(), (nz::Point3{40, 50, 60}));
    child<QAction>("undoAction")->trigger();
    QCOMPARE(w_->state()->crosshair(), (nz::Point3{10, 20, 30}));
  }

  // Help → Keyboard shortcuts lists the real shortcuts and the mouse gestures; File → Save
  // screenshot… writes the window as PNG.
  void shortcutsAndScreenshot() {
    QVERIFY(reopen(refdata(kPyramid)));
    const QString text = w_->shortcutsText();
    for (const char* k : {"Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+B", "Ctrl+O", "Ctrl+Q", "Ctrl+Shift+P",
                          "Right drag", "Ctrl+left drag", "Home"})
      QVERIFY2(text.contains(k), k);
    auto ans = answerBox(QMessageBox::Close, "shortcutsBox");
    child<QAction>("shortcutsAction")->trigger();
    QVERIFY(ans->seen);
    QVERIFY(child<QAction>("saveScreenshotAction"));
    const QString png = tmp_.filePath("window.png");
    QVERIFY(w_->saveScreenshot(png));
    const QImage img(png);
    QCOMPARE(img.size(), w_->size());
    QVERIFY(!w_->saveScreenshot(tmp_.filePath("no_dir/x.png")));
  }

  // The colour bar between Window low and high shows the views' lookup table, column by column,
  // and follows the colour map.
  void colourBarFollowsMap() {
    QVERIFY(reopen(refdata(kPyramid)));
    auto* bar = w_->findChild<ColourBar*>("colourBar");
    QVERIFY(bar && bar->isVisible());
    for (Colormap map : {Colormap::Grey, Colormap::Hot, Colormap::Viridis}) {
      child<QComboBox>("colormapCombo")->setCurrentIndex(int(map));
      QCOMPARE(w_->state()->colormap(), map);
      const QImage img = bar->grab().toImage();
      vtkNew<vtkLookupTable> lut;
      fillLookupTable(lut, map, 0, 1);
      int checked = 0;
      for (int x = 0; x < img.width(); x += 7) {
        double rgba[4];
        lut->GetTableValue(std::min(255, x * 256 / img.width()), rgba);
        const QRgb got = img.pixel(x, img.height() / 2);
        QVERIFY2(std::abs(qRed(got) - int(std::lround(rgba[0] * 255))) <= 1 &&
                     std::abs(qGreen(got) - int(std::lround(rgba[1] * 255))) <= 1 &&
                     std::abs(qBlue(got) - int(std::lround(rgba[2] * 255))) <= 1,
                 qPrintable(QString("%1 column %2").arg(colormapName(map)).arg(x)));
        ++checked;
      }
      QVERIFY(checked > 10);
    }
    child<QComboBox>("colormapCombo")->setCurrentIndex(0);
  }

  // 4D data shows the time row with a play button; playing steps through the time points
  // (wrapping), stopping stops. A 3D dataset hides the row and stops playback.
  void timePlayback() {
    // A small 4D NIfTI-1 (uint8, 8x8x8x5, value = 40 t), written here field by field.
    const QString path = tmp_.filePath("series4d.nii");
    {
      QByteArray h(352, '\0');
      auto put16 = [&](int off, qint16 v) { std::memcpy(h.data() + off, &v, 2); };
      auto put32 = [&](int off, qint32 v) { std::memcpy(h.data() + off, &v, 4); };
      auto putf = [&](int off, float v) { std::memcpy(h.data() + off, &v, 4); };
      put32(0, 348);
      const qint16 dim[8] = {4, 8, 8, 8, 5, 1, 1, 1};
      for (int i = 0; i < 8; ++i) put16(40 + 2 * i, dim[i]);
      put16(70, 2);  // uint8
      put16(72, 8);
      for (int i = 0; i < 8; ++i) putf(76 + 4 * i, 1.0f);
      putf(108, 352);
      putf(112, 1.0f);
      h[123] = 2 | 8;  // mm, s
      std::memcpy(h.data() + 344, "n+1", 4);
      QByteArray data(8 * 8 * 8 * 5, '\0');
      for (int t = 0; t < 5; ++t) std::memset(data.data() + t * 512, 40 * t, 512);
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(h + data);
    }
    QVERIFY(reopen(path));
    QCOMPARE(w_->source()->dataset()->info().shape[3], std::int64_t(5));
    auto* time = child<QSlider>("timeSlider");
    auto* play = child<QToolButton>("playButton");
    QVERIFY(time && play);
    QVERIFY(time->isVisibleTo(w_) && play->isVisibleTo(w_));
    QCOMPARE(w_->state()->timeIndex(), std::int64_t(0));
    QSignalSpy steps(w_->state(), &ViewerState::timeChannelChanged);
    QTest::mouseClick(play, Qt::LeftButton);
    QVERIFY(play->isChecked());
    QVERIFY(waitFor([&] { return steps.count() >= 6; }, 5000));  // wrapped past 4 back to 0..
    QTest::mouseClick(play, Qt::LeftButton);
    QVERIFY(!play->isChecked());
    const std::int64_t stopped = w_->state()->timeIndex();
    QCOMPARE(time->value(), int(stopped));
    QTest::qWait(600);
    QCOMPARE(w_->state()->timeIndex(), stopped);
    // Playing, then a 3D dataset: the row hides and playback stops.
    QTest::mouseClick(play, Qt::LeftButton);
    QVERIFY(reopen(refdata(kPyramid)));
    QVERIFY(!time->isVisibleTo(w_));
    QVERIFY(!play->isChecked());
  }

  // The view's texts (corner line, orientation letters) have a dark shadow, so they stay
  // readable on a white image.
  void overlayTextReadableOnBrightImage() {
    QVERIFY(reopen(refdata(kPyramid)));
    SliceView* axial = w_->viewer()->view(ViewKind::Axial);
    axial->setZoom(axial->zoom() * 4, QPointF(axial->width() / 2.0, axial->height() / 2.0));
    w_->state()->setRange(-2, -1);  // every voxel above the window: white
    // Top-left corner text over white image: dark shadow pixels next to the light glyphs. The
    // views compose on workers: wait for the white picture (slow under sanitizers).
    QImage img;
    int white = 0, dark = 0;
    waitFor(
        [&] {
          img = nzviewer_test::frameOf(axial);
          white = dark = 0;
          for (int y = 2; y < 20; ++y)
            for (int x = 12; x < std::min(img.width(), 220); ++x) {
              const int g = qGray(img.pixel(x, y));
              white += g > 250;
              dark += g < 90;
            }
          return white > 500;
        },
        15000);
    img.save(nzviewer_test::shotDir() + "/daily_text_on_white.png");
    QVERIFY2(white > 500,
             qPrintable(QString("%1 white pixels: image not under the text").arg(white)));
    qInfo("%d white, %d dark pixels under the corner text", white, dark);
    QVERIFY2(dark > 40, qPrintable(QString("%1 dark (shadow) pixels").arg(dark)));
    w_->viewer()->applyAutoWindow();
    axial->resetView();
  }

  // Free text is not called a local path; an unknown scheme is named.
  void openDialogNamesWhatItSees() {
    OpenDialog dlg;
    auto* scheme = dlg.findChild<QLabel*>("schemeLabel");
    QVERIFY(scheme);
    dlg.setUri("hello world");
    QVERIFY2(!scheme->text().contains("Local path"), qPrintable(scheme->text()));
    QVERIFY(scheme->text().startsWith("Not recognised"));
    dlg.setUri("ftp://host/x.nii.zarr");
    QVERIFY2(scheme->text().contains("unknown scheme <b>ftp://</b>"), qPrintable(scheme->text()));
    dlg.setUri(refdata(kPyramid));
    QVERIFY2(scheme->text().contains("Local path") && !scheme->text().contains("not found"),
             qPrintable(scheme->text()));
    dlg.setUri("/no/such/dir/x.nii.zarr");
    QVERIFY(scheme->text().contains("Local path</b> (not found)"));
    dlg.setUri("s3://bucket/x.nii.zarr");
    QVERIFY(scheme->text().contains("Amazon S3"));
  }

  void cleanupTestCase() { delete w_; }
};

QTEST_MAIN(TstViewerPanelsGui)
#include "tst_viewer_panels_gui.moc"
