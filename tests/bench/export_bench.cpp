// One export through nz::runExport with a chosen ExportOutputOptions::maxInMemoryBytes, for
// tests/bench/run_export_bench.sh (which measures its peak RSS with /usr/bin/time -v).
// Prints one line: path (memory|streamed), output bytes, wall seconds, loader counters.
// Usage: export_bench URI OUT [--max-in-memory BYTES] [--level N] [--roi x0:x1,y0:y1,z0:z1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "dataset/dataset.h"
#include "roi/export_plan.h"
#include "roi/export_run.h"
#include "roi/roi_box.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: export_bench URI OUT [--max-in-memory BYTES] [--level N] [--roi R]\n");
    return 2;
  }
  try {
    const std::string uri = argv[1], out = argv[2];
    nz::ExportOutputOptions o;
    nz::ExportRequest req;
    std::string roi;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string a = argv[i];
      if (a == "--max-in-memory")
        o.maxInMemoryBytes = std::strtoull(argv[i + 1], nullptr, 10);
      else if (a == "--level")
        req.level = std::atoi(argv[i + 1]);
      else if (a == "--roi")
        roi = argv[i + 1];
      else
        throw nz::Error(nz::ErrorKind::InvalidArgument, "unknown option " + a);
    }
    auto ds = nz::openDataset(uri);
    if (!roi.empty()) req.roi = nz::parseRoiText(roi, ds->info().levels.at(req.level).shape);
    const nz::ExportPlan plan = nz::planExport(ds->info(), req);
    nz::LoaderMetrics m;
    o.loaderMetrics = &m;
    const auto t0 = std::chrono::steady_clock::now();
    nz::runExport(*ds, plan, out, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "%s %llu %.2f %llu %llu %llu\n", nz::exportIsStreamed(plan, o) ? "streamed" : "memory",
        static_cast<unsigned long long>(plan.outputBytes), s,
        static_cast<unsigned long long>(m.cacheMisses),
        static_cast<unsigned long long>(m.cacheHits), static_cast<unsigned long long>(plan.chunks));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_bench: %s\n", e.what());
    return 1;
  }
}
