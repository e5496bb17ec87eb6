#include "view3d/volume_streamer.h"

#include <algorithm>

#include "data/background.h"
#include "data/data_source.h"
#include "model/viewer_state.h"

namespace nzviewer {

namespace {
// Chunks pasted per assembly at most: a batch stays a short job, and the next batch starts
// from its result (so a burst of arrivals becomes a few volumes, not one per chunk).
constexpr std::size_t kMaxBatchChunks = 256;
constexpr int kBatchIntervalMs = 120;
}  // namespace

VolumeStreamer::VolumeStreamer(DataSource* source, ViewerState* state, QObject* parent)
    : QObject(parent), source_(source), state_(state) {
  batchTimer_.setSingleShot(true);
  batchTimer_.setInterval(kBatchIntervalMs);
  connect(&batchTimer_, &QTimer::timeout, this, &VolumeStreamer::collect);
  connect(source_, &DataSource::chunksArrived, this, &VolumeStreamer::onChunksArrived);
}

VolumeStreamer::~VolumeStreamer() = default;

void VolumeStreamer::setBudget(std::int64_t voxels) {
  voxels = std::max<std::int64_t>(voxels, 1);
  if (voxels == budget_) return;
  budget_ = voxels;
  if (source_->isOpen()) restart();
}

void VolumeStreamer::setEnabled(bool on) {
  if (on == enabled_) return;
  enabled_ = on;
  if (!on) {
    ++generation_;
    batchTimer_.stop();
    setRequests({});
  } else if (source_->isOpen()) {
    restart();
  }
}

void VolumeStreamer::setRequests(std::vector<nz::ChunkRequest> r) {
  requests_ = std::move(r);
  emit requestsChanged();
}

void VolumeStreamer::stop() {
  ++generation_;
  batchTimer_.stop();
  coarseKeys_.clear();
  targetKeys_.clear();
  coarseLeft_.clear();
  targetLeft_.clear();
  coarse_.reset();
  target_.reset();
  assembling_ = false;
  complete_ = false;
  coarseLevel_ = targetLevel_ = -1;
  requests_.clear();  // the DataSource drops its requests when it closes
}

void VolumeStreamer::restart() {
  stop();
  if (!enabled_ || !source_->isOpen()) return;
  clock_.start();
  firstMs_ = completeMs_ = -1;
  batches_ = 0;
  const std::shared_ptr<nz::Dataset> ds = source_->dataset();
  const nz::DatasetInfo& info = ds->info();
  t_ = state_->timeIndex();
  c_ = state_->channel();
  coarseLevel_ = static_cast<int>(info.levels.size()) - 1;
  targetLevel_ = levelForBudget(info, budget_);
  std::vector<nz::ChunkRequest> wanted;
  auto add = [&](int level, std::vector<nz::ChunkKey>& keys, auto& left) {
    for (const nz::Index5& chunk : levelChunks(info, level, t_, c_)) {
      keys.push_back({ds.get(), level, chunk});
      left.insert(keys.back());
      // Visible: the 3D view shows them. The loader fetches coarser levels first, so the
      // coarse picture comes before the fine level (and before the slices' finer levels).
      wanted.push_back({ds, level, chunk, nz::Tier::Visible, 1e9});
    }
  };
  add(coarseLevel_, coarseKeys_, coarseLeft_);
  if (targetLevel_ != coarseLevel_)
    add(targetLevel_, targetKeys_, targetLeft_);
  else
    targetKeys_ = coarseKeys_, targetLeft_ = coarseLeft_;
  setRequests(std::move(wanted));
  collect();  // chunks already cached (the slices' coarse level) are used at once
}

void VolumeStreamer::onChunksArrived() {
  if (!enabled_ || coarseLevel_ < 0 || complete_) return;
  if (!batchTimer_.isActive()) batchTimer_.start();
}

void VolumeStreamer::collect() {
  if (!enabled_ || assembling_ || coarseLevel_ < 0 || !source_->isOpen()) return;
  const std::shared_ptr<nz::Dataset> ds = source_->dataset();
  // Once the target level has a picture, the coarse one is no longer shown.
  const bool onTarget = target_ != nullptr || coarseLeft_.empty() || targetLevel_ == coarseLevel_;
  const int level = onTarget ? targetLevel_ : coarseLevel_;
  const auto& keys = onTarget ? targetKeys_ : coarseKeys_;
  auto& left = onTarget ? targetLeft_ : coarseLeft_;
  std::vector<std::pair<nz::Index5, nz::SharedVolume>> batch;
  for (const nz::ChunkKey& key : keys) {
    if (batch.size() >= kMaxBatchChunks) break;
    if (!left.count(key)) continue;
    if (nz::SharedVolume v = source_->cachedChunk(key)) {
      batch.emplace_back(key.chunk, std::move(v));
      left.erase(key);
    } else if (source_->failed().count(key)) {
      left.erase(key);  // never arrives: the coarser picture stays there
    }
  }
  const bool levelDone = left.empty();
  if (batch.empty() && !(onTarget && levelDone && !target_)) {
    if (onTarget && levelDone && target_ && !complete_) {
      complete_ = true;
      completeMs_ = double(clock_.elapsed());
      setRequests({});  // nothing left to fetch: the cache may evict the level's chunks
      emit progress();
    }
    return;
  }
  assembling_ = true;
  ++batches_;
  const std::uint64_t generation = generation_;
  std::shared_ptr<const LevelVolume> base = onTarget ? target_ : coarse_;
  std::shared_ptr<const LevelVolume> coarse = coarse_;
  const std::int64_t t = t_, c = c_;
  runInBackground<std::shared_ptr<const LevelVolume>>(
      this,
      [ds, level, base, coarse, batch = std::move(batch), t, c] {
        const nz::DatasetInfo& info = ds->info();
        // A copy of the last picture (the view may still be drawing it), or the coarse
        // picture upsampled for the first batch of a level.
        auto out = std::make_shared<LevelVolume>(
            base ? *base : upsampleLevel(info, level, coarse ? *coarse : LevelVolume{}));
        for (const auto& [chunk, vol] : batch) pasteChunk(info, *out, chunk, *vol, t, c);
        // Here, not in the view's upload render on the GUI thread: the range, and the 16-bit
        // codes the view's texture is made of.
        computeRange(*out);
        encodeCodes(*out);
        return std::shared_ptr<const LevelVolume>(std::move(out));
      },
      [this, generation, onTarget](std::shared_ptr<const LevelVolume> result) {
        finishAssembly(generation, std::move(result), onTarget);
      });
}

void VolumeStreamer::finishAssembly(std::uint64_t generation,
                                    std::shared_ptr<const LevelVolume> result, bool target) {
  if (generation != generation_) return;  // another dataset, time point or budget since
  assembling_ = false;
  (target ? target_ : coarse_) = result;
  if (firstMs_ < 0) firstMs_ = double(clock_.elapsed());
  emit volumeReady(result);
  emit progress();
  collect();  // what arrived meanwhile, or completion
}

}  // namespace nzviewer
