#include "convert/convert.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/error.h"
#include "nifti/nifti_source.h"
#include "nifti/nifti_stream.h"
#include "open/store_factory.h"
#include "store/file_store.h"
#include "uri/uri.h"

namespace nz {

namespace {

// Remembers every key written so a failed cloud conversion can remove them again.
class RecordingStore : public Store {
 public:
  explicit RecordingStore(std::shared_ptr<Store> inner) : inner_(std::move(inner)) {}
  std::string describe() const override { return inner_->describe(); }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    inner_->readAsync(key, range, std::move(cancel), std::move(done));
  }
  std::optional<std::uint64_t> size(const std::string& key) override { return inner_->size(key); }
  void write(const std::string& key, const Bytes& data) override {
    {
      std::lock_guard lock(m_);
      keys_.insert(key);
    }
    inner_->write(key, data);
  }
  void remove(const std::string& key) override { inner_->remove(key); }
  StoreStats stats() const override { return inner_->stats(); }
  void rollback() {
    std::lock_guard lock(m_);
    for (const auto& k : keys_) {
      try {
        inner_->remove(k);
      } catch (...) {
        // best effort: the group metadata was never written, so nothing is readable
      }
    }
  }

 private:
  std::shared_ptr<Store> inner_;
  std::mutex m_;
  std::set<std::string> keys_;
};

}  // namespace

ConvertResult convertNiftiToNiftiZarr(std::shared_ptr<Store> in, const std::string& key,
                                      const std::string& name, Store& out,
                                      const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::mutex progressMutex;
  ConvertProgress prog;
  auto report = [&] {
    if (options.progress) options.progress(prog);
  };
  auto onDownload = [&](std::uint64_t got, std::uint64_t total) {
    std::lock_guard lock(progressMutex);
    prog.inputSize = total;
    prog.downloaded = std::max(prog.downloaded, got);
    report();
  };
  std::uint64_t bytesRead = 0;
  auto open = [&] {
    return std::make_unique<NiftiByteStream>(in, key, name, options.cancel, onDownload,
                                             kStreamPieceBytes, kStreamPiecesInFlight);
  };
  auto stream = open();
  const NiftiFileHead head = readNiftiHead(*stream, name);
  const std::size_t item = dtypeSize(head.dtype);
  const Index5 s = head.shape;
  const std::uint64_t plane = static_cast<std::uint64_t>(s[0] * s[1]) * item;

  SlabSource source = [&](std::int64_t t, std::int64_t c, std::int64_t z0, std::int64_t z1,
                          std::uint8_t* dst) {
    const std::uint64_t want =
        head.voxOffset + static_cast<std::uint64_t>((c * s[3] + t) * s[2] + z0) * plane;
    if (stream->position() > want) {  // a second pass (label values first): start again
      bytesRead += stream->storedReceived();
      stream = open();
      readNiftiHead(*stream, name);
    }
    if (stream->position() < want) stream->skip(want - stream->position());
    const std::uint64_t n = plane * static_cast<std::uint64_t>(z1 - z0);
    stream->read(dst, static_cast<std::size_t>(n));
    niftiToNative(dst, static_cast<std::size_t>(n / item), head.dtype, head.header.bigEndian);
  };
  NiftiZarrWriteOptions w = options.write;
  w.cancel = options.cancel;
  w.progress = [&](double f) {
    std::lock_guard lock(progressMutex);
    prog.fraction = f;
    report();
  };
  ConvertResult r;
  r.write = writeNiftiZarr(out, head.storedHeader, source, w);
  r.inputBytesRead = bytesRead + stream->storedReceived();
  r.niftiVersion = head.header.version;
  r.gzipInput = stream->gzip();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void writeNiftiZarrAtomically(const std::string& outUri, const StoreOptions& storeOptions,
                              const std::function<void(Store&)>& write) {
  const Uri outU = parseUri(outUri);
  if (outU.scheme != Scheme::File) {
    auto rec = std::make_shared<RecordingStore>(openStore(outU, storeOptions));
    try {
      write(*rec);
    } catch (...) {
      rec->rollback();
      throw;
    }
    return;
  }
  namespace fs = std::filesystem;
  const fs::path dest = fs::absolute(fs::path(outU.path));
  if (fs::exists(dest) && !fs::is_directory(dest)) {
    throw Error(ErrorKind::Io, dest.string() + " exists and is not a folder");
  }
  const fs::path tmp = dest.parent_path() /
                       ("." + dest.filename().string() + ".partial-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + tmp.string() + ": " + ec.message());
  try {
    auto out = makeFileStore(parseUri(tmp.string()));
    write(*out);
    if (fs::exists(dest)) {
      const fs::path old = dest.parent_path() /
                           ("." + dest.filename().string() + ".old-" + std::to_string(::getpid()));
      fs::rename(dest, old);
      fs::rename(tmp, dest);
      fs::remove_all(old, ec);
    } else {
      fs::rename(tmp, dest);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw Error(ErrorKind::Io, std::string("cannot write ") + dest.string() + ": " + e.what());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

ConvertResult convertNiftiToNiftiZarr(const std::string& inUri, const std::string& outUri,
                                      const ConvertOptions& options) {
  const Uri inU = parseUri(inUri);
  const std::string inKey = inU.basename();
  const Uri inParent = parentUri(inU);
  auto in = openStore(inParent, options.storeOptions);
  ConvertOptions o = options;
  // Uploads are latency-bound: keep more objects in flight than there are cores.
  if (parseUri(outUri).scheme != Scheme::File && o.write.concurrency == 0) {
    o.write.concurrency = 8;
  }
  ConvertResult r;
  writeNiftiZarrAtomically(outUri, options.storeOptions, [&](Store& out) {
    r = convertNiftiToNiftiZarr(in, inKey, inU.redacted(), out, o);
  });
  return r;
}

}  // namespace nz
