// Hostile local files and the CLI: FIFOs and devices named as metadata or chunks, a .nii whose
// vox_offset is exactly 1e9 (sparse), a 1 GB NIfTI extension, a .nii.gz whose header claims
// far more than the file holds, a Latin-1 descrip in `info --json`, out-of-range CLI numbers.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/bad_input.h"
#include "dataset/dataset.h"
#include "nifti/nifti_header.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace {

template <typename F>
bool expectError(F&& f, std::initializer_list<const char*> parts) {
  return nztest::expectErrorOf(std::forward<F>(f), std::nullopt, parts);
}

nz::NiftiHeader smallHeader() {
  nz::NiftiHeader h;
  h.dim = {3, 2, 2, 2, 1, 1, 1, 1};
  h.datatype = 2;  // uint8
  h.bitpix = 8;
  h.voxOffset = 352;
  h.sformCode = 1;
  return h;
}

void writeFile(const std::string& path, const nz::Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void writeGzip(const std::string& path, const nz::Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

struct Run {
  int code = -1;
  std::string out, err;
};

Run cli(const QStringList& args) {
  QProcess p;
  p.start(QString(NZ_BINARY_DIR) + "/bin/nzview-cli", args);
  p.waitForFinished(60000);
  return {p.exitCode(), p.readAllStandardOutput().toStdString(),
          p.readAllStandardError().toStdString()};
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

class HardeningFiles : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) const { return (dir_.path() + "/" + name).toStdString(); }

 private slots:
  // A FIFO as .zattrs, /dev/zero as a chunk: refused at once, never opened blocking.
  void fifosAndDevicesAreNeverOpenedBlocking() {
    const std::string root = path("fifo.nii.zarr");
    QVERIFY(QDir().mkpath(QString::fromStdString(root)));
    QCOMPARE(::mkfifo((root + "/.zattrs").c_str(), 0600), 0);
    writeFile(root + "/.zgroup", nz::Bytes{'{', '}'});
    const auto t0 = std::chrono::steady_clock::now();
    QVERIFY(expectError([&] { nz::openDataset(root); }, {".zattrs", "a named pipe"}));
    QVERIFY(since(t0) < 5);
    auto dev = nz::openStore(nz::parseUri("/dev"));
    nz::ReadResult r = dev->read("zero");
    QCOMPARE(int(r.status), int(nz::ReadResult::Status::Error));
    QVERIFY2(r.error.find("a character device") != std::string::npos, r.error.c_str());
    QVERIFY(!dev->size("zero"));
  }

  // vox_offset exactly 1e9 in a sparse .nii: both header readers agree, the voxels are read.
  void voxOffsetAtTheLimit() {
    nz::NiftiHeader h = smallHeader();
    h.voxOffset = 1e9;
    const std::string file = path("far.nii");
    writeFile(file, nz::serializeNiftiHeader(h, false, true));
    {
      const int fd = ::open(file.c_str(), O_WRONLY);
      QVERIFY(fd >= 0);
      QCOMPARE(::ftruncate(fd, 1000000000 + 8), 0);
      const std::uint8_t voxels[8] = {1, 2, 3, 4, 5, 6, 7, 8};
      QCOMPARE(::pwrite(fd, voxels, 8, 1000000000), ssize_t{8});
      ::close(fd);
    }
    auto ds = nz::openDataset(file);
    nz::Box all{{0, 0, 0, 0, 0}, {2, 2, 2, 1, 1}};
    const nz::Volume v = ds->readRegion(0, all);
    QCOMPARE(v.data, (nz::Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    h.voxOffset = 1.1e9;
    writeFile(path("past.nii"), nz::serializeNiftiHeader(h, false, true));
    QVERIFY(expectError([&] { nz::openDataset(path("past.nii")); }, {"vox_offset", "1000000000"}));
  }

  // A 1 GB extension in a small .nii.gz: refused at the header limit without reading it.
  void hugeExtensionIsRefused() {
    nz::NiftiHeader h = smallHeader();
    h.voxOffset = 999999999;
    nz::Bytes bytes = nz::serializeNiftiHeader(h, false, false);
    const std::int32_t esize = 999999000;
    bytes.insert(bytes.end(), {1, 0, 0, 0});
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<std::uint8_t>(esize >> (8 * k)));
    bytes.insert(bytes.end(), {6, 0, 0, 0});
    bytes.resize(bytes.size() + (1u << 20), 0);
    writeGzip(path("ext.nii.gz"), bytes);
    const auto t0 = std::chrono::steady_clock::now();
    QVERIFY(expectError([&] { nz::openDataset(path("ext.nii.gz")); },
                        {"ext.nii.gz", "header limit", "nifti.max_header_bytes"}));
    QVERIFY(since(t0) < 10);
  }

  // A .nii.gz whose header claims 6000x6000x64 but holds 1 MiB: refused on open and by convert.
  void lyingGzipHeaderStopsEarly() {
    nz::NiftiHeader h = smallHeader();
    h.dim = {3, 6000, 6000, 64, 1, 1, 1, 1};
    nz::Bytes bytes = nz::serializeNiftiHeader(h, true, true);
    bytes.resize(bytes.size() + (1u << 20), 7);
    writeGzip(path("liar.nii.gz"), bytes);
    QVERIFY(expectError([&] { nz::openDataset(path("liar.nii.gz")); },
                        {"liar.nii.gz", "can hold at most"}));
    const auto t0 = std::chrono::steady_clock::now();
    Run r = cli({"convert", QString::fromStdString(path("liar.nii.gz")),
                 QString::fromStdString(path("liar.nii.zarr")), "--quiet"});
    QVERIFY2(r.code != 0 && r.err.find("can hold at most") != std::string::npos, r.err.c_str());
    QVERIFY(since(t0) < 20);
  }

  void cliNumbersAndText() {
    nz::NiftiHeader h = smallHeader();
    h.descrip = "caf\xe9 (Latin-1)";
    nz::Bytes bytes = nz::serializeNiftiHeader(h, true, true);
    bytes.resize(bytes.size() + 8, 1);
    writeFile(path("latin1.nii"), bytes);
    Run r = cli({"info", "--json", QString::fromStdString(path("latin1.nii"))});
    QVERIFY2(r.code == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j["description"].get<std::string>(), std::string("caf\xc3\xa9 (Latin-1)"));
    for (const char* level : {"4294967297", "99999999999", "-1", "1.5"}) {
      r = cli({"export", QString::fromStdString(path("latin1.nii")), "-o",
               QString::fromStdString(path("out.nii")), "--level", level});
      QCOMPARE(r.code, 2);
      QVERIFY2(r.err.find("--level needs a whole number from 0 to 1000") != std::string::npos,
               r.err.c_str());
    }
    r = cli({"export", QString::fromStdString(path("latin1.nii")), "-o",
             QString::fromStdString(path("out.nii")), "--crop-or-pad", "99999999999,1,1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--crop-or-pad sizes must be from 1 to 2^31") != std::string::npos,
             r.err.c_str());
    // In range one by one, absurd together: named, not a bad_alloc.
    r = cli({"export", QString::fromStdString(path("latin1.nii")), "-o",
             QString::fromStdString(path("out.nii")), "--crop-or-pad", "2000000000,2000000000,8"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--crop-or-pad gives output slices of") != std::string::npos &&
                 r.err.find("16 GiB limit") != std::string::npos,
             r.err.c_str());
    r = cli({"export", QString::fromStdString(path("latin1.nii")), "-o",
             QString::fromStdString(path("out.nii")), "--roi", "0:2,0:2,0:99999999999999"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--roi") != std::string::npos, r.err.c_str());
    // A FIFO given as the ROI file: refused at once, not read forever.
    QCOMPARE(::mkfifo(path("rois.json").c_str(), 0600), 0);
    const auto t0 = std::chrono::steady_clock::now();
    r = cli({"export", QString::fromStdString(path("latin1.nii")), "--rois",
             QString::fromStdString(path("rois.json")), "-o",
             QString::fromStdString(path("rois"))});
    QVERIFY2(r.code != 0 && r.err.find("not a regular file") != std::string::npos, r.err.c_str());
    QVERIFY(since(t0) < 20);
  }
};

QTEST_GUILESS_MAIN(HardeningFiles)
#include "tst_hardening_files.moc"
