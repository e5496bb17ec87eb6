#pragma once
// Counters of the chunk loader, for `--stats` in the CLI and the live readout of the GUI.
// A plain snapshot: ChunkLoader::metrics() copies it under a short lock.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nz {

struct LoaderMetrics {
  std::uint64_t generation = 0;                // view generations so far (setRequests calls)
  std::size_t wanted = 0;                      // distinct chunks in the current request set
  std::size_t visibleWanted = 0;               // ... of which Tier::Visible
  std::size_t visibleAvailable = 0;            // ... of which are cached or delivered (progress)
  std::uint64_t requests = 0;                  // fetches started
  std::vector<std::uint64_t> requestsByLevel;  // ... per pyramid level (index = level)
  std::uint64_t prefetchRequests = 0;          // ... of which Tier::Prefetch
  std::uint64_t completed = 0;        // fetches that returned data (including missing chunks)
  std::uint64_t missing = 0;          // ... of which were not stored (fill value)
  std::uint64_t failed = 0;           // fetches that failed (not counting aborts)
  std::uint64_t aborted = 0;          // fetches cancelled because they were no longer wanted
  std::uint64_t prefetchDropped = 0;  // prefetch requests skipped: the cache had no room
  std::uint64_t bytesFetched = 0;     // stored (compressed) bytes received
  std::uint64_t bytesDecoded = 0;     // decoded voxel bytes of completed fetches
  std::uint64_t cacheHits = 0;        // requested chunks found in the cache
  std::uint64_t cacheMisses = 0;      // requested chunks not in the cache
  std::uint64_t cacheEvictions = 0;
  std::uint64_t cacheRejected = 0;  // fetched but not cached (budget held by more important)
  std::size_t cacheBytes = 0;
  std::size_t cachePeakBytes = 0;
  std::size_t cacheBudget = 0;
  std::size_t cacheEntries = 0;
  std::size_t queueLength = 0;  // requests waiting for a slot
  std::size_t inFlight = 0;     // fetches running
  std::size_t maxInFlight = 0;
  double seconds = 0;                   // since the loader was created
  double throughputBytesPerSecond = 0;  // stored bytes over the last ~2 s
};

// One line for a status bar: "chunks 12/48 visible | 3 in flight, 20 queued | 1.2 MB/s | ...".
std::string formatLoaderMetricsLine(const LoaderMetrics& m);
// One JSON object (single line), e.g. for `--stats`: {"requests":..,"bytes":..,"seconds":..,...}.
std::string loaderMetricsJson(const LoaderMetrics& m);

}  // namespace nz
