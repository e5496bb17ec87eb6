// Loader benchmark: prints a table of
//  - time to the first (coarse) picture of an axial slice and to full resolution, against the
//    physical limit RTT x ceil(chunks / chunks in flight), for several concurrency limits;
//  - bytes fetched vs bytes of the chunks visible at full resolution;
//  - peak RSS while browsing a 1 TB sparse volume (three orthogonal views, zooming and panning;
//    only a few chunks are stored, the rest are fill value) against the cache budget.
// Runs against a synthetic dataset with an injected per-request delay (tests/loader/
// fake_dataset.h); with --uri it also times a real dataset (e.g. behind the delay proxy).
// Usage: loader_bench [--quick] [--rtt-ms 50] [--budget-mb 256] [--uri URI]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "loader/chunk_loader.h"
#include "loader/fake_dataset.h"  // tests/loader
#include "loader/slice_request.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// VmRSS / VmHWM of this process in bytes (0 where /proc is missing).
std::size_t procStatus(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field))) * 1024;
  return 0;
}

std::string mib(double bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f MiB", bytes / (1 << 20));
  return b;
}

struct SliceResult {
  double firstCoarse = -1, fullRes = -1;
  std::size_t visibleChunks = 0, coarseChunks = 0;
  std::uint64_t bytesVisible = 0, bytesAtFull = 0, bytesTotal = 0;
};

// One axial slice through the middle, whole slice at level 0, from a cold cache.
SliceResult timeSlice(const std::shared_ptr<nz::Dataset>& ds, std::size_t inFlight, bool prefetch) {
  const auto& info = ds->info();
  const int coarsest = int(info.levels.size()) - 1;
  nz::ChunkLoader loader(nz::LoaderOptions{1u << 30, inFlight});
  nz::ViewSlice view;
  view.plane = nz::wholeSlice(info, 2, double(info.shape[2] / 2));
  view.level = 0;
  auto set = nz::buildViewRequests(ds, {view}, {prefetch, prefetch});
  std::set<nz::ChunkKey, bool (*)(const nz::ChunkKey&, const nz::ChunkKey&)> coarse(
      [](const nz::ChunkKey& a, const nz::ChunkKey& b) { return a.chunk < b.chunk; });
  auto full = coarse;
  for (auto& r : set.requests) {
    if (r.tier != nz::Tier::Visible) continue;
    if (r.level == coarsest) coarse.insert(r.key());
    if (r.level == 0) full.insert(r.key());
  }
  SliceResult res;
  res.visibleChunks = full.size();
  res.coarseChunks = coarse.size();
  const auto t0 = Clock::now();
  loader.setRequests(set.requests);
  while (Clock::now() - t0 < 120s) {
    for (auto& c : loader.takeCompleted(1000)) {
      if (!c.ok) {
        std::fprintf(stderr, "chunk failed: %s\n", c.error.c_str());
        continue;
      }
      if (c.key.level == coarsest && coarse.erase(c.key) && coarse.empty())
        res.firstCoarse = seconds(Clock::now() - t0);
      if (c.key.level == 0 && full.erase(c.key)) {
        res.bytesVisible += c.storedBytes;
        if (full.empty()) {
          res.fullRes = seconds(Clock::now() - t0);
          res.bytesAtFull = loader.metrics().bytesFetched;
        }
      }
    }
    if (full.empty() && coarse.empty()) break;
    std::this_thread::sleep_for(200us);
  }
  loader.waitIdle(60s);
  res.bytesTotal = loader.metrics().bytesFetched;
  return res;
}

void printSliceRow(const char* name, std::size_t inFlight, const SliceResult& r, double rtt) {
  const double rounds = std::ceil(double(r.visibleChunks) / double(inFlight));
  const double limit = rtt * rounds, ideal = rtt;  // ideal: every chunk in flight at once
  std::printf(
      "| %-22s | %4zu | %4zu | %8.3f | %6.3f | %8.3f | %6.3f | %6.3f | %6.2f | %6.2f | %5.2f |\n",
      name, inFlight, r.visibleChunks, r.firstCoarse, rtt, r.fullRes, limit, ideal,
      r.fullRes / limit, r.fullRes / ideal,
      r.bytesVisible ? double(r.bytesAtFull) / double(r.bytesVisible) : 0.0);
}

struct BrowseResult {
  std::size_t generations = 0;
  nz::LoaderMetrics metrics;
  std::size_t rssBefore = 0, peakRss = 0;
  double seconds = 0;
  double maxSetRequests = 0, maxTakeCompleted = 0;  // GUI-thread calls, seconds
  std::size_t maxRequests = 0;
};

