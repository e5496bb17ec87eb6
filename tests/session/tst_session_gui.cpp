// Sessions in the viewer under Xvfb: save -> open restores every field (state compared field by
// field, and the three views' pixels), links (readable and > 2000 characters) do the same, a
// Neuroglancer state opens its layers and position, credentials given for one store never
// reach another host (two local HTTP servers recording Authorization), hostile input is one
// message, bookmarks and presentation mode step, and a second nzview hands a link to the running
// one over the local socket.
#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "data/data_source.h"
#include "model/viewer_state.h"
#include "recording_http_server.h"
#include "session/neuroglancer.h"
#include "session/session_controller.h"
#include "session/session_link.h"
#include "session/single_instance.h"
#include "session_secrets.h"
#include "ui/main_window.h"
#include "view3d/view3d.h"
#include "view3d/view3d_controller.h"
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

const QString kRef = "e_uint16_pyramid_4levels.nii.zarr";
const QString kLabels = "g1_v3_uint8_oblique.nii.zarr";
const QString kImage = "b_int16_scl_qform.nii.zarr";

struct Window {
  std::unique_ptr<MainWindow> w{new MainWindow};
  SessionController* sc = nullptr;
  Window() {
    w->setHeadless(true);
    w->resize(1280, 860);
    w->show();
    sc = w->findChild<SessionController*>();
  }
  bool complete(int ms = 60000) {
    return waitFor([&] { return w->viewer()->allViewsComplete(); }, ms);
  }
  bool open(const nz::Session& s, const nz::StoreOptions& o = {}) {
    QSignalSpy applied(sc, &SessionController::sessionApplied);
    QSignalSpy failed(sc, &SessionController::sessionFailed);
    if (!sc->openSession(s, o)) return false;
    return waitFor([&] { return applied.count() > 0 || failed.count() > 0; }, 60000) &&
           applied.count() > 0;
  }
};

void compareSessions(const nz::Session& a, const nz::Session& b) {
  QCOMPARE(b.layers.size(), a.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const auto &x = a.layers[i], &y = b.layers[i];
    QCOMPARE(QString::fromStdString(y.uri), QString::fromStdString(x.uri));
    QCOMPARE(y.kind, x.kind);
    QCOMPARE(y.visible, x.visible);
    QCOMPARE(y.opacity, x.opacity);
    QCOMPARE(y.outline, x.outline);
    QCOMPARE(y.linear, x.linear);
    QCOMPARE(y.colormap, x.colormap);
    QCOMPARE(y.window.has_value(), x.window.has_value());
    if (x.window) {
      QVERIFY(std::abs((*y.window)[0] - (*x.window)[0]) < 1e-9);
      QVERIFY(std::abs((*y.window)[1] - (*x.window)[1]) < 1e-9);
    }
    QCOMPARE(y.hiddenLabels, x.hiddenLabels);
  }
  QCOMPARE(b.selectedLayer, a.selectedLayer);
  for (int k = 0; k < 3; ++k) QVERIFY(std::abs((*b.crosshairMm)[k] - (*a.crosshairMm)[k]) < 1e-4);
  QCOMPARE(b.t, a.t);
  QCOMPARE(b.c, a.c);
  for (int i = 0; i < 3; ++i) {
    QVERIFY2(
        std::abs(b.views[i].zoom - a.views[i].zoom) < 1e-9,
        qPrintable(
            QString("view %1 zoom %2 vs %3").arg(i).arg(b.views[i].zoom).arg(a.views[i].zoom)));
    for (int k = 0; k < 3; ++k)
      QVERIFY2(std::abs((*b.views[i].centerMm)[k] - (*a.views[i].centerMm)[k]) < 1e-4,
               qPrintable(QString("view %1 centre[%2]").arg(i).arg(k)));
  }
  QCOMPARE(b.rois, a.rois);
  QCOMPARE(b.bookmarks.size(), a.bookmarks.size());
  for (std::size_t i = 0; i < a.bookmarks.size(); ++i) {
    QCOMPARE(b.bookmarks[i].name, a.bookmarks[i].name);
    QCOMPARE(b.bookmarks[i].zoom, a.bookmarks[i].zoom);
  }
}

// The same view sizes in both windows (docks differ: the ROI dock opens with a drawn box); a
// resize keeps each view's centre and zoom, so the pixels can be compared one to one.
void hideDocks(MainWindow* w) {
  for (QDockWidget* d : w->findChildren<QDockWidget*>()) d->hide();
  QTest::qWait(100);
}

