// VtkGlWidget under Xvfb: real pixels (alpha, colour counts), resize, wheel zoom through an
// interactor style, a left drag changing window/level, and VTK timers running through Qt.
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkInteractorStyleImage.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkRenderer.h>

#include <QDir>
#include <QImage>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTimer>
#include <QWheelEvent>
#include <QtTest>
#include <vector>

#include "render/vtk_gl_widget.h"

using nzviewer::VtkGlWidget;

class TstVtkGlWidget : public QObject {
  Q_OBJECT
 private:
  VtkGlWidget* w_ = nullptr;
  vtkNew<vtkImageSlice> slice_;
  vtkNew<vtkInteractorStyleImage> style_;

  QImage frame() {
    const int before = w_->renderCount();
    w_->requestRender();
    for (int i = 0; i < 500 && w_->renderCount() <= before; ++i) QTest::qWait(10);
    return w_->grabFramebuffer();
  }
  static QString shotDir() {
    QString d = QStringLiteral(NZ_BINARY_DIR "/tests/viewer-shots");
    QDir().mkpath(d);
    return d;
  }

 private slots:
  void initTestCase() {
    // 64x48 image: left half 50 (blue through the LUT), right half 200 (red).
    vtkNew<vtkImageData> img;
    img->SetDimensions(64, 48, 1);
    img->AllocateScalars(VTK_UNSIGNED_CHAR, 1);
    auto* p = static_cast<unsigned char*>(img->GetScalarPointer());
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 64; ++x) p[y * 64 + x] = x < 32 ? 50 : 200;
    vtkNew<vtkLookupTable> lut;
    lut->SetNumberOfTableValues(2);
    lut->SetTableValue(0, 0, 0, 1, 1);
    lut->SetTableValue(1, 1, 0, 0, 1);
    lut->SetRange(0, 255);
    lut->Build();
    vtkNew<vtkImageSliceMapper> mapper;
    mapper->SetInputData(img);
    slice_->SetMapper(mapper);
    slice_->GetProperty()->SetLookupTable(lut);
    slice_->GetProperty()->UseLookupTableScalarRangeOff();
    slice_->GetProperty()->SetColorWindow(255);
    slice_->GetProperty()->SetColorLevel(127.5);
    slice_->GetProperty()->SetInterpolationTypeToNearest();

