#include "loader/loader_metrics.h"

#include <cstdio>

namespace nz {

namespace {
std::string humanBytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}
}  // namespace

std::string formatLoaderMetricsLine(const LoaderMetrics& m) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "chunks %zu/%zu visible | %zu in flight, %zu queued | %s/s | fetched %llu (%s) | "
      "cache %s of %s, %llu hits, %llu misses, %llu evicted",
      m.visibleAvailable, m.visibleWanted, m.inFlight, m.queueLength,
      humanBytes(m.throughputBytesPerSecond).c_str(), static_cast<unsigned long long>(m.completed),
      humanBytes(double(m.bytesFetched)).c_str(), humanBytes(double(m.cacheBytes)).c_str(),
      humanBytes(double(m.cacheBudget)).c_str(), static_cast<unsigned long long>(m.cacheHits),
      static_cast<unsigned long long>(m.cacheMisses),
      static_cast<unsigned long long>(m.cacheEvictions));
  return buf;
}

std::string loaderMetricsJson(const LoaderMetrics& m) {
  auto u = [](auto v) { return static_cast<unsigned long long>(v); };
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"requests\": %llu, \"bytes\": %llu, \"seconds\": %.3f, \"completed\": %llu, "
                "\"missing\": %llu, \"failed\": %llu, \"aborted\": %llu, "
                "\"prefetch_dropped\": %llu, \"bytes_decoded\": %llu, "
                "\"cache_hits\": %llu, \"cache_misses\": %llu, \"cache_evictions\": %llu, "
                "\"cache_rejected\": %llu, \"cache_bytes\": %llu, \"cache_peak_bytes\": %llu, "
                "\"cache_budget\": %llu, \"cache_entries\": %llu, \"queue\": %llu, "
                "\"in_flight\": %llu, \"max_in_flight\": %llu, \"throughput\": %.0f, "
                "\"generation\": %llu, \"visible_wanted\": %llu, \"visible_available\": %llu}",
                u(m.requests), u(m.bytesFetched), m.seconds, u(m.completed), u(m.missing),
                u(m.failed), u(m.aborted), u(m.prefetchDropped), u(m.bytesDecoded), u(m.cacheHits),
                u(m.cacheMisses), u(m.cacheEvictions), u(m.cacheRejected), u(m.cacheBytes),
                u(m.cachePeakBytes), u(m.cacheBudget), u(m.cacheEntries), u(m.queueLength),
                u(m.inFlight), u(m.maxInFlight), m.throughputBytesPerSecond, u(m.generation),
                u(m.visibleWanted), u(m.visibleAvailable));
  std::string out(buf);
  out.pop_back();  // the closing brace: the per-level counts follow
  out += ", \"prefetch_requests\": " + std::to_string(m.prefetchRequests) +
         ", \"requests_by_level\": [";
  for (std::size_t i = 0; i < m.requestsByLevel.size(); ++i)
    out += (i ? ", " : "") + std::to_string(m.requestsByLevel[i]);
  return out + "]}";
}

}  // namespace nz
