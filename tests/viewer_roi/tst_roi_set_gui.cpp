// "Save ROIs…" / "Load ROIs…" in the viewer under Xvfb: the saved JSON keeps the names
// verbatim and the model's boxes at the export level exactly, loading it back restores the
// same list and settings, malformed files give one message naming the file and change nothing,
// and an ROI's export dialog proposes a safe file name inside the last export directory (a
// name like "../../evil/name" never becomes a path).
#include <sys/stat.h>
#include <QAction>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "../viewer/viewer_test_util.h"
#include "data/data_source.h"
#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "roi/roi_box.h"
#include "ui/main_window.h"
#include "viewer/roi/export_dialog.h"
#include "viewer/roi/roi_controller.h"
#include "viewer/roi/roi_list_panel.h"
#include "viewer/roi/roi_model.h"

using namespace nzviewer;

namespace {

nz::Box box3(std::array<std::int64_t, 3> b, std::array<std::int64_t, 3> e) {
  nz::Box box;
  for (int a = 0; a < 3; ++a) box.begin[a] = b[a], box.end[a] = e[a];
  return box;
}

bool sameBox(const nz::Box& a, const nz::Box& b) { return a.begin == b.begin && a.end == b.end; }

QString boxText(const nz::Box& b) { return QString::fromStdString(nz::roiText(b, 5)); }

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(bytes), bytes.size());
}

// Everything a load could change, to check that a failed load changed nothing.
struct Snapshot {
  std::vector<QString> names;
  std::vector<nz::Box> boxes;
  int level = 0, current = -1;
  std::optional<std::array<std::int64_t, 3>> cropOrPad;
  nz::PadMode padMode = nz::PadMode::Constant;
  double padValue = 0;
  bool snap = false;
  explicit Snapshot(const RoiModel* m)
      : level(m->level()),
        current(m->current()),
        cropOrPad(m->cropOrPad()),
        padMode(m->padMode()),
        padValue(m->padValue()),
        snap(m->snap()) {
    for (const auto& r : m->rois()) names.push_back(r.name), boxes.push_back(r.roi.box);
  }
  bool operator==(const Snapshot& o) const {
    if (names != o.names || boxes.size() != o.boxes.size()) return false;
    for (std::size_t i = 0; i < boxes.size(); ++i)
      if (!sameBox(boxes[i], o.boxes[i])) return false;
    return level == o.level && current == o.current && cropOrPad == o.cropOrPad &&
           padMode == o.padMode && padValue == o.padValue && snap == o.snap;
  }
};

const QString kEvil = "../../evil/name";
const QString kSlash = "a/b";

}  // namespace

class TstRoiSetGui : public QObject {
  Q_OBJECT
 private:
  MainWindow* w_ = nullptr;
  RoiController* roi_ = nullptr;
  QString uri_;
  QTemporaryDir tmp_;
  // What was saved (filled by saveWritesNamesAndLevelBoxes).
  std::vector<QString> savedNames_;
  std::vector<nz::Box> savedLevelBoxes_;
  std::vector<nz::Box> savedLevel0Boxes_;

  RoiModel* model() const { return roi_->model(); }
  int indexOf(const QString& name) const {
    for (std::size_t i = 0; i < model()->rois().size(); ++i)
      if (model()->rois()[i].name == name) return int(i);
    return -1;
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    uri_ = nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr");
    w_ = nzviewer_test::openWindow(uri_, QSize(1400, 900));
    QVERIFY(w_);
    roi_ = w_->findChild<RoiController*>();
    QVERIFY(roi_);
    const nz::DatasetInfo* info = model()->info();
    QVERIFY(info);
    QCOMPARE(info->ndim, 3);
    QVERIFY(info->levels.size() >= 2);
    // Level 1 halves level 0 (the boxes below rely on it for exact level-0 round trips).
    QCOMPARE(info->levels[1].shape[0], (info->levels[0].shape[0] + 1) / 2);
  }

