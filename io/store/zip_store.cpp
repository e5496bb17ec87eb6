#include "store/zip_store.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace nz {

namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50, kZip64LocatorSig = 0x07064b50,
                        kZip64EocdSig = 0x06064b50, kCentralSig = 0x02014b50,
                        kLocalSig = 0x04034b50;
constexpr std::uint64_t kMaxCentralDirectory = std::uint64_t{256} << 20;
constexpr std::uint64_t kMaxInflated = std::uint64_t{2} << 30;
// Extra bytes read past the central copy of a local header's name and extra field: local
// extra fields are usually no longer (ZIP64: 20 bytes locally, up to 28 centrally).
constexpr std::uint64_t kLocalSlack = 64;

std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

struct Entry {
  std::uint64_t localHeaderOffset = 0, compressedSize = 0, size = 0;
  std::uint16_t method = 0;
  std::uint32_t centralNameExtra = 0;  // name + extra lengths in the central directory
  std::int64_t dataOffset = -1;        // guarded by ZipStore::mutex_
};

std::pair<std::uint64_t, std::uint64_t> clampRange(const ByteRange& range, std::uint64_t size) {
  std::uint64_t begin = 0, end = size;
  if (range.suffixLength) {
    begin = size - std::min(*range.suffixLength, size);
  } else {
    begin = std::min(range.offset, size);
    if (range.length) end = std::min(size, range.offset + *range.length);
  }
  return {begin, std::max(begin, end)};
}

// A whole member's stored bytes (`raw.data`, compressedSize of them) -> the requested range of
// its content (inflated when deflated).
ReadResult memberResult(const Entry& entry, ReadResult raw, const ByteRange& range,
                        const std::string& what) {
  ReadResult res;
  res.etag = raw.etag;
  res.lastModified = raw.lastModified;
  Bytes content;
  if (entry.size > kMaxInflated || raw.data.size() != entry.compressedSize ||
      (entry.method == 0 && entry.compressedSize != entry.size)) {
    res.errorKind = ErrorKind::InvalidData;
    res.error = what + ": member sizes are inconsistent or over 2 GiB (compressed " +
                std::to_string(entry.compressedSize) + ", size " + std::to_string(entry.size) + ")";
    return res;
  }
  if (entry.method == 0) {
    content = std::move(raw.data);
  } else {
    content.resize(entry.size);
    z_stream zs{};
    int rc = inflateInit2(&zs, -15);
    std::uint64_t produced = 0;
    if (rc == Z_OK) {
      zs.next_in = raw.data.data();
      zs.avail_in = static_cast<uInt>(raw.data.size());
      zs.next_out = content.data();
      zs.avail_out = static_cast<uInt>(content.size());
      rc = inflate(&zs, Z_FINISH);
      produced = zs.total_out;
      inflateEnd(&zs);
    }
    if (rc != Z_STREAM_END || produced != entry.size) {
      res.errorKind = ErrorKind::InvalidData;
      res.error = what + ": corrupt deflated member";
      return res;
    }
  }
  const auto [begin, end] = clampRange(range, entry.size);
  res.status = ReadResult::Status::Ok;
  res.totalSize = entry.size;
  res.data.assign(content.begin() + static_cast<std::ptrdiff_t>(begin),
                  content.begin() + static_cast<std::ptrdiff_t>(end));
  return res;
}

class ZipStore : public Store, public std::enable_shared_from_this<ZipStore> {
 public:
  ZipStore(std::shared_ptr<Store> base, std::string key, std::string described)
      : base_(std::move(base)), key_(std::move(key)), described_(std::move(described)) {}

  void load();

  std::string describe() const override { return described_; }
  std::optional<std::uint64_t> size(const std::string& key) override {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second.size;
  }
  void write(const std::string&, const Bytes&) override { readOnly(); }
  void remove(const std::string&) override { readOnly(); }
  StoreStats stats() const override { return base_->stats(); }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override;

 private:
  [[noreturn]] void bad(const std::string& msg) const {
    throw Error(ErrorKind::InvalidData, described_ + ": " + msg);
  }
  [[noreturn]] void readOnly() const {
    throw Error(ErrorKind::Unsupported, described_ + ": a zipped OME-Zarr (.ozx) is read-only");
  }
  Bytes readSpan(std::uint64_t offset, std::uint64_t length, const char* record);
  void parseCentralDirectory(const Bytes& cd, std::uint64_t entries);
  void readData(const std::string& key, const Entry& e, std::uint64_t dataOffset, ByteRange range,
                CancelToken cancel, ReadCallback done);

