#include "write/zarr_level_stream.h"

#include <algorithm>

#include "core/error.h"

namespace nz {

ZarrLevelStream::ZarrLevelStream(std::vector<ZarrArrayWriter*> writers, const Index5& shape0,
                                 DType dtype, const std::vector<double>* labels, std::int64_t t,
                                 std::int64_t c)
    : shape0_(shape0), dtype_(dtype), labels_(labels), t_(t), c_(c) {
  std::int64_t nx = shape0[0], ny = shape0[1], nz = shape0[2];
  const std::size_t channels = labels ? labels->size() : 1;
  for (ZarrArrayWriter* w : writers) {
    Level L;
    L.writer = w;
    for (std::size_t k = 0; k < channels; ++k) L.steps.emplace_back(nx, ny, nz);
    L.nx = PyramidStep::halve(nx);
    L.ny = PyramidStep::halve(ny);
    L.nz = PyramidStep::halve(nz);
    if (w->spec().shape[0] != L.nx || w->spec().shape[1] != L.ny || w->spec().shape[2] != L.nz) {
      throw Error(ErrorKind::InvalidArgument, "pyramid: level shape mismatch");
    }
    L.depth = w->objectDepth();
    L.slab.assign(
        static_cast<std::size_t>(L.nx * L.ny * std::min(L.depth, L.nz)) * dtypeSize(dtype), 0);
    levels_.push_back(std::move(L));
    nx = levels_.back().nx;
    ny = levels_.back().ny;
    nz = levels_.back().nz;
  }
}

void ZarrLevelStream::pushLevel0Plane(const std::uint8_t* raw) {
  if (levels_.empty()) return;
  const std::size_t n = static_cast<std::size_t>(shape0_[0] * shape0_[1]);
  std::vector<Plane> channels;
  if (!labels_) {
    Plane p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = readAsDouble(raw, dtype_, i);
    channels.push_back(std::move(p));
  } else {
    channels.assign(labels_->size(), Plane(n, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
      const double v = readAsDouble(raw, dtype_, i);
      auto it = std::lower_bound(labels_->begin(), labels_->end(), v);
      if (it != labels_->end() && *it == v) {
        channels[static_cast<std::size_t>(it - labels_->begin())][i] = 1.0;
      }
    }
  }
  push(0, std::move(channels));
}

void ZarrLevelStream::pushBasePlane(Plane plane) {
  if (levels_.empty()) return;
  if (labels_) throw Error(ErrorKind::InvalidArgument, "pyramid: float planes of a label volume");
  std::vector<Plane> channels;
  channels.push_back(std::move(plane));
  push(0, std::move(channels));
}

void ZarrLevelStream::push(std::size_t level, std::vector<Plane> channels) {
  Level& L = levels_[level];
  // Every channel has the same geometry, so each emits the same output planes in step.
  std::vector<std::vector<std::pair<std::int64_t, Plane>>> out(channels.size());
  for (std::size_t k = 0; k < channels.size(); ++k) {
    L.steps[k].push(std::move(channels[k]),
                    [&](std::int64_t zo, const Plane& p) { out[k].emplace_back(zo, p); });
  }
  for (std::size_t i = 0; i < out[0].size(); ++i) {
    std::vector<Plane> planes(out.size());
    for (std::size_t k = 0; k < out.size(); ++k) planes[k] = std::move(out[k][i].second);
    accept(level, out[0][i].first, std::move(planes));
  }
}

void ZarrLevelStream::accept(std::size_t level, std::int64_t zOut, std::vector<Plane> channels) {
  Level& L = levels_[level];
  const std::size_t n = static_cast<std::size_t>(L.nx * L.ny);
  const std::size_t item = dtypeSize(dtype_);
  std::uint8_t* dst = L.slab.data() + static_cast<std::size_t>(zOut - L.slabStart) * n * item;
  if (!labels_) {
    castPlane(channels[0].data(), n, dtype_, dst);
  } else {
    std::vector<const Plane*> probs;
    for (const Plane& p : channels) probs.push_back(&p);
    Plane voted;
    voteLabels(probs, *labels_, voted);
    castPlane(voted.data(), n, dtype_, dst);
  }
  if (zOut + 1 == L.slabStart + L.depth || zOut + 1 == L.nz) {
    L.writer->writeSlab(t_, c_, L.slabStart, L.slab.data(), zOut + 1 - L.slabStart);
    L.slabStart += L.depth;
    std::fill(L.slab.begin(), L.slab.end(), 0);
  }
  if (level + 1 < levels_.size()) push(level + 1, std::move(channels));
}

}  // namespace nz