  void saveWritesNamesAndLevelBoxes() {
    RoiModel* m = model();
    auto* panel = roi_->panel();
    auto* save = panel->findChild<QPushButton*>("roiSave");
    auto* load = panel->findChild<QPushButton*>("roiLoad");
    QVERIFY(save && load);
    QVERIFY(!save->isEnabled());  // nothing to save yet
    QVERIFY(load->isEnabled());
    QVERIFY(!w_->findChild<QAction*>("saveRoisAction")->isEnabled());
    QVERIFY(w_->findChild<QAction*>("loadRoisAction")->isEnabled());

    // One box aligned to level 1's grid (even edges), one not.
    m->add(box3({10, 20, 8}, {50, 60, 40}));
    m->add(box3({11, 3, 5}, {37, 70, 33}));
    QCOMPARE(int(m->rois().size()), 2);
    QVERIFY(save->isEnabled());
    QVERIFY(w_->findChild<QAction*>("saveRoisAction")->isEnabled());
    // Rename through the list (what a double-click edit does) and through the model.
    auto* list = panel->findChild<QListWidget*>("roiList");
    QVERIFY(list && list->count() == 2);
    list->item(0)->setText(kSlash);
    m->rename(1, kEvil);
    QCOMPARE(m->rois()[0].name, kSlash);
    QCOMPARE(m->rois()[1].name, kEvil);
    m->setLevel(1);
    m->setCropOrPad(std::array<std::int64_t, 3>{40, 24, 16});
    m->setPad(nz::PadMode::Constant, 7.5);

    // The model's boxes at the export level (level 1), worked out by hand for the aligned box.
    const nz::Box l0 = *m->request(0).roi;
    QCOMPARE(boxText(l0), boxText(box3({5, 10, 4}, {25, 30, 20})));
    savedNames_ = {kSlash, kEvil};
    savedLevelBoxes_ = {*m->request(0).roi, *m->request(1).roi};
    savedLevel0Boxes_ = {m->rois()[0].roi.box, m->rois()[1].roi.box};

    const QString path = tmp_.filePath("rois.json");
    QString err;
    QVERIFY2(roi_->saveRois(path, &err), qPrintable(err));
    QCOMPARE(err, QString("Saved 2 ROI(s) to %1").arg(path));
    QCOMPARE(panel->status(), err);

    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
    const QJsonObject o = doc.object();
    QCOMPARE(o.value("nzview_rois").toInt(-1), 1);
    QCOMPARE(o.value("source").toString(), uri_);
    const QJsonArray rois = o.value("rois").toArray();
    QCOMPARE(rois.size(), 2);
    for (int i = 0; i < 2; ++i) {
      const QJsonObject r = rois[i].toObject();
      QCOMPARE(r.value("name").toString(), savedNames_[std::size_t(i)]);  // verbatim
      QCOMPARE(r.value("level").toInt(-1), 1);
      const QJsonArray b = r.value("box").toArray();
      QCOMPARE(b.size(), 3);  // 3D dataset: i, j, k only
      for (int a = 0; a < 3; ++a) {
        const QJsonArray range = b[a].toArray();
        QCOMPARE(range.size(), 2);
        QCOMPARE(qint64(range[0].toDouble()), savedLevelBoxes_[std::size_t(i)].begin[a]);
        QCOMPARE(qint64(range[1].toDouble()), savedLevelBoxes_[std::size_t(i)].end[a]);
      }
      const QJsonArray cp = r.value("crop_or_pad").toArray();
      QCOMPARE(cp.size(), 3);
      QCOMPARE(cp[0].toInt(), 40);
      QCOMPARE(cp[1].toInt(), 24);
      QCOMPARE(cp[2].toInt(), 16);
      QCOMPARE(r.value("pad_mode").toString(), QString("constant"));
      QCOMPARE(r.value("pad_value").toDouble(), 7.5);
    }
  }