  std::shared_ptr<Store> base_;
  std::string key_, described_;
  std::unordered_map<std::string, Entry> entries_;  // fixed after load()
  std::mutex mutex_;                                // Entry::dataOffset
};

Bytes ZipStore::readSpan(std::uint64_t offset, std::uint64_t length, const char* record) {
  ReadResult r = base_->read(key_, ByteRange::span(offset, length));
  if (r.missing()) throw Error(ErrorKind::NotFound, described_ + ": not found");
  r.throwIfError();
  if (r.data.size() != length)
    bad(std::string(record) + " at byte " + std::to_string(offset) + " is truncated (" +
        std::to_string(r.data.size()) + " of " + std::to_string(length) + " bytes)");
  return std::move(r.data);
}

void ZipStore::load() {
  // 1. The tail: the EOCD (22 bytes + a comment of up to 65535) and the ZIP64 locator.
  // The comment is short in practice (RFC-9: a small JSON), so try the last 4 KiB first; a
  // second read covers the longest possible comment.
  ReadResult t = base_->read(key_, ByteRange::suffix(4096));
  if (t.missing()) throw Error(ErrorKind::NotFound, described_ + ": not found");
  t.throwIfError();
  auto hasEocd = [](const Bytes& b) {
    for (std::size_t p = b.size() >= 22 ? b.size() - 22 + 1 : 0; p-- > 0;)
      if (le(&b[p], 4) == kEocdSig) return true;
    return false;
  };
  if (!hasEocd(t.data) && t.data.size() == 4096) {
    t = base_->read(key_, ByteRange::suffix(22 + 65535 + 20));
    t.throwIfError();
  }
  const Bytes& tail = t.data;
  std::uint64_t fileSize = t.totalSize ? *t.totalSize : 0;
  if (!t.totalSize) {
    const auto s = base_->size(key_);
    if (!s) throw Error(ErrorKind::NotFound, described_ + ": not found");
    fileSize = *s;
  }
  if (tail.size() < 22 || fileSize < tail.size())
    bad("not a ZIP archive (" + std::to_string(fileSize) + " bytes, no end of central directory)");
  const std::uint64_t tailStart = fileSize - tail.size();
  // The last EOCD signature whose comment length reaches the end exactly, else the last one.
  std::size_t eocd = std::string::npos;
  for (std::size_t p = tail.size() - 22 + 1; p-- > 0;) {
    if (le(&tail[p], 4) != kEocdSig) continue;
    if (eocd == std::string::npos) eocd = p;
    if (p + 22 + le(&tail[p + 20], 2) == tail.size()) {
      eocd = p;
      break;
    }
  }
  if (eocd == std::string::npos)
    bad("not a ZIP archive (no end-of-central-directory record in the last " +
        std::to_string(tail.size()) + " bytes)");
  const std::uint8_t* e = &tail[eocd];
  if (le(e + 4, 2) != 0 || le(e + 6, 2) != 0)
    throw Error(ErrorKind::Unsupported, described_ +
                                            ": split (multi-disk) ZIP archives are not "
                                            "supported (RFC-9 forbids them)");
  std::uint64_t entries = le(e + 10, 2), cdSize = le(e + 12, 4), cdOffset = le(e + 16, 4);
  // 2. ZIP64: a locator 20 bytes before the EOCD points at the ZIP64 EOCD record (RFC-9
  // writers use it even for small archives, so check every time).
  if (eocd >= 20 && le(&tail[eocd - 20], 4) == kZip64LocatorSig) {
    const std::uint64_t recOffset = le(&tail[eocd - 20 + 8], 8);
    Bytes rec;
    if (recOffset >= tailStart && recOffset + 56 <= fileSize) {
      rec.assign(tail.begin() + static_cast<std::ptrdiff_t>(recOffset - tailStart),
                 tail.begin() + static_cast<std::ptrdiff_t>(recOffset - tailStart + 56));
    } else if (recOffset + 56 <= fileSize) {
      rec = readSpan(recOffset, 56, "ZIP64 end-of-central-directory record");
    } else {
      bad("ZIP64 locator points past the end of the file");
    }
    if (le(rec.data(), 4) != kZip64EocdSig) bad("ZIP64 end-of-central-directory record not found");
    entries = le(&rec[32], 8);
    cdSize = le(&rec[40], 8);
    cdOffset = le(&rec[48], 8);
  }
  if (cdSize > kMaxCentralDirectory) bad("central directory over 256 MiB");
  if (cdOffset > fileSize || cdSize > fileSize - cdOffset)
    bad("central directory (offset " + std::to_string(cdOffset) + ", " + std::to_string(cdSize) +
        " bytes) lies outside the file");
  // 3. The central directory, from the tail when it is there already.
  Bytes cd;
  if (cdOffset >= tailStart) {
    const auto b = static_cast<std::ptrdiff_t>(cdOffset - tailStart);
    cd.assign(tail.begin() + b, tail.begin() + b + static_cast<std::ptrdiff_t>(cdSize));
  } else {
    cd = readSpan(cdOffset, cdSize, "central directory");
  }
  parseCentralDirectory(cd, entries);
}