// Three orthogonal views of 512x512 screen pixels around a moving crosshair, zooming in and out.
BrowseResult browse(const std::shared_ptr<nz::Dataset>& ds, std::size_t budget, int steps) {
  const auto& info = ds->info();
  BrowseResult out;
  out.rssBefore = procStatus("VmRSS:");
  nz::ChunkLoader loader(nz::LoaderOptions{budget, 32});
  const auto t0 = Clock::now();
  const double screen = 512;
  for (int i = 0; i < steps; ++i) {
    const int zoomLevel = (i / 4) % int(info.levels.size() - 2);  // 0 .. n-3, 4 steps each
    const double pixelMm = nz::levelVoxelSizeMm(info, zoomLevel)[0];
    const double f = double(i) / steps;
    const nz::Point3 cross{info.shape[0] * (0.2 + 0.6 * f),
                           info.shape[1] * (0.5 + 0.3 * std::sin(i * 0.3)),
                           info.shape[2] * (0.3 + 0.4 * f)};
    std::vector<nz::ViewSlice> views;
    for (int axis : {2, 1, 0}) {
      nz::ViewSlice v;
      v.plane.axis = axis;
      const auto [u, w] = nz::inPlaneAxes(axis);
      const double half = 0.5 * screen * pixelMm / info.spacing[0];  // level-0 voxels
      v.plane.u0 = cross[u] - half;
      v.plane.u1 = cross[u] + half;
      v.plane.v0 = cross[w] - half;
      v.plane.v1 = cross[w] + half;
      v.screenPixelMm = pixelMm;
      views.push_back(v);
    }
    const auto s0 = Clock::now();
    auto set = nz::buildOrthoRequests(ds, cross, views);
    out.maxRequests = std::max(out.maxRequests, set.requests.size());
    loader.setRequests(std::move(set.requests));
    out.maxSetRequests = std::max(out.maxSetRequests, seconds(Clock::now() - s0));
    // The user looks for a moment: drain what arrives for up to 300 ms or until idle.
    const auto until = Clock::now() + 300ms;
    while (Clock::now() < until) {
      const auto t1 = Clock::now();
      loader.takeCompleted(64);
      out.maxTakeCompleted = std::max(out.maxTakeCompleted, seconds(Clock::now() - t1));
      if (loader.waitIdle(2ms)) break;
    }
    loader.takeCompleted(100000);
    out.peakRss = std::max(out.peakRss, procStatus("VmRSS:"));
    ++out.generations;
  }
  loader.waitIdle(30s);
  loader.takeCompleted(100000);
  out.metrics = loader.metrics();
  out.peakRss = std::max(out.peakRss, procStatus("VmHWM:"));
  out.seconds = seconds(Clock::now() - t0);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int rttMs = 50;
  std::size_t budgetMb = 256;
  std::string uri;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--rtt-ms" && i + 1 < argc)
      rttMs = std::atoi(argv[++i]);
    else if (a == "--budget-mb" && i + 1 < argc)
      budgetMb = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--uri" && i + 1 < argc)
      uri = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: loader_bench [--quick] [--rtt-ms 50] [--budget-mb 256] [--uri URI]\n");
      return 2;
    }
  }
  const double rtt = rttMs / 1000.0;

  std::printf(
      "\n## Axial slice, cold cache (synthetic 1024x1024x256 uint8, 64^3 chunks, %d ms per "
      "request)\n\n",
      rttMs);
  std::printf("| %-22s | %4s | %4s | %8s | %6s | %8s | %6s | %6s | %6s | %6s | %5s |\n", "case",
              "infl", "chnk", "coarse s", "limit", "full s", "limit", "ideal", "xlimit", "xideal",
              "bytes");
  std::printf("|%s|\n", std::string(118, '-').c_str());
  nztest::FakeOptions o;
  o.shape = {1024, 1024, 256, 1, 1};
  o.chunkShape = {64, 64, 64, 1, 1};
  o.levels = 5;
  o.delay = std::chrono::milliseconds(rttMs);
  auto ds = nztest::FakeDataset::make(o);
  for (std::size_t inFlight :
       quick ? std::vector<std::size_t>{32} : std::vector<std::size_t>{32, 64, 128, 512}) {
    printSliceRow("fake, prefetch on", inFlight, timeSlice(ds, inFlight, true), rtt);
    if (!quick) printSliceRow("fake, prefetch off", inFlight, timeSlice(ds, inFlight, false), rtt);
  }
  std::printf(
      "\ncoarse/full s: time to the whole slice at the coarsest / full level; limit: RTT x\n"
      "ceil(chunks / in flight) (coarse: 1 RTT); ideal: every chunk in flight at once (1 RTT);\n"
      "bytes: bytes fetched when full resolution was complete / bytes of the visible level-0 "
      "chunks.\n");

  if (!uri.empty()) {
    std::printf("\n## Axial slice of %s (cold cache)\n\n", uri.c_str());
    auto real = nz::openDataset(uri);
    for (std::size_t inFlight : {std::size_t(32), std::size_t(256)})
      printSliceRow("uri, prefetch off", inFlight, timeSlice(real, inFlight, false), rtt);
  }

  std::printf(
      "\n## Browsing a 1 TB sparse volume (16384x16384x4096 uint8, 128^3 chunks, 8 levels, 3 "
      "views)\n\n");
  nztest::FakeOptions big;
  big.shape = {16384, 16384, 4096, 1, 1};
  big.chunkShape = {128, 128, 128, 1, 1};
  big.levels = 8;
  big.delay = 5ms;
  big.sparse = true;
  for (int i = 0; i < 6; ++i) big.present.insert({0, {40 + i, 64, 16, 0, 0}});
  for (int l = 4; l < 8; ++l) big.present.insert({l, {0, 0, 0, 0, 0}});
  auto bigDs = nztest::FakeDataset::make(big);
  const std::size_t budget = budgetMb << 20;
  const BrowseResult b = browse(bigDs, budget, quick ? 16 : 48);
  const auto& m = b.metrics;
  std::printf("| %-34s | %14s |\n", "measure", "value");
  std::printf("|%s|\n", std::string(53, '-').c_str());
  std::printf("| %-34s | %14.2f |\n", "volume size (TB)",
              double(big.shape[0]) * big.shape[1] * big.shape[2] / 1e12);
  std::printf("| %-34s | %14zu |\n", "view generations", b.generations);
  std::printf("| %-34s | %14llu |\n", "chunks fetched (missing)", (unsigned long long)m.completed);
  std::printf("| %-34s | %14llu |\n", "  of which stored",
              (unsigned long long)(m.completed - m.missing));
  std::printf("| %-34s | %14llu |\n", "aborted", (unsigned long long)m.aborted);
  std::printf("| %-34s | %14s |\n", "decoded bytes", mib(double(m.bytesDecoded)).c_str());
  std::printf("| %-34s | %14s |\n", "cache budget", mib(double(budget)).c_str());
  std::printf("| %-34s | %14s |\n", "cache peak", mib(double(m.cachePeakBytes)).c_str());
  std::printf("| %-34s | %14llu |\n", "cache evictions", (unsigned long long)m.cacheEvictions);
  std::printf("| %-34s | %14llu |\n", "fetched, not cached (rejected)",
              (unsigned long long)m.cacheRejected);
  std::printf("| %-34s | %14llu |\n", "prefetch skipped (no room)",
              (unsigned long long)m.prefetchDropped);
  std::printf("| %-34s | %14s |\n", "RSS before browsing", mib(double(b.rssBefore)).c_str());
  std::printf("| %-34s | %14s |\n", "peak RSS (VmHWM)", mib(double(b.peakRss)).c_str());
  std::printf("| %-34s | %14.2f |\n", "(peak RSS - before) / budget",
              double(b.peakRss - b.rssBefore) / double(budget));
  std::printf("| %-34s | %14.1f |\n", "seconds", b.seconds);
  std::printf("| %-34s | %14zu |\n", "largest request set (3 views)", b.maxRequests);
  std::printf("| %-34s | %14.2f |\n", "max build+setRequests (ms)", b.maxSetRequests * 1e3);
  std::printf("| %-34s | %14.3f |\n", "max takeCompleted(64) (ms)", b.maxTakeCompleted * 1e3);
  std::printf(
      "\nlimit: peak memory bounded by the cache budget (ratio <= 1 plus chunks in flight and\n"
      "the allocator's slack); the volume itself is %.0fx the budget.\n",
      double(big.shape[0]) * big.shape[1] * big.shape[2] / double(budget));
  const bool ok = m.cachePeakBytes <= budget;
  std::printf("\nloader_bench: %s\n", ok ? "ok" : "CACHE BUDGET EXCEEDED");
  return ok ? 0 : 1;
}
