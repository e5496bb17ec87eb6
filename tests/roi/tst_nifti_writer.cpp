// NIfTI writer (.nii / .nii.gz) read back by nibabel and by our header parser, and the atomic
// output (temporary name + rename; single write for store destinations; nothing on abort).
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "core/error.h"
#include "nifti/nifti_header.h"
#include "open/store_factory.h"
#include "roi/crop_or_pad.h"
#include "roi/export_header.h"
#include "uri/uri.h"
#include "write/atomic_file.h"
#include "write/nifti_writer.h"

using namespace nz;

namespace {

DatasetInfo sourceInfo() {
  DatasetInfo info;
  info.axes = {"x", "y", "z"};
  info.ndim = 3;
  info.dtype = DType::Int16;
  info.sclSlope = 2;
  info.sclInter = -100;
  info.sformCode = 0;
  info.qformCode = 1;
  info.spaceUnit = "mm";
  info.timeUnit = "s";
  info.pixdim = {-1, 1.2, 0.9, 2.5, 1, 1, 1, 1};
  info.description = "test volume";
  return info;
}

Volume ramp(Index5 shape) {
  Volume v;
  v.dtype = DType::Int16;
  v.shape = shape;
  v.data.resize(v.voxelCount() * 2);
  for (std::size_t i = 0; i < v.voxelCount(); ++i)
    storeValue(v.data.data() + 2 * i, v.dtype, static_cast<double>(i % 3000) - 500);
  return v;
}

QString python(const QString& code, const QStringList& args, int* rc) {
  QProcess p;
  p.start("/usr/bin/python3", QStringList{"-c", code} + args);
  p.waitForFinished(120000);
  *rc = p.exitCode();
  return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
}

const char* kCheck = R"(
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
exp = json.loads(sys.argv[2])
raw = np.asanyarray(img.dataobj.get_unscaled())
assert raw.dtype == np.int16, raw.dtype
assert list(raw.shape) == exp['shape'], raw.shape
flat = raw.flatten(order='F').astype(np.int64)
want = (np.arange(flat.size) % 3000) - 500
assert (flat == want).all(), 'data differ'
assert np.allclose(img.affine, np.array(exp['affine']), atol=1e-4), img.affine
assert np.allclose(img.get_qform(), np.array(exp['affine']), atol=1e-4), img.get_qform()
s, i = img.dataobj.slope, img.dataobj.inter  # nibabel moves scaling off img.header
assert s == 2 and i == -100, (s, i)
assert int(img.header['sform_code']) == exp['sform_code'], img.header['sform_code']
assert img.header.get_xyzt_units() == ('mm', 'sec')
print('ok')
)";

}  // namespace

class TestNiftiWriter : public QObject {
  Q_OBJECT
 private slots:
  void roundTripWithNibabel_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("nii") << "out.nii";
    QTest::newRow("nii.gz") << "out.nii.gz";
  }
  void roundTripWithNibabel() {
    QFETCH(QString, name);
    QTemporaryDir dir;
    QString path = dir.filePath(name);
    DatasetInfo info = sourceInfo();
    Volume v = ramp({7, 5, 3, 1, 1});
    // A rotation with a negative determinant (qfac -1) so the qform is exactly representable.
    Matrix4 affine = {0, -1.2, 0, 10.5, 0.9, 0, 0, -3, 0, 0, -2.5, 7, 0, 0, 0, 1};
    NiftiHeader h = makeExportHeader(info, v.shape, v.dtype, affine);
    QCOMPARE(h.sformCode, 2);  // source had none: aligned
    QCOMPARE(h.qformCode, 1);  // kept
    writeNifti(path.toStdString(), h, v);
    QVERIFY(QFile::exists(path));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);  // no temp left
    QString expected = QString(
        R"({"shape":[7,5,3],"sform_code":2,"affine":[[0,-1.2,0,10.5],[0.9,0,0,-3],[0,0,-2.5,7],[0,0,0,1]]})");
    int rc = 0;
    QString out = python(kCheck, {path, expected}, &rc);
    QVERIFY2(rc == 0 && out.contains("ok"), qPrintable(out));
    if (!name.endsWith(".gz")) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      QByteArray b = f.readAll();
      NiftiHeader back = parseNiftiHeader(reinterpret_cast<const std::uint8_t*>(b.constData()),
                                          static_cast<std::size_t>(b.size()), "out.nii");
      QCOMPARE(back.sclSlope, 2.0);
      QCOMPARE(back.dim[1], 7);
      QCOMPARE(static_cast<int>(back.voxOffset), 352);
      QCOMPARE(b.size(), 352 + 7 * 5 * 3 * 2);
      QCOMPARE(std::string(back.descrip), std::string("test volume"));
    }
  }

  void abortLeavesNothing() {
    QTemporaryDir dir;
    std::string path = dir.filePath("x.nii").toStdString();
    {
      AtomicOutput out(path);
      out.write("abc", 3);
      QVERIFY(QFile::exists(QString::fromStdString(out.tempPath())));
      QVERIFY(!QFile::exists(QString::fromStdString(path)));
    }  // destroyed without commit
    QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
    // An exception thrown mid-way through a write (cancel) leaves nothing either.
    CancelSource cancel;
    cancel.cancel();
    NiftiWriteOptions o;
    o.cancel = cancel.token();
    Volume v = ramp({4, 4, 4, 1, 1});
    QVERIFY_THROWS_EXCEPTION(
        nz::Error, writeNifti(path,
                              makeExportHeader(sourceInfo(), v.shape, v.dtype,
                                               {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}),
                              v, o));
    QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
  }

  void replacesExistingFileAtomically() {
    QTemporaryDir dir;
    QString path = dir.filePath("y.nii");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("old");
    f.close();
    {
      AtomicOutput out(path.toStdString());
      out.write("new!", 4);
      QFile g(path);
      QVERIFY(g.open(QIODevice::ReadOnly));
      QCOMPARE(g.readAll(), QByteArray("old"));  // untouched until commit
      out.commit();
    }
    QFile g(path);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll(), QByteArray("new!"));
  }

  void storeDestinationIsOneWrite() {
    std::string uri = "mem://nifti-writer-test/sub/roi.nii";
    auto store = openStore(parseUri("mem://nifti-writer-test/sub"));
    {
      AtomicOutput out(uri);
      out.write("hello", 5);
      QVERIFY(!store->size("roi.nii").has_value());  // nothing before commit
      out.commit();
    }
    QCOMPARE(store->size("roi.nii").value_or(0), 5u);
    {
      AtomicOutput out("mem://nifti-writer-test/sub/aborted.nii");
      out.write("x", 1);
    }
    QVERIFY(!store->size("aborted.nii").has_value());
  }

  void splitsObjectUris() {
    std::string parent, name;
    splitObjectUri("https://acct.blob.core.windows.net/c/dir/roi.nii.gz?sv=1&sig=abc", parent,
                   name);
    QCOMPARE(name, std::string("roi.nii.gz"));
    QCOMPARE(parent, std::string("https://acct.blob.core.windows.net/c/dir?sv=1&sig=abc"));
    splitObjectUri("s3://bucket/roi.nii", parent, name);
    QCOMPARE(parent, std::string("s3://bucket"));
    QVERIFY_THROWS_EXCEPTION(nz::Error, splitObjectUri("s3://bucket", parent, name));
  }
};

QTEST_GUILESS_MAIN(TestNiftiWriter)
#include "tst_nifti_writer.moc"
