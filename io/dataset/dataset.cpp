#include "dataset/dataset.h"
#include "volume/volume_copy.h"

#include "nifti/nifti_header.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace nz {

bool DatasetInfo::hasScaling() const { return sclSlope != 0 && std::isfinite(sclSlope); }

double DatasetInfo::scaled(double raw) const {
  return hasScaling() ? raw * sclSlope + (std::isfinite(sclInter) ? sclInter : 0.0) : raw;
}

namespace {

const LevelInfo& levelOf(const DatasetInfo& info, int level) {
  if (level < 0 || level >= static_cast<int>(info.levels.size())) {
    throw Error(ErrorKind::InvalidArgument, info.uri + ": level " + std::to_string(level) +
                                                " does not exist (the dataset has " +
                                                std::to_string(info.levels.size()) + ")");
  }
  return info.levels[level];
}

}  // namespace

Box Dataset::chunkBox(int level, const Index5& chunk) const {
  const LevelInfo& l = levelOf(info_, level);
  Box b;
  for (int i = 0; i < 5; ++i) {
    b.begin[i] = chunk[i] * l.chunkShape[i];
    b.end[i] = std::min(b.begin[i] + l.chunkShape[i], l.shape[i]);
  }
  return b;
}

std::vector<Index5> Dataset::chunksIntersecting(int level, const Box& box) const {
  const LevelInfo& l = levelOf(info_, level);
  Index5 lo, hi;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t b = std::max<std::int64_t>(box.begin[i], 0);
    const std::int64_t e = std::min<std::int64_t>(box.end[i], l.shape[i]);
    if (e <= b) return {};
    lo[i] = b / l.chunkShape[i];
    hi[i] = (e - 1) / l.chunkShape[i] + 1;
  }
  std::vector<Index5> out;
  std::size_t n = 1;
  for (int i = 0; i < 5; ++i) n *= static_cast<std::size_t>(hi[i] - lo[i]);
  out.reserve(n);
  Index5 c;
  for (c[4] = lo[4]; c[4] < hi[4]; ++c[4]) {
    for (c[3] = lo[3]; c[3] < hi[3]; ++c[3]) {
      for (c[2] = lo[2]; c[2] < hi[2]; ++c[2]) {
        for (c[1] = lo[1]; c[1] < hi[1]; ++c[1]) {
          for (c[0] = lo[0]; c[0] < hi[0]; ++c[0]) out.push_back(c);
        }
      }
    }
  }
  return out;
}

void paddedRegionInto(const DatasetInfo& info, int level, const Box& box, double padRaw,
                      Volume& out) {
  const LevelInfo& l = levelOf(info, level);
  std::uint64_t bytes = dtypeSize(l.dtype);
  Index5 shape{};
  for (int i = 0; i < 5; ++i) {
    shape[i] = std::max<std::int64_t>(box.end[i] - box.begin[i], 0);
    if (__builtin_mul_overflow(bytes, static_cast<std::uint64_t>(shape[i]), &bytes) ||
        bytes > (std::uint64_t{1} << 40)) {
      throw Error(ErrorKind::InvalidArgument, info.uri + ": region is too large to read at once");
    }
  }
  out.dtype = l.dtype;
  out.shape = shape;
  // resize() zeroes, so a zero pad needs no second pass. clear() keeps the capacity: a caller
  // reading slab after slab into one Volume takes no new pages (no page faults).
  out.data.clear();
  out.data.resize(static_cast<std::size_t>(bytes));
  const Bytes pad = elementFromDouble(l.dtype, padRaw);
  if (std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; }))
    fillElements(out.data.data(), l.dtype, out.voxelCount(), pad.data());
}

Volume paddedRegion(const DatasetInfo& info, int level, const Box& box, double padRaw) {
  Volume out;
  paddedRegionInto(info, level, box, padRaw, out);
  return out;
}

Volume Dataset::readRegion(int level, const Box& box, double padRaw, CancelToken cancel,
                           ProgressCallback progress) {
  Volume out = paddedRegion(info_, level, box, padRaw);

  const std::vector<Index5> chunks = chunksIntersecting(level, box);
  // A bounded window keeps memory in check on huge regions while still keeping the
  // transport full (stores cap their own concurrency further).
  constexpr std::size_t kWindow = 128;
  struct State {
    std::mutex m;
    std::condition_variable cv;
    std::size_t inFlight = 0, done = 0;
    ErrorKind kind = ErrorKind::Network;
    std::string error;
    bool failed = false;
  };
  auto st = std::make_shared<State>();
  std::size_t next = 0, reported = 0;
  const std::size_t n = chunks.size();
  std::unique_lock lock(st->m);
  for (;;) {
    while (!st->failed && st->inFlight < kWindow && next < n) {
      ++st->inFlight;
      const Index5 c = chunks[next++];
      lock.unlock();
      readChunkAsync(level, c, cancel, [st, &out, &box](ChunkResult r) {
        if (r.ok && r.volume) {
          try {
            copyOverlap(*r.volume, r.box, out, box);
          } catch (const Error& e) {  // never let an exception escape a worker callback
            r.ok = false;
            r.errorKind = e.kind();
            r.error = e.what();
          }
        }
        std::lock_guard g(st->m);
        if (!r.ok && !st->failed) {
          st->failed = true;
          st->kind = r.errorKind;
          st->error = r.error;
        }
        --st->inFlight;
        ++st->done;
        st->cv.notify_all();
      });
      lock.lock();
    }
    if (st->done != reported) {
      reported = st->done;
      if (progress) {
        lock.unlock();
        progress(static_cast<double>(reported) / static_cast<double>(n));
        lock.lock();
      }
    }
    if (st->done == n || (st->failed && st->inFlight == 0)) break;
    st->cv.wait(lock, [&] {
      return st->done == n || st->done != reported || (st->failed && st->inFlight == 0) ||
             (!st->failed && st->inFlight < kWindow && next < n);
    });
  }
  if (st->failed) throw Error(st->kind, st->error);
  if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "cancelled: " + info_.uri);
  return out;
}

void fillInfoFromNiftiHeader(DatasetInfo& info, const NiftiHeader& h, const std::string& what) {
  info.affine = niftiBestAffine(h, &info.affineSource, what);
  info.sformCode = h.sformCode;
  info.qformCode = h.qformCode;
  info.intentCode = h.intentCode;
  for (int i = 0; i < 8; ++i) info.pixdim[i] = h.pixdim[i];
  info.spaceUnit = niftiSpaceUnit(h.xyztUnits);
  info.timeUnit = niftiTimeUnit(h.xyztUnits);
  info.sclSlope = h.sclSlope;
  info.sclInter = h.sclInter;
  info.description = niftiText(h.descrip);
  info.warnings.insert(info.warnings.end(), h.warnings.begin(), h.warnings.end());
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 3; ++i) s += info.affine[i * 4 + j] * info.affine[i * 4 + j];
    info.spacing[j] = std::sqrt(s);
  }
}

}  // namespace nz