    w_ = new VtkGlWidget;
    w_->resize(400, 300);
    w_->renderer()->SetBackground(0.0, 1.0, 0.0);  // green background, easy to count
    w_->renderer()->AddViewProp(slice_);
    w_->renderer()->GetActiveCamera()->ParallelProjectionOn();
    w_->renderer()->ResetCamera();
    style_->SetInteractionModeToImage2D();
    w_->interactor()->SetInteractorStyle(style_);
    w_->show();
    QVERIFY(QTest::qWaitForWindowExposed(w_));
    QTRY_VERIFY_WITH_TIMEOUT(w_->renderCount() > 0, 5000);
  }

  void cleanupTestCase() { delete w_; }

  void rendersRealPixels() {
    QImage img = frame().convertToFormat(QImage::Format_ARGB32);
    QVERIFY(img.save(shotDir() + "/vtk_gl_widget.png"));
    int opaque = 0, green = 0, blue = 0, red = 0;
    for (int y = 0; y < img.height(); ++y)
      for (int x = 0; x < img.width(); ++x) {
        QRgb c = img.pixel(x, y);
        if (qAlpha(c) == 255) ++opaque;
        if (qGreen(c) > 200 && qRed(c) < 50 && qBlue(c) < 50) ++green;
        if (qBlue(c) > 200 && qRed(c) < 50 && qGreen(c) < 50) ++blue;
        if (qRed(c) > 200 && qBlue(c) < 50 && qGreen(c) < 50) ++red;
      }
    const int total = img.width() * img.height();
    qInfo("opaque %d/%d green %d blue %d red %d", opaque, total, green, blue, red);
    QCOMPARE(opaque, total);
    QVERIFY(blue > total / 8);
    QVERIFY(red > total / 8);
    QVERIFY(std::abs(blue - red) < total / 50);  // the two halves are the same size
    QVERIFY(green > total / 20);                 // background around the image
    // Left of centre is blue, right of centre red (VTK's x axis points right).
    QVERIFY(qBlue(img.pixel(img.width() / 2 - 20, img.height() / 2)) > 200);
    QVERIFY(qRed(img.pixel(img.width() / 2 + 20, img.height() / 2)) > 200);
  }

  void resizeReachesRenderWindow() {
    w_->resize(500, 350);
    QTRY_COMPARE_WITH_TIMEOUT(w_->renderWindow()->GetSize()[0],
                              static_cast<int>(500 * w_->devicePixelRatioF()), 5000);
    QCOMPARE(w_->renderWindow()->GetSize()[1], static_cast<int>(350 * w_->devicePixelRatioF()));
    QImage img = frame();
    QCOMPARE(img.width(), static_cast<int>(500 * w_->devicePixelRatioF()));
  }

  void wheelZoomsCamera() {
    const double before = w_->renderer()->GetActiveCamera()->GetParallelScale();
    const QPointF pos(250, 175);
    for (int i = 0; i < 3; ++i) {
      QWheelEvent ev(pos, w_->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton,
                     Qt::NoModifier, Qt::NoScrollPhase, false);
      QApplication::sendEvent(w_, &ev);
    }
    const double after = w_->renderer()->GetActiveCamera()->GetParallelScale();
    qInfo("parallel scale %.3f -> %.3f", before, after);
    QVERIFY(after < before * 0.9);
    frame();
  }

  void leftDragChangesWindowLevel() {
    const double before = slice_->GetProperty()->GetColorWindow();
    QTest::mousePress(w_, Qt::LeftButton, Qt::NoModifier, QPoint(250, 175));
    for (int i = 1; i <= 10; ++i) QTest::mouseMove(w_, QPoint(250 + 10 * i, 175));
    QTest::mouseRelease(w_, Qt::LeftButton, Qt::NoModifier, QPoint(350, 175));
    const double after = slice_->GetProperty()->GetColorWindow();
    qInfo("window %.1f -> %.1f", before, after);
    QVERIFY(after != before);
    QImage img = frame();
    QVERIFY(img.save(shotDir() + "/vtk_gl_widget_after_drag.png"));
  }

  void vtkTimersRunThroughQt() {
    int fired = 0;
    vtkNew<vtkCallbackCommand> cb;
    cb->SetClientData(&fired);
    cb->SetCallback([](vtkObject*, unsigned long, void* c, void*) { ++*static_cast<int*>(c); });
    const unsigned long tag = w_->interactor()->AddObserver(vtkCommand::TimerEvent, cb);
    const int id = w_->interactor()->CreateRepeatingTimer(10);
    QTRY_VERIFY_WITH_TIMEOUT(fired >= 3, 3000);
    w_->interactor()->DestroyTimer(id);
    const int after = fired;
    QTest::qWait(60);
    QCOMPARE(fired, after);
    w_->interactor()->CreateOneShotTimer(10);
    QTRY_COMPARE_WITH_TIMEOUT(fired, after + 1, 3000);
    QTest::qWait(60);
    QCOMPARE(fired, after + 1);
    w_->interactor()->RemoveObserver(tag);
  }

  // Views asking for a render in the same event-loop turn render in successive turns (one
  // software-GL render per turn), and every one of them does render.
  void rendersArePacedOnePerTurn() {
    QWidget box;
    box.resize(600, 300);
    VtkGlWidget a(&box), b(&box);
    a.setGeometry(0, 0, 300, 300);
    b.setGeometry(300, 0, 300, 300);
    box.show();
    QVERIFY(QTest::qWaitForWindowExposed(&box));
    QTRY_VERIFY(a.renderCount() > 0 && b.renderCount() > 0);  // first frames: not paced
    // A zero-interval timer ticks once per event-loop turn: renders in one turn share a tick.
    int turn = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, this, [&] { ++turn; });
    ticker.start();
    std::vector<std::pair<int, int>> renders;  // (turn, widget)
    int seenA = a.renderCount(), seenB = b.renderCount();
    auto record = [&] {
      if (a.renderCount() != seenA) renders.emplace_back(turn, 0), seenA = a.renderCount();
      if (b.renderCount() != seenB) renders.emplace_back(turn, 1), seenB = b.renderCount();
    };
    connect(&a, &VtkGlWidget::rendered, this, record);
    connect(&b, &VtkGlWidget::rendered, this, record);
    for (int round = 0; round < 3; ++round) {
      const std::size_t before = renders.size();
      a.requestRender();
      b.requestRender();
      QTRY_VERIFY(renders.size() >= before + 2);  // both render
    }
    for (std::size_t i = 1; i < renders.size(); ++i)
      QVERIFY2(renders[i].first != renders[i - 1].first,
               qPrintable(QString("two renders in turn %1").arg(renders[i].first)));
  }
};

QTEST_MAIN(TstVtkGlWidget)
#include "tst_vtk_gl_widget.moc"
