#pragma once
// Identity, priority and result types shared by the chunk cache, scheduler and loader.
// Priority follows Neuroglancer's chunk manager: a tier (Visible > Prefetch > Recent), then the
// coarsest level first (so something is on screen after one round trip), then the chunk nearest
// the view centre.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dataset/dataset.h"

namespace nz {

enum class Tier : std::uint8_t {
  Visible = 0,   // shown now by some view (at the chosen level or any coarser one)
  Prefetch = 1,  // likely to be shown soon (neighbouring slices, the next finer level)
  Recent = 2,    // not requested by the current generation: first to be evicted or aborted
};
const char* tierName(Tier tier);

// One chunk of one pyramid level of one dataset. The dataset pointer is identity only; whoever
// holds a key also holds (or has held) a shared_ptr to the dataset, and the cache keeps the
// dataset alive while it has chunks of it, so an address can never be reused by another dataset
// while a key with it is in use.
struct ChunkKey {
  const Dataset* dataset = nullptr;
  int level = 0;
  Index5 chunk{0, 0, 0, 0, 0};
  bool operator==(const ChunkKey&) const = default;
};

struct ChunkKeyHash {
  std::size_t operator()(const ChunkKey& k) const noexcept {
    std::size_t h = std::hash<const void*>()(k.dataset);
    auto mix = [&h](std::uint64_t v) {
      h ^= std::hash<std::uint64_t>()(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    };
    mix(static_cast<std::uint64_t>(k.level));
    for (auto c : k.chunk) mix(static_cast<std::uint64_t>(c));
    return h;
  }
};

// One wanted chunk of a view generation. Build them with slice_request.h or by hand.
struct ChunkRequest {
  std::shared_ptr<Dataset> dataset;  // kept alive while the chunk is queued or in flight
  int level = 0;
  Index5 chunk{0, 0, 0, 0, 0};
  Tier tier = Tier::Visible;
  double distance = 0;  // from the view centre (level-0 voxels); nearer is sooner

  ChunkKey key() const { return {dataset.get(), level, chunk}; }
};

// True when `a` should be fetched before `b`: lower tier, then coarser level, then nearer.
inline bool fetchSooner(const ChunkRequest& a, const ChunkRequest& b) {
  if (a.tier != b.tier) return a.tier < b.tier;
  if (a.level != b.level) return a.level > b.level;
  return a.distance < b.distance;
}

// A chunk handed to the GUI thread (from the cache by setRequests, or fetched by takeCompleted).
struct LoadedChunk {
  ChunkKey key;
  Tier tier = Tier::Visible;  // tier it is wanted at in the current generation
  bool ok = false;
  bool missing = false;    // not stored: the volume holds the fill value
  bool fromCache = false;  // returned by setRequests from the cache, not freshly fetched
  Box box;                 // voxels of `key.level` covered (cropped to the level shape)
  SharedVolume volume;     // set when ok
  std::uint64_t storedBytes = 0;
  ErrorKind errorKind = ErrorKind::Network;
  std::string error;  // when !ok (never a cancellation: those are silent)
};

}  // namespace nz
