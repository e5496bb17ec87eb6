#include "cli/cli_stats_line.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace nzcli {

void printStatsLine(const nz::StoreStats& st, double seconds, const nz::LoaderMetrics& m,
                    std::optional<double> openSeconds) {
  const double throughput = m.seconds > 0 ? static_cast<double>(m.bytesFetched) / m.seconds : 0.0;
  nlohmann::json j = {{"requests", st.requests},
                      {"bytes", st.bytesReceived},
                      {"disk_hits", st.diskHits},
                      {"disk_bytes", st.diskBytes},
                      {"seconds", seconds},
                      {"chunks", m.cacheHits + m.cacheMisses},
                      {"cache_hits", m.cacheHits},
                      {"cache_misses", m.cacheMisses},
                      {"bytes_decoded", m.bytesDecoded},
                      {"bytes_fetched", m.bytesFetched},
                      {"peak_cache_bytes", m.cachePeakBytes},
                      {"throughput", throughput},
                      {"read_seconds", m.seconds}};
  if (openSeconds) j["open_seconds"] = *openSeconds;
  std::cerr << j.dump() << "\n";
}

}  // namespace nzcli
