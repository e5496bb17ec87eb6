// A real brain: Debian's mricron-data template ch2better.nii.gz (scripts/install-deps.sh)
// converted with the CLI (v3, then v2 checked by zarr-python), opened with our reader and
// compared voxel for voxel with the source.
#include <sys/resource.h>

#include <QElapsedTimer>
#include <QtTest>
#include <filesystem>

#include "convert_test_util.h"

using namespace nzconv;

namespace {
const char* kBrain = "/usr/share/mricron/templates/ch2better.nii.gz";
}

class TestConvertBrain : public QObject {
  Q_OBJECT

 private slots:
  void cliConvertsRealBrain();

 private:
  QTemporaryDir tmp_;
};

void TestConvertBrain::cliConvertsRealBrain() {
  QVERIFY2(std::filesystem::exists(kBrain), "install mricron-data (scripts/install-deps.sh)");
  const QString out = tmp_.path() + "/ch2better.nii.zarr";
  QProcess p;
  QElapsedTimer timer;
  timer.start();
  p.start(NZ_CLI_EXE, {"convert", kBrain, out, "--quiet"});
  QVERIFY(p.waitForFinished(60000));
  const double secs = static_cast<double>(timer.elapsed()) / 1000.0;
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  qInfo("ch2better.nii.gz -> v3: %.2f s, CLI peak RSS %.1f MiB; %s", secs,
        static_cast<double>(ru.ru_maxrss) / 1024.0, p.readAllStandardOutput().trimmed().data());
  QCOMPARE(p.exitCode(), 0);

  auto ours = nz::openDataset(out.toStdString());
  auto src = nz::openDataset(kBrain);
  QCOMPARE(ours->info().shape, src->info().shape);
  QCOMPARE(ours->info().dtype, src->info().dtype);
  QVERIFY(ours->info().levels.size() >= 2);
  for (int i = 0; i < 16; ++i) {
    QVERIFY(std::fabs(ours->info().affine[i] - src->info().affine[i]) < 1e-6);
  }
  QCOMPARE(maxAbsDiff(ours->readRegion(0, wholeBox(ours->info().levels[0])),
                      src->readRegion(0, wholeBox(src->info().levels[0]))),
           0.0);

  // Zarr v2 with the independent oracle (zarr-python 2.13 + nibabel).
  const QString out2 = tmp_.path() + "/ch2better_v2.nii.zarr";
  p.start(NZ_CLI_EXE, {"convert", kBrain, out2, "--zarr-version", "2", "--quiet"});
  QVERIFY(p.waitForFinished(60000));
  QCOMPARE(p.exitCode(), 0);
  int code = -1;
  const auto j = runOracle({out2, kBrain}, &code);
  qInfo("oracle: %s", j.dump().c_str());
  QCOMPARE(code, 0);
}

QTEST_GUILESS_MAIN(TestConvertBrain)
#include "tst_convert_brain.moc"
