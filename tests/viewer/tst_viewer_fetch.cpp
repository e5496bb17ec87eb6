// The viewer fetches only what it shows. `nzview --screenshot --stats` on the 4-level reference
// pyramid (150x121x97, 32^3 chunks): the chunk requests must be exactly the chunks intersecting
// the three displayed planes at the level each view shows, plus the coarsest level's, each
// once (counted per level), with no prefetch, and the bytes fetched those chunks' bytes. The
// expected set is enumerated here from the level shapes and chunk shapes. In process: the
// prefetch budget setting is honoured and prefetch starts only once the views are complete.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <set>
#include <tuple>

#include "data/data_source.h"
#include "dataset/dataset.h"
#include "loader/level_of_detail.h"
#include "model/viewer_state.h"
#include "ui/main_window.h"
#include "view3d/view3d_controller.h"
#include "viewer_test_util.h"
#include "views/ortho_viewer.h"

using namespace nzviewer;
using nzviewer_test::waitFor;

namespace {

using ChunkId = std::tuple<int, std::int64_t, std::int64_t, std::int64_t>;  // level, x, y, z

// Chunks of `level` meeting the whole plane through level-0 voxel `cross` normal to `axis`.
void planeChunks(const nz::DatasetInfo& info, int level, int axis, const nz::Point3& cross,
                 std::set<ChunkId>& out) {
  const nz::LevelInfo& L = info.levels[level];
  const nz::Point3 p = nz::level0ToLevel(info, level, cross);
  const std::int64_t slice = std::int64_t(std::floor(p[axis] + 0.5));
  std::int64_t grid[3];
  for (int i = 0; i < 3; ++i) grid[i] = (L.shape[i] + L.chunkShape[i] - 1) / L.chunkShape[i];
  for (std::int64_t x = 0; x < grid[0]; ++x)
    for (std::int64_t y = 0; y < grid[1]; ++y)
      for (std::int64_t z = 0; z < grid[2]; ++z) {
        const std::int64_t c[3] = {x, y, z};
        if (c[axis] != slice / L.chunkShape[axis]) continue;
        out.insert({level, x, y, z});
      }
}

}  // namespace

class TstViewerFetch : public QObject {
  Q_OBJECT

 private slots:
  void screenshotFetchesExactlyTheDisplayedChunks() {
    const QString uri = nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr");
    QTemporaryDir tmp;
    for (const char* size : {"900x650"}) {
      QProcess p;
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("NZVIEW_DISK_CACHE", "off");
      p.setProcessEnvironment(env);
      p.start(QStringLiteral(NZ_BINARY_DIR "/bin/nzview"),
              {uri, "--screenshot", tmp.filePath("shot.png"), "--size", size, "--stats",
               "--timeout", "60", "--layout", "ortho"});  // slices only: 3D has its own test
      QVERIFY(p.waitForFinished(90000));
      const QString err = QString::fromUtf8(p.readAllStandardError());
      QVERIFY2(p.exitCode() == 0, qPrintable(err));
      const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
      QJsonParseError pe;
      const QJsonObject j = QJsonDocument::fromJson(lines.last(), &pe).object();
      QVERIFY2(pe.error == QJsonParseError::NoError, lines.last().constData());
      const QJsonObject loader = j["loader"].toObject();

      // Expected: each view's plane through the centre voxel at the level it shows, plus the
      // coarsest level's plane, as one set (views share chunks), each fetched once.
      auto ds = nz::openDataset(uri.toStdString(), {});
      const nz::DatasetInfo& info = ds->info();
      const nz::Point3 cross{double(info.shape[0] / 2), double(info.shape[1] / 2),
                             double(info.shape[2] / 2)};
      const QJsonArray levels = j["levels"].toArray();
      QCOMPARE(levels.size(), 3);
      const int coarsest = int(info.levels.size()) - 1;
      std::set<ChunkId> expected;
      const int axisOfView[3] = {2, 1, 0};  // axial, coronal, sagittal (this dataset is RAS-ish)
      for (int v = 0; v < 3; ++v) {
        planeChunks(info, levels[v].toInt(), axisOfView[v], cross, expected);
        planeChunks(info, coarsest, axisOfView[v], cross, expected);
      }
      std::vector<qint64> perLevel(info.levels.size(), 0);
      for (const auto& c : expected) ++perLevel[std::size_t(std::get<0>(c))];
      const QJsonArray got = loader["requests_by_level"].toArray();
      QString byLevel;
      for (const auto& g : got) byLevel += QString::number(g.toInteger()) + " ";
      qInfo("%s: levels %d/%d/%d, %zu chunks displayed, requests by level %s, %lld bytes", size,
            levels[0].toInt(), levels[1].toInt(), levels[2].toInt(), expected.size(),
            qPrintable(byLevel), loader["bytes"].toInteger());
      QCOMPARE(j["displayed_chunks"].toInteger(), qint64(expected.size()));
      QCOMPARE(loader["requests"].toInteger(), qint64(expected.size()));
      QCOMPARE(loader["prefetch_requests"].toInteger(), qint64(0));
      QCOMPARE(loader["aborted"].toInteger(), qint64(0));
      for (std::size_t l = 0; l < perLevel.size(); ++l)
        QCOMPARE(l < std::size_t(got.size()) ? got[qsizetype(l)].toInteger() : qint64(0),
                 perLevel[l]);
      QCOMPARE(loader["bytes"].toInteger(), j["displayed_bytes"].toInteger());
      QVERIFY(loader["bytes"].toInteger() > 0);
      QVERIFY(j["complete_s"].toDouble() > 0);
    }
  }

  // With a prefetch budget, the neighbouring slices and the finer level follow, but only once
  // every view is complete (none started before), and never more than the budget allows.
  void prefetchFollowsOnlyTheCompletePicture() {
    auto* w = nzviewer_test::openWindow({}, QSize(900, 650));
    QVERIFY(w);
    // Slices only: the 3D view's whole-level requests are its own (tests/viewer3d).
    if (auto* v3d = w->findChild<nzviewer::View3DController*>())
      v3d->setLayout(nzviewer::ViewLayout::Ortho);
    w->source()->setPrefetchBudget(64 << 10);  // 64 KiB: two 32^3 uint16 chunks
    QCOMPARE(w->source()->prefetchBudget(), std::size_t(64 << 10));
    w->openUri(nzviewer_test::refdata("e_uint16_pyramid_4levels.nii.zarr"), {});
    std::uint64_t prefetchBeforeComplete = 0;
    bool complete = false;
    QVERIFY(waitFor(
        [&] {
          const nz::LoaderMetrics m = w->source()->metrics();
          if (!complete && m.visibleWanted > 0 && m.visibleAvailable < m.visibleWanted)
            prefetchBeforeComplete = std::max(prefetchBeforeComplete, m.prefetchRequests);
          complete = complete || w->viewer()->allViewsComplete();
          return complete && w->source()->metrics().inFlight == 0 &&
                 w->source()->metrics().queueLength == 0;
        },
        30000));
    QCOMPARE(prefetchBeforeComplete, std::uint64_t(0));
    const nz::LoaderMetrics m = w->source()->metrics();
    QVERIFY(m.prefetchRequests >= 1);
    // At most 64 KiB (two chunks) per view generation.
    QVERIFY(m.prefetchRequests <= 2 * m.generation);
    delete w;
  }
};

QTEST_MAIN(TstViewerFetch)
#include "tst_viewer_fetch.moc"