  void loadRestoresList() {
    RoiModel* m = model();
    QCOMPARE(int(m->rois().size()), 2);
    // Delete both with the panel's button, reset the settings, turn snapping on (a loaded list
    // must keep its saved boxes anyway).
    auto* del = roi_->panel()->findChild<QPushButton*>("roiDelete");
    QVERIFY(del);
    QTest::mouseClick(del, Qt::LeftButton);
    QTest::mouseClick(del, Qt::LeftButton);
    QVERIFY(m->rois().empty());
    m->setLevel(0);
    m->setCropOrPad(std::nullopt);
    m->setPad(nz::PadMode::Edge, 0);
    m->setSnap(true);

    const QString path = tmp_.filePath("rois.json");
    QString err;
    QVERIFY2(roi_->loadRois(path, &err), qPrintable(err));
    QCOMPARE(
        err,
        QString("Loaded 2 ROI(s) from %1 (snapping turned off to keep the saved boxes)").arg(path));
    QCOMPARE(int(m->rois().size()), 2);
    QCOMPARE(m->level(), 1);
    QVERIFY(m->cropOrPad() == (std::optional<std::array<std::int64_t, 3>>{{40, 24, 16}}));
    QCOMPARE(int(m->padMode()), int(nz::PadMode::Constant));
    QCOMPARE(m->padValue(), 7.5);
    QVERIFY(!m->snap());
    QCOMPARE(m->current(), 0);
    auto* list = roi_->panel()->findChild<QListWidget*>("roiList");
    for (int i = 0; i < 2; ++i) {
      const auto& r = m->rois()[std::size_t(i)];
      QCOMPARE(r.name, savedNames_[std::size_t(i)]);
      QCOMPARE(list->item(i)->text(), savedNames_[std::size_t(i)]);
      QCOMPARE(boxText(*m->request(i).roi), boxText(savedLevelBoxes_[std::size_t(i)]));
    }
    // Level 0: the aligned box comes back identical; the other one as the level-1 box covers it.
    QCOMPARE(boxText(m->rois()[0].roi.box), boxText(savedLevel0Boxes_[0]));
    QCOMPARE(boxText(m->rois()[1].roi.box), boxText(box3({10, 2, 4}, {38, 70, 34})));
    QCOMPARE(boxText(m->rois()[1].roi.box),
             boxText(nz::RoiBox::fromLevel(*m->info(), 1, savedLevelBoxes_[1]).box));
    if (qEnvironmentVariableIsSet("NZ_ROI_SHOTS") && (QTest::qWait(100), true))
      roi_->panel()->grab().save(qEnvironmentVariable("NZ_ROI_SHOTS") + "/roi_set_panel.png");
  }

