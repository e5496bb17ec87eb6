#pragma once
// The one `--stats` line that `export` and `stats` print on stderr.
#include <optional>

#include "loader/loader_metrics.h"
#include "store/store.h"

namespace nzcli {

// The contract fields (requests, bytes, seconds: the source store's counters) plus the chunk
// loader's counters of the read, as one JSON line on stderr. throughput is stored bytes per
// second over the read (the loader's lifetime); loader fields are 0 when nothing was read
// (export --dry-run). `openSeconds`, when given, is the time to the opened dataset (its
// metadata read): "open_seconds", so a slow run can be told apart as a slow open, a slow read
// ("read_seconds": the loader's lifetime) or a slow write (the rest of "seconds").
void printStatsLine(const nz::StoreStats& st, double seconds, const nz::LoaderMetrics& m,
                    std::optional<double> openSeconds = std::nullopt);

}  // namespace nzcli