int differingPixels(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return a.width() * a.height();
  int n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      if (a.pixel(x, y) != b.pixel(x, y)) ++n;
  return n;
}

}  // namespace

class TestSessionGui : public QObject {
  Q_OBJECT
  std::unique_ptr<Window> first_;
  nz::Session saved_;
  QTemporaryDir dir_;
  std::array<QImage, 3> frames_;

 private slots:
  void saveOpenRoundTrip() {
    first_ = std::make_unique<Window>();
    Window& a = *first_;
    QSignalSpy opened(a.w.get(), &MainWindow::datasetOpened);
    a.w->openUri(refdata(kRef));
    QVERIFY(waitFor([&] { return opened.count() > 0; }, 30000));
    DataSource* src = a.w->source();
    const int labels = src->addLayer(refdata(kLabels), {}, LayerKind::Labels);
    const int image = src->addLayer(refdata(kImage), {}, LayerKind::Image);
    QVERIFY(waitFor([&] { return src->layer(labels) && src->layer(image); }, 30000));
    if (src->layers().front()->id != labels) src->moveLayer(labels, -1);  // labels at the bottom
    QCOMPARE(src->layers().front()->id, labels);
    // Change every field from its default.
    Layer* l = src->layer(labels);
    l->display.opacity = 0.3;
    l->display.outline = true;
    l->labels.setVisible(2, false);
    l->labels.setVisible(3, false);
    Layer* im = src->layer(image);
    im->display.opacity = 0.7;
    im->display.linear = true;
    im->display.colormap = Colormap::Viridis;
    im->display.low = 5;
    im->display.high = 50;
    im->display.windowSet = true;
    im->display.visible = false;
    src->notifyLayerDisplayChanged();
    if (auto* list = a.w->findChild<QListWidget*>("layerList"))
      for (int row = 0; row < list->count(); ++row)
        if (list->item(row)->data(Qt::UserRole).toInt() == labels) list->setCurrentRow(row);
    ViewerState* st = a.w->state();
    st->setColormap(Colormap::Hot);
    st->setRange(10, 300);
    st->setCrosshair({20, 17, 9});
    const auto views = a.w->viewer()->views();
    views[0]->setZoom(views[0]->zoom() * 1.7, QPointF(100, 80));
    views[0]->panBy(QPointF(23, -11));
    views[1]->setZoom(views[1]->zoom() * 1.3, QPointF(50, 50));
    auto* roi = a.w->findChild<RoiController*>();
    QVERIFY(roi);
    roi->model()->add(nz::Box{{4, 5, 6, 0, 0}, {20, 22, 14, 1, 1}}, "left, hippocampus");
    a.sc->addBookmark("first");
    st->setCrosshair({10, 11, 12});
    a.sc->addBookmark("second");
    QVERIFY(a.complete());
    saved_ = a.sc->capture();
    QCOMPARE(saved_.layers.size(), std::size_t(3));
    QCOMPARE(saved_.selectedLayer, 1);
    QCOMPARE(saved_.layers[1].hiddenLabels, (std::vector<std::int64_t>{2, 3}));
    QVERIFY(saved_.rois.has_value());
    hideDocks(a.w.get());
    QVERIFY(a.complete());
    for (int i = 0; i < 3; ++i) frames_[i] = frameOf(views[i]);

    const QString path = dir_.filePath("view.nzview.json");
    QString error;
    QVERIFY2(a.sc->saveSession(path, &error), qPrintable(error));
    QVERIFY(a.sc->recentSessions().contains(QFileInfo(path).absoluteFilePath()));

    Window b;
    QSignalSpy applied(b.sc, &SessionController::sessionApplied);
    QVERIFY(b.sc->loadSessionFile(path));
    QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
    QVERIFY(b.complete());
    const nz::Session back = b.sc->capture();
    compareSessions(saved_, back);
    // The layout is applied; rulers survive open -> save as given.
    nz::Session extra = back;
    extra.camera3d = nlohmann::json{{"azimuth", 30}, {"elevation", 12}};
    extra.rulers = nlohmann::json::array({{{"a_mm", {0, 0, 0}}, {"b_mm", {5, 0, 0}}}});
    extra.layout = "ortho";
    Window c;
    QVERIFY(c.open(extra));
    auto* c3d = c.w->findChild<View3DController*>();
    QVERIFY(c3d);
    QCOMPARE(int(c3d->layout()), int(ViewLayout::Ortho));
    QVERIFY(!c3d->panel()->isVisible());
    const nz::Session kept = c.sc->capture();
    // Until the 3D view has shown a volume, a camera it cannot take is saved as given.
    if (!c3d->view()->hasCamera()) QCOMPARE(kept.camera3d, extra.camera3d);
    QCOMPARE(kept.rulers, extra.rulers);
    QCOMPARE(kept.layout, std::string("ortho"));
    // A 3D camera in world mm is put back once the 3D view shows the volume, and saved again.
    nz::Session withCamera = back;
    withCamera.layout = "grid";
    const std::array<double, 3> pos{180.5, -2.0, 3.25}, focal{1.5, -2.0, 3.25}, up{0, 0.6, 0.8};
    withCamera.camera3d = nlohmann::json{
        {"position", pos}, {"focal_point", focal}, {"view_up", up}, {"view_angle", 25.0}};
    Window d;
    QVERIFY(d.open(withCamera));
    auto* d3d = d.w->findChild<View3DController*>();
    QVERIFY(d3d && d3d->panel()->isVisible());
    QVERIFY(waitFor([&] { return d3d->view()->hasCamera(); }, 60000));
    const nz::Session again3d = d.sc->capture();
    QCOMPARE(again3d.layout, std::string("grid"));
    QVERIFY(again3d.camera3d.has_value());
    for (int i = 0; i < 3; ++i) {
      QVERIFY(std::abs((*again3d.camera3d)["position"][i].get<double>() - pos[i]) < 1e-6);
      QVERIFY(std::abs((*again3d.camera3d)["focal_point"][i].get<double>() - focal[i]) < 1e-6);
      QVERIFY(std::abs((*again3d.camera3d)["view_up"][i].get<double>() - up[i]) < 1e-6);
    }
    QVERIFY(std::abs((*again3d.camera3d)["view_angle"].get<double>() - 25.0) < 1e-9);
    // Rulers in the ROI list's form (level-0 voxel ends) are shown by the ruler tool, count as
    // saved, are captured from it, and a ruler deleted in the viewer stays deleted.
    nz::Session withRulers = back;
    withRulers.rulers = nlohmann::json::array(
        {{{"name", "first"},
          {"a", {3.25, 7.5, 11.125}},
          {"b", {40.75, 30.0625, 21.5}},
          {"normal", 2}},
         {{"name", "second"}, {"a", {10.0, 4.0, 2.0}}, {"b", {10.0, 20.0, 2.0}}, {"normal", 2}}});
    Window e;
    QVERIFY(e.open(withRulers));
    auto* eRoi = e.w->findChild<RoiController*>();
    const QJsonArray shown = eRoi->listExtras()["rulers"].toArray();
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown[1].toObject()["name"].toString(), QString("second"));
    QCOMPARE(shown[0].toObject()["b"].toArray()[1].toDouble(), 30.0625);
    QVERIFY(!eRoi->hasUnsavedRois());
    const nz::Session rulersBack = e.sc->capture();
    QVERIFY(rulersBack.rulers.has_value());
    QCOMPARE(int(rulersBack.rulers->size()), 2);
    QCOMPARE((*rulersBack.rulers)[0]["a"][2].get<double>(), 11.125);
    QCOMPARE((*rulersBack.rulers)[1]["name"].get<std::string>(), std::string("second"));
    eRoi->applyListExtras(QJsonObject{{"rulers", QJsonArray{}}});  // all deleted
    QVERIFY(!e.sc->capture().rulers.has_value());
    hideDocks(b.w.get());
    QVERIFY(b.complete());
    const auto bviews = b.w->viewer()->views();
    for (int i = 0; i < 3; ++i) {
      const QImage again = frameOf(bviews[i]);
      frames_[i].save(shotDir() + QString("/session_saved_%1.png").arg(i));
      again.save(shotDir() + QString("/session_restored_%1.png").arg(i));
      const int diff = differingPixels(frames_[i], again);
      QVERIFY2(diff == 0, qPrintable(QString("view %1: %2 pixels differ").arg(i).arg(diff)));
    }
  }

  void linkRoundTrip() {
    QVERIFY(first_);
    const QString link = first_->sc->link();
    QVERIFY(link.startsWith("nzview://open?z="));  // ROIs: the compact form
    Window b;
    QSignalSpy applied(b.sc, &SessionController::sessionApplied);
    QVERIFY(b.w->openUri(link));  // as a paste, a drop or the command line
    QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
    QVERIFY(b.complete());
    compareSessions(saved_, b.sc->capture());
    // Without ROIs the readable form is used; a long one (300 bookmarks) still opens.
    nz::Session s = saved_;
    s.rois.reset();
    for (int i = 0; i < 300; ++i)
      s.bookmarks.push_back({"b" + std::to_string(i), {1.0 * i, 2, 3}, 2});
    const std::string readable = nz::sessionLinkReadable(s);
    QVERIFY(readable.size() > 2000);
    Window c;
    QSignalSpy applied2(c.sc, &SessionController::sessionApplied);
    QVERIFY(c.w->openUri(QString::fromStdString(readable)));
    QVERIFY(waitFor([&] { return applied2.count() > 0; }, 60000));
    QCOMPARE(c.sc->bookmarks().size(), std::size_t(302));
    QCOMPARE(c.w->source()->layers().size(), std::size_t(2));
  }

  void bookmarksAndPresentation() {
    QVERIFY(first_);
    Window& a = *first_;
    QCOMPARE(a.sc->bookmarks().size(), std::size_t(2));
    a.sc->setPresentation(true);
    QVERIFY(a.sc->isPresenting());
    QVERIFY(waitFor([&] { return a.w->isFullScreen(); }, 5000));
    QCOMPARE(a.sc->currentBookmark(), 0);
    QCOMPARE(a.w->state()->crosshair(), (nz::Point3{20, 17, 9}));
    QTest::keyClick(a.w->viewer()->views()[0], Qt::Key_Right);
    QCOMPARE(a.sc->currentBookmark(), 1);
    QCOMPARE(a.w->state()->crosshair(), (nz::Point3{10, 11, 12}));
    QTest::keyClick(a.w->viewer()->views()[0], Qt::Key_Right);  // stays on the last
    QCOMPARE(a.sc->currentBookmark(), 1);
    QTest::keyClick(a.w->viewer()->views()[0], Qt::Key_Left);
    QCOMPARE(a.w->state()->crosshair(), (nz::Point3{20, 17, 9}));
    QVERIFY(a.w->grab().save(shotDir() + "/session_presentation.png"));
    QTest::keyClick(a.w->viewer()->views()[0], Qt::Key_Escape);
    QVERIFY(!a.sc->isPresenting());
    QVERIFY(waitFor([&] { return !a.w->isFullScreen(); }, 5000));
  }

  void credentialsStayWithTheirStore() {
    sessiontest::RecordingHttpServer hostA(QStringLiteral(NZ_TEST_DATA_DIR "/refdata"));
    sessiontest::RecordingHttpServer hostB(QStringLiteral(NZ_TEST_DATA_DIR "/refdata"));
    QVERIFY(hostA.isListening() && hostB.isListening());
    nz::Session s;
    nz::SessionLayer ref, other;
    ref.uri = (hostA.base() + "/" + kRef).toStdString();
    other.uri = (hostB.base() + "/" + kLabels).toStdString();
    other.kind = nz::SessionLayerKind::Labels;
    s.layers = {ref, other};
    nz::StoreOptions creds;
    creds.headers = {"Authorization: Bearer ya29.tokenEXAMPLE0001"};
    // The same for a session and for a link (what a stranger can send).
    for (int round = 0; round < 2; ++round) {
      hostA.clear();
      hostB.clear();
      Window w;
      if (round == 0) {
        QVERIFY(w.open(s, creds));
      } else {
        QSignalSpy applied(w.sc, &SessionController::sessionApplied);
        QVERIFY(w.sc->openText(QString::fromStdString(nz::sessionLink(s)), creds));
        QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
      }
      QVERIFY(w.complete());
      QCOMPARE(w.w->source()->layers().size(), std::size_t(1));
      QVERIFY(!hostA.requests().isEmpty());
      QVERIFY(!hostB.requests().isEmpty());
      for (const auto& r : hostA.requests())
        QCOMPARE(r.authorization, QByteArray("Bearer ya29.tokenEXAMPLE0001"));
      for (const auto& r : hostB.requests())
        QVERIFY2(r.authorization.isEmpty(), r.path.constData());
      const QString path = dir_.filePath(QString("creds%1.nzview.json").arg(round));
      QVERIFY(w.sc->saveSession(path));
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      sessiontest::expectNoSecret(QString::fromUtf8(f.readAll()), "session file");
      sessiontest::expectNoSecret(w.sc->link(), "link");
      sessiontest::expectNoSecret(w.sc->neuroglancerLink(), "Neuroglancer link");
    }
  }

  void asksForCredentialsPerStore() {
    // The image's host wants a token the environment does not have: the open dialog's page for
    // that store asks once; what is typed goes to that host only.
    sessiontest::RecordingHttpServer hostA(QStringLiteral(NZ_TEST_DATA_DIR "/refdata"));
    sessiontest::RecordingHttpServer hostB(QStringLiteral(NZ_TEST_DATA_DIR "/refdata"));
    hostA.requireAuthorization("Bearer typed-token-0001");
    nz::Session s;
    nz::SessionLayer ref, other;
    ref.uri = (hostA.base() + "/" + kRef).toStdString();
    other.uri = (hostB.base() + "/" + kLabels).toStdString();
    other.kind = nz::SessionLayerKind::Labels;
    s.layers = {ref, other};
    Window w;
    w.w->setHeadless(false);
    int dialogs = 0;
    QTimer answer;
    answer.setInterval(50);
    connect(&answer, &QTimer::timeout, [&] {
      QWidget* modal = QApplication::activeModalWidget();
      if (!modal) return;
      if (modal->objectName() == "sessionCredentialsDialog") {
        ++dialogs;
        auto* headers = modal->findChild<QPlainTextEdit*>("httpHeaders");
        QVERIFY(headers);
        headers->setPlainText("Authorization: Bearer typed-token-0001");
        qobject_cast<QDialog*>(modal)->accept();
      } else if (auto* box = qobject_cast<QMessageBox*>(modal)) {
        box->accept();  // the first attempt's "Could not open dataset"
      }
    });
    answer.start();
    QSignalSpy applied(w.sc, &SessionController::sessionApplied);
    QVERIFY(w.sc->openSession(s));
    QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
    answer.stop();
    QCOMPARE(dialogs, 1);
    QCOMPARE(w.w->source()->uri(), hostA.base() + "/" + kRef);
    QCOMPARE(w.w->source()->layers().size(), std::size_t(1));
    QVERIFY(w.complete());
    int withToken = 0;
    for (const auto& r : hostA.requests())
      withToken += r.authorization == "Bearer typed-token-0001";
    QVERIFY(withToken > 0);
    for (const auto& r : hostB.requests()) QVERIFY2(r.authorization.isEmpty(), r.path.constData());
  }

  void neuroglancerStateOpens() {
    sessiontest::RecordingHttpServer host(QStringLiteral(NZ_TEST_DATA_DIR "/refdata"));
    // The documented shapes: a legacy zarr2:// image and a pipeline |zarr3: segmentation, a
    // position in 1 mm x/y/z dimensions, crossSectionScale, an annotation layer (listed).
    Window probe;
    QSignalSpy opened(probe.w.get(), &MainWindow::datasetOpened);
    probe.w->openUri(refdata(kRef));
    QVERIFY(waitFor([&] { return opened.count() > 0; }, 30000));
    probe.w->state()->setCrosshair({21, 13, 8});
    const nz::Session here = probe.sc->capture();
    const auto mm = *here.crosshairMm;
    const QString state =
        QString(R"({"dimensions": {"x": [0.001, "m"], "y": [0.001, "m"], "z": [0.001, "m"]},)"
                R"("position": [%1, %2, %3], "crossSectionScale": 0.25, "layers": [)"
                R"({"type": "image", "source": "zarr2://%4/%5", "name": "brain"},)"
                R"({"type": "segmentation", "source": "%4/%6/|zarr3:", "name": "seg"},)"
                R"({"type": "annotation", "source": "local://annotations", "name": "notes"}],)"
                R"("selectedLayer": {"layer": "seg"}})")
            .arg(mm[0], 0, 'g', 17)
            .arg(mm[1], 0, 'g', 17)
            .arg(mm[2], 0, 'g', 17)
            .arg(host.base(), kRef, kLabels);
    const QString file = dir_.filePath("state.json");
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(state.toUtf8());
    f.close();
    for (const QString& input :
         {file, QString("https://neuroglancer-demo.appspot.com/#!") +
                    QString::fromStdString(nz::neuroglancerFragmentEncode(state.toStdString()))}) {
      Window w;
      QSignalSpy applied(w.sc, &SessionController::sessionApplied);
      QVERIFY(w.w->openUri(input));
      QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
      QCOMPARE(w.w->source()->uri(), host.base() + "/" + kRef);
      QCOMPARE(w.w->source()->layers().size(), std::size_t(1));
      QCOMPARE(w.w->source()->layers()[0]->kind, LayerKind::Labels);
      QCOMPARE(w.w->source()->layers()[0]->uri, host.base() + "/" + kLabels);
      QCOMPARE(w.w->state()->crosshair(), (nz::Point3{21, 13, 8}));
      for (SliceView* v : w.w->viewer()->views()) QCOMPARE(v->zoom(), 4.0);  // 1 / 0.25 mm
    }
  }

  void hostileInputIsOneMessage() {
    Window w;
    QSignalSpy failed(w.sc, &SessionController::sessionFailed);
    const QString bad = dir_.filePath("bad.nzview.json");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"nzview_session": 1, "layers": [{"uri": "x", "opacity": "lots"}]})");
    f.close();
    QVERIFY(w.w->openUri(bad));
    QCOMPARE(failed.count(), 1);
    QVERIFY2(
        failed.last().first().toString().endsWith("layers[0].opacity: must be a number in [0, 1]"),
        qPrintable(failed.last().first().toString()));
    QVERIFY(w.w->openUri("nzview://open?image=a&mm=1,2"));
    QCOMPARE(failed.count(), 2);
    QCOMPARE(failed.last().first().toString(),
             QString("nzview link: mm: expects 3 numbers (x,y,z in mm)"));
    QVERIFY(w.w->openUri(
        "https://ng.example/#!{\"layers\": [{\"source\": \"precomputed://gs://b/x\"}]}"));
    QCOMPARE(failed.count(), 3);
    QVERIFY(failed.last().first().toString().contains("format 'precomputed' is not supported"));
    QVERIFY(!w.w->source()->isOpen() || w.w->source()->uri().isEmpty());
    // A label table that is a device is never read (it would never end): default colours.
    nz::Session s;
    nz::SessionLayer ref, labels;
    ref.uri = refdata(kRef).toStdString();
    labels.uri = refdata(kLabels).toStdString();
    labels.kind = nz::SessionLayerKind::Labels;
    labels.labelTable = "/dev/zero";
    s.layers = {ref, labels};
    QVERIFY(w.open(s));
    QCOMPARE(w.w->source()->layers().size(), std::size_t(1));
    QCOMPARE(w.w->source()->layers()[0]->labels.source(), std::string());
  }

  void secondInstanceHandsOver() {
    // A server under this test's own name stands for the running window.
    qputenv("NZVIEW_INSTANCE_NAME",
            QByteArray("nzview-test-") + QByteArray::number(QCoreApplication::applicationPid()));
    SingleInstance server;
    QVERIFY(server.listen());
    QSignalSpy received(&server, &SingleInstance::received);
    const QString link = "nzview://open?image=" + refdata(kRef) + "&mm=1,2,3";
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"), {link});
    QVERIFY(waitFor([&] { return received.count() > 0; }, 30000));
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QString(p.readAll()).contains("handed to the running nzview"));
    QCOMPARE(received.first().first().toString(), link);
    // A session file is handed over as its absolute path.
    const QString path = dir_.filePath("view.nzview.json");
    QVERIFY(QFileInfo::exists(path));
    QProcess q;
    q.setWorkingDirectory(dir_.path());
    q.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"), {"view.nzview.json"});
    QVERIFY(waitFor([&] { return received.count() > 1; }, 30000));
    QVERIFY(q.waitForFinished(30000));
    QCOMPARE(received.last().first().toString(), QFileInfo(path).absoluteFilePath());
    // The receiving window opens it.
    Window w;
    QSignalSpy applied(w.sc, &SessionController::sessionApplied);
    QVERIFY(w.w->openUri(received.first().first().toString()));
    QVERIFY(waitFor([&] { return applied.count() > 0; }, 60000));
    QCOMPARE(w.w->source()->uri(), refdata(kRef));
  }
};

QTEST_MAIN(TestSessionGui)
#include "tst_session_gui.moc"