void ZipStore::parseCentralDirectory(const Bytes& cd, std::uint64_t entries) {
  std::size_t p = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (p + 46 > cd.size() || le(&cd[p], 4) != kCentralSig)
      bad("central directory entry " + std::to_string(i) + " is truncated or corrupt");
    const std::uint8_t* h = &cd[p];
    const auto flags = static_cast<std::uint16_t>(le(h + 8, 2));
    Entry en;
    en.method = static_cast<std::uint16_t>(le(h + 10, 2));
    en.compressedSize = le(h + 20, 4);
    en.size = le(h + 24, 4);
    const std::size_t n = le(h + 28, 2), m = le(h + 30, 2), k = le(h + 32, 2);
    std::uint64_t disk = le(h + 34, 2);
    en.localHeaderOffset = le(h + 42, 4);
    if (p + 46 + n + m + k > cd.size())
      bad("central directory entry " + std::to_string(i) + " is truncated");
    std::string name(reinterpret_cast<const char*>(h + 46), n);
    std::replace(name.begin(), name.end(), '\\', '/');
    // ZIP64 extra (id 1): only the saturated fields, in this order.
    for (std::size_t x = 46 + n; x + 4 <= 46 + n + m;) {
      const auto id = le(h + x, 2);
      const std::size_t len = le(h + x + 2, 2);
      if (x + 4 + len > 46 + n + m) break;
      if (id == 1) {
        std::size_t q = x + 4;
        auto take = [&](std::uint64_t& field, std::uint64_t saturated, int bytes) {
          if (field != saturated) return;
          if (q + static_cast<std::size_t>(bytes) > x + 4 + len)
            bad("ZIP64 extra field of '" + name + "' is truncated");
          field = le(h + q, bytes);
          q += static_cast<std::size_t>(bytes);
        };
        take(en.size, 0xFFFFFFFFu, 8);
        take(en.compressedSize, 0xFFFFFFFFu, 8);
        take(en.localHeaderOffset, 0xFFFFFFFFu, 8);
        take(disk, 0xFFFFu, 4);
      }
      x += 4 + len;
    }
    en.centralNameExtra = static_cast<std::uint32_t>(n + m);
    p += 46 + n + m + k;
    if (name.empty() || name.back() == '/') continue;  // directories
    if (flags & 1) {
      throw Error(ErrorKind::Unsupported,
                  described_ + ": member '" + name + "' is encrypted (not supported)");
    }
    if (en.method != 0 && en.method != 8) {
      throw Error(ErrorKind::Unsupported,
                  described_ + ": member '" + name + "' uses ZIP compression method " +
                      std::to_string(en.method) + " (only stored and deflate are supported)");
    }
    entries_[name] = en;
  }
}