  void malformedFilesChangeNothing_data() {
    QTest::addColumn<QByteArray>("content");  // empty: no file at all
    QTest::addColumn<QString>("keyword");     // the message names this field
    QTest::newRow("bad json") << QByteArray(R"({"nzview_rois": 1, "rois": [{"name": "x",)")
                              << QString();
    QTest::newRow("negative level")
        << QByteArray(R"({"nzview_rois": 1, "rois": [{"name": "x", "level": -1,
                         "box": [[0, 4], [0, 4], [0, 4]]}]})")
        << QString("level");
    QTest::newRow("level out of range")
        << QByteArray(R"({"nzview_rois": 1, "rois": [{"name": "x", "level": 9,
                         "box": [[0, 4], [0, 4], [0, 4]]}]})")
        << QString("level");
    QTest::newRow("inverted box") << QByteArray(
                                         R"({"nzview_rois": 1, "rois": [{"name": "x", "level": 0,
                         "box": [[30, 10], [0, 4], [0, 4]]}]})")
                                  << QString("box");
    QTest::newRow("no such file") << QByteArray() << QString();
  }
  void malformedFilesChangeNothing() {
    QFETCH(QByteArray, content);
    QFETCH(QString, keyword);
    RoiModel* m = model();
    QCOMPARE(int(m->rois().size()), 2);
    const Snapshot before(m);
    const QString path = tmp_.filePath(QString("bad_%1.json").arg(QTest::currentDataTag()));
    if (!content.isEmpty()) writeFile(path, content);
    QString err;
    QVERIFY(!roi_->loadRois(path, &err));
    qInfo("%s", qPrintable(err));
    QVERIFY2(err.contains(path), qPrintable(err));
    if (!keyword.isEmpty()) QVERIFY2(err.contains(keyword, Qt::CaseInsensitive), qPrintable(err));
    QCOMPARE(roi_->panel()->status(), err);
    auto* status = roi_->panel()->findChild<QLabel*>("roiSetStatus");
    QVERIFY(status && status->isVisible());
    QVERIFY(Snapshot(m) == before);
    QCOMPARE(roi_->panel()->findChild<QListWidget*>("roiList")->count(), 2);
  }

  // A FIFO or a device as the ROI list is refused at once (a blocking open would freeze the
  // window until some writer appeared), and nothing changes.
  void pipesAndDevicesAreRefusedAtOnce() {
    RoiModel* m = model();
    const Snapshot before(m);
    const QString fifo = tmp_.filePath("rois.fifo");
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    for (const QString& path : {fifo, QString("/dev/zero")}) {
      QString err;
      QVERIFY(!roi_->loadRois(path, &err));
      QVERIFY2(err.contains(path) && err.contains("not a regular file"), qPrintable(err));
      QVERIFY(Snapshot(m) == before);
    }
  }

  void exportDirectoryOfDestinations() {
    QCOMPARE(RoiController::exportDirectoryOf("s3://b/x/roi.nii.gz"), QString("s3://b/x"));
    QCOMPARE(RoiController::exportDirectoryOf("az://c/roi.nii.zarr"), QString("az://c"));
    QCOMPARE(RoiController::exportDirectoryOf("gs://bucket/a/b/r.nii.zarr/"),
             QString("gs://bucket/a/b"));
    QCOMPARE(RoiController::exportDirectoryOf(
                 "https://acct.blob.core.windows.net/c/d/r.nii.gz?sv=1&sig=abc"),
             QString("https://acct.blob.core.windows.net/c/d?sv=1&sig=abc"));
    QCOMPARE(RoiController::exportDirectoryOf("/tmp/a/b.nii"), QString("/tmp/a"));
    QCOMPARE(RoiController::exportDirectoryOf("/tmp/a/b.nii.zarr/"), QString("/tmp/a"));
    QCOMPARE(RoiController::exportDirectoryOf("file:///tmp/q/r.nii.gz"), QString("/tmp/q"));
  }

  void exportProposesSafeNameInLastDirectory() {
    RoiModel* m = model();
    const int evil = indexOf(kEvil), slash = indexOf(kSlash);
    QVERIFY(evil >= 0 && slash >= 0);
    // No export yet: the home directory.
    QCOMPARE(roi_->lastExportDirectory(), QDir::homePath());
    ExportDialog* dlg = roi_->openExportDialog(evil);
    QVERIFY(dlg);
    QCOMPARE(dlg->destination(), QDir::homePath() + "/evil_name.nii.gz");
    dlg->close();

    // Export the "a/b" box into a directory of our choice: the directory is remembered.
    const QString dir = tmp_.filePath("exports");
    QVERIFY(QDir().mkpath(dir));
    dlg = roi_->openExportDialog(slash);
    QVERIFY(dlg);
    QCOMPARE(dlg->destination(), QDir::homePath() + "/a_b.nii.gz");
    dlg->setDestination(dir + "/first.nii.gz");
    QSignalSpy done(dlg, &ExportDialog::exportFinished);
    dlg->startExport();
    QVERIFY(done.wait(120000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(2).toString()));
    QVERIFY(QFileInfo::exists(dir + "/first.nii.gz"));
    QCOMPARE(roi_->lastExportDirectory(), dir);
    dlg->close();

    dlg = roi_->openExportDialog(evil);
    QVERIFY(dlg);
    const QString dest = dlg->destination();
    QCOMPARE(dest, dir + "/evil_name.nii.gz");
    QVERIFY(!dest.contains(".."));
    QCOMPARE(QFileInfo(dest).absolutePath(), dir);
    QCOMPARE(dest.count('/'), dir.count('/') + 1);
    dlg->close();
    QCOMPARE(roi_->proposedDestination(slash), dir + "/a_b.nii.gz");

    // Two names with the same safe stem never propose the same file (numbered like the CLI).
    m->rename(evil, "a_b");
    QCOMPARE(roi_->proposedDestination(0), dir + "/a_b.nii.gz");
    QCOMPARE(roi_->proposedDestination(1), dir + "/a_b-2.nii.gz");
    m->rename(evil, kEvil);

    // "Save as NIfTI-Zarr" proposes the same (last used) folder.
    dlg = roi_->openExportDialog(-1);
    QVERIFY(dlg);
    QCOMPARE(dlg->destination(), dir + "/e_uint16_pyramid_4levels_copy.nii.zarr");
    dlg->close();
  }

  // The CLI reading the viewer's saved list writes the files the export dialogs propose.
  void cliExportsSavedListToProposedNames() {
    const QString dir = roi_->lastExportDirectory();
    QCOMPARE(dir, tmp_.filePath("exports"));
    const QString list = tmp_.filePath("for_cli.json");
    QString err;
    QVERIFY2(roi_->saveRois(list, &err), qPrintable(err));
    QProcess p;
    p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview-cli"),
            {"export", uri_, "--rois", list, "-o", dir});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    const QStringList outputs =
        QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(outputs, QStringList({roi_->proposedDestination(0), roi_->proposedDestination(1)}));
    QCOMPARE(outputs, QStringList({dir + "/a_b.nii.gz", dir + "/evil_name.nii.gz"}));
    for (const QString& o : outputs) QVERIFY2(QFileInfo::exists(o), qPrintable(o));
    QVERIFY(!QFileInfo::exists(tmp_.filePath("evil")));
  }

  void cleanupTestCase() { delete w_; }
};

QTEST_MAIN(TstRoiSetGui)
#include "tst_roi_set_gui.moc"