void ZipStore::readData(const std::string& key, const Entry& e, std::uint64_t dataOffset,
                        ByteRange range, CancelToken cancel, ReadCallback done) {
  const std::string what = described_ + "/" + key;
  if (e.method == 0) {
    // STORED: the member's bytes are a span of the archive.
    std::uint64_t begin = 0, end = e.size;
    if (range.suffixLength) {
      begin = e.size - std::min(*range.suffixLength, e.size);
    } else {
      begin = range.offset;
      if (range.length) end = std::min(e.size, range.offset + *range.length);
    }
    if (begin > e.size) {
      ReadResult r;
      r.errorKind = ErrorKind::InvalidArgument;
      r.error = what + ": range starts past the end of the member";
      done(std::move(r));
      return;
    }
    const std::uint64_t size = e.size;
    base_->readAsync(key_, ByteRange::span(dataOffset + begin, std::max(end, begin) - begin),
                     cancel, [done, size](ReadResult r) {
                       if (r.missing()) {
                         r.status = ReadResult::Status::Error;
                         r.errorKind = ErrorKind::InvalidData;
                         r.error = "archive vanished while reading";
                       }
                       r.totalSize = size;
                       done(std::move(r));
                     });
    return;
  }
  // DEFLATED: read the whole member and inflate it (raw deflate), then slice.
  if (e.size > kMaxInflated || e.compressedSize > kMaxInflated) {
    ReadResult r;
    r.errorKind = ErrorKind::InvalidData;
    r.error = what + ": deflated member over 2 GiB";
    done(std::move(r));
    return;
  }
  const Entry entry = e;
  base_->readAsync(key_, ByteRange::span(dataOffset, e.compressedSize), cancel,
                   [done, entry, range, what](ReadResult r) {
                     if (!r.ok()) {
                       done(std::move(r));
                       return;
                     }
                     done(memberResult(entry, std::move(r), range, what));
                   });
}

void ZipStore::readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                         ReadCallback done) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    ReadResult r;
    r.status = ReadResult::Status::Missing;
    done(std::move(r));
    return;
  }
  const Entry& e = it->second;
  std::int64_t known;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    known = e.dataOffset;
  }
  if (known >= 0) {
    readData(key, e, static_cast<std::uint64_t>(known), range, std::move(cancel), std::move(done));
    return;
  }
  // The data start after the local header, whose name and extra lengths may differ from the
  // central copy. Read the header with some slack, and the whole member when the caller wants
  // all of it (metadata, unsharded chunks): one request, as for a directory store.
  const bool whole = (e.method != 0 || range.isAll()) && e.compressedSize <= kMaxInflated;
  const std::uint64_t span = 30 + e.centralNameExtra + kLocalSlack + (whole ? e.compressedSize : 0);
  auto self = shared_from_this();
  base_->readAsync(key_, ByteRange::span(e.localHeaderOffset, span), cancel,
                   [self, key, range, cancel, done, whole, &e](ReadResult r) {
                     if (!r.ok() || r.data.size() < 30 || le(r.data.data(), 4) != kLocalSig) {
                       if (r.ok() || r.missing()) {
                         r.status = ReadResult::Status::Error;
                         r.errorKind = ErrorKind::InvalidData;
                         r.error = self->described_ + "/" + key + ": local file header is corrupt";
                       }
                       done(std::move(r));
                       return;
                     }
                     const std::uint64_t header = 30 + le(&r.data[26], 2) + le(&r.data[28], 2);
                     const std::uint64_t offset = e.localHeaderOffset + header;
                     {
                       std::lock_guard<std::mutex> lock(self->mutex_);
                       const_cast<Entry&>(e).dataOffset = static_cast<std::int64_t>(offset);
                     }
                     if (whole && r.data.size() >= header + e.compressedSize) {
                       r.data.erase(r.data.begin(),
                                    r.data.begin() + static_cast<std::ptrdiff_t>(header));
                       r.data.resize(e.compressedSize);
                       done(memberResult(e, std::move(r), range, self->described_ + "/" + key));
                       return;
                     }
                     self->readData(key, e, offset, range, cancel, done);
                   });
}

}  // namespace

bool isZipStoreName(const std::string& path) {
  std::string p = path.substr(0, path.find('?'));
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.size() < 4) return false;
  std::string tail = p.substr(p.size() - 4);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == ".ozx";
}

std::shared_ptr<Store> openZipStore(std::shared_ptr<Store> base, const std::string& key,
                                    const std::string& described) {
  auto s = std::make_shared<ZipStore>(std::move(base), key, described);
  s->load();
  return s;
}

}  // namespace nz
