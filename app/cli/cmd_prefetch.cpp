// nzview-cli prefetch: fetches the chunks of a region (or of whole levels) into the disk cache
// and pins them, so that the scan opens offline (a demo without Wi-Fi) and is never evicted.
// nzview-cli cache: what the cache holds, and clearing it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cache/cache_config.h"
#include "cache/caching_store.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "dataset/dataset.h"
#include "open/store_factory.h"
#include "prefetch/prefetch.h"
#include "roi/roi_box.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

const char* kPrefetchUsage =
    "nzview-cli prefetch URI [--level N] [--roi i0:i1,j0:j1,k0:k1] [--no-pin] [--unpin]\n"
    "                    [--dry-run] [--max-in-flight N] [cache and credential options]";
const char* kPrefetchDescription =
    "Fetches every chunk of a region into the disk cache and pins it: pinned chunks are never\n"
    "evicted, and 'nzview URI --offline' / 'nzview-cli ... --offline' then open the scan and\n"
    "show the region with no network at all. Without --level every pyramid level is fetched\n"
    "(the viewer shows coarse levels first); without --roi the whole volume.\n"
    "\n"
    "--roi takes half-open level-0 voxel ranges in NIfTI order (as the viewer's ROI boxes); each\n"
    "level gets the chunks covering the same region. The size estimate (chunks and their\n"
    "decoded size, an upper bound of what is stored) is printed before anything is fetched;\n"
    "--dry-run stops there. Progress goes to stderr. Chunks already cached are pinned without a\n"
    "request. --unpin releases the pins of the scan (its chunks stay cached until evicted).";

const char* kCacheUsage =
    "nzview-cli cache [info|clear] [--keep-pinned] [--json] [--cache-dir DIR]";
const char* kCacheDescription =
    "info (default): where the disk cache is, its size against the budget, what is pinned and\n"
    "which scans it holds. clear: deletes the cached chunks (--keep-pinned keeps pinned ones).";

nz::CachingStore* cachingStoreOf(const nz::Dataset& ds) {
  return dynamic_cast<nz::CachingStore*>(&ds.store());
}

}  // namespace

int cmdPrefetch(const Args& args) {
  OptionParser parser(
      "prefetch",
      {{"--level", true, "N", "only this pyramid level (0 = full resolution)", ""},
       {"--roi", true, "RANGES", "level-0 region i0:i1,j0:j1,k0:k1 (default: everything)", ""},
       {"--no-pin", false, "", "cache the chunks without pinning them", ""},
       {"--unpin", false, "", "release the pins of URI and exit", ""},
       {"--dry-run", false, "", "print the size estimate only", ""},
       {"--max-in-flight", true, "N", "chunk reads in flight (default 64)", ""}});
  try {
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kPrefetchUsage, kPrefetchDescription);
      return 0;
    }
    if (a.positional.size() != 1)
      throw Error(ErrorKind::InvalidArgument,
                  "prefetch needs one URI (see nzview-cli prefetch --help)");
    nz::DiskCacheSettings cache = a.store.diskCache.value_or(nz::defaultDiskCache());
    if (!cache.enabled)
      throw Error(ErrorKind::InvalidArgument,
                  "prefetch needs the disk cache (drop --no-disk-cache / NZVIEW_DISK_CACHE=off)");
    if (cache.offline && !a.has("--unpin"))
      throw Error(ErrorKind::InvalidArgument, "prefetch needs the network (drop --offline)");
    cache.pin = !a.has("--no-pin") && !a.has("--unpin");
    nz::StoreOptions options = a.store;
    options.diskCache = cache;
    const long long maxInFlight = a.intValue("--max-in-flight", 64);
    if (maxInFlight < 1 || maxInFlight > 4096)
      throw Error(ErrorKind::InvalidArgument, "--max-in-flight must be 1..4096");

    auto ds = nz::openDataset(a.positional[0], options);
    nz::CachingStore* cs = cachingStoreOf(*ds);
    if (!cs)
      throw Error(ErrorKind::InvalidArgument,
                  "prefetch: " + ds->info().uri + " is local; only remote scans are cached");
    if (a.has("--unpin")) {
      const auto n = cs->cache().unpinDataset(cs->datasetId());
      std::cout << "unpinned " << n << " cached objects of " << ds->info().uri << "\n";
      return 0;
    }

    const nz::DatasetInfo& info = ds->info();
    std::vector<int> levels;
    if (a.has("--level")) levels.push_back(static_cast<int>(a.intValue("--level", 0)));
    nz::RoiBox roi = nz::RoiBox::whole(info);
    if (auto text = a.value("--roi")) roi.box = nz::parseRoiText(*text, info.shape);
    const nz::PrefetchPlan plan = nz::planPrefetch(*ds, levels, roi);

    const nz::CacheUsage before = cs->cache().usage();
    std::cerr << "prefetch: " << plan.chunks.size() << " chunks of " << info.uri << " (levels "
              << plan.levels.front() << ".." << plan.levels.back() << "), at most "
              << nz::formatBytes(plan.decodedBytes) << " decoded; cache " << cs->cache().dir()
              << " holds " << nz::formatBytes(before.bytes) << " of "
              << nz::formatBytes(cache.budgetBytes) << " (" << nz::formatBytes(before.pinnedBytes)
              << " pinned)\n";
    if (cache.pin && before.pinnedBytes + plan.decodedBytes > cache.budgetBytes)
      std::cerr << "prefetch: note: pinned data may exceed the cache budget; pins are kept "
                   "anyway (raise --cache-size or unpin other scans)\n";
    if (a.has("--dry-run")) return 0;

    const auto t0 = std::chrono::steady_clock::now();
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    const std::size_t step = std::max<std::size_t>(1, plan.chunks.size() / (tty ? 200 : 10));
    auto report = [&](const nz::PrefetchProgress& p, bool final) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const nz::StoreStats st = ds->store().stats();
      char line[200];
      std::snprintf(line, sizeof line,
                    "prefetch: %zu/%zu chunks, %s fetched in %llu requests, %llu from the disk "
                    "cache, %.1f s",
                    p.done, p.total, nz::formatBytes(st.bytesReceived).c_str(),
                    static_cast<unsigned long long>(st.requests),
                    static_cast<unsigned long long>(st.diskHits), secs);
      std::cerr << (tty ? "\r" : "") << line << (tty && !final ? "" : "\n") << std::flush;
    };
    const nz::PrefetchProgress done = nz::runPrefetch(
        *ds, plan, static_cast<std::size_t>(maxInFlight), {}, [&](const nz::PrefetchProgress& p) {
          if (p.done % step == 0 && p.done != p.total) report(p, false);
        });
    report(done, true);
    if (done.failed)
      throw Error(ErrorKind::Network,
                  std::to_string(done.failed) + " of " + std::to_string(done.total) +
                      " chunks could not be fetched; first: " + done.firstError);
    const nz::CacheUsage after = cs->cache().usage();
    std::cout << (cache.pin ? "pinned " : "cached ") << plan.chunks.size() << " chunks of "
              << info.uri << "; cache now " << nz::formatBytes(after.bytes) << " ("
              << nz::formatBytes(after.pinnedBytes) << " pinned)\n";
    return 0;
  } catch (const std::exception& e) {
    return reportError(e);
  }
}

int cmdCache(const Args& args) {
  OptionParser parser("cache", {{"--keep-pinned", false, "", "clear: keep pinned chunks", ""},
                                {"--json", false, "", "info: one JSON object on stdout", ""}});
  try {
    ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(kCacheUsage, kCacheDescription);
      return 0;
    }
    const std::string action = a.positional.empty() ? "info" : a.positional[0];
    if (a.positional.size() > 1 || (action != "info" && action != "clear"))
      throw Error(ErrorKind::InvalidArgument,
                  "cache takes 'info' or 'clear' (see nzview-cli cache --help)");
    const nz::DiskCacheSettings s = a.store.diskCache.value_or(nz::defaultDiskCache());
    auto cache = nz::DiskCache::open(s.dir, s.budgetBytes);
    if (action == "clear") {
      cache->clear(!a.has("--keep-pinned"));
      const nz::CacheUsage u = cache->usage();
      std::cout << "cleared " << cache->dir() << "; " << nz::formatBytes(u.bytes) << " left ("
                << u.pinnedEntries << " pinned objects)\n";
      return 0;
    }
    const nz::CacheUsage u = cache->usage();
    std::vector<std::string> sources;
    std::error_code ec;
    for (std::filesystem::directory_iterator d(cache->dir() + "/v1", ec), end; !ec && d != end;
         d.increment(ec)) {
      std::ifstream f(d->path() / "source.txt");
      std::string line;
      if (std::getline(f, line)) sources.push_back(line);
    }
    if (a.has("--json")) {
      nlohmann::json j = {{"dir", cache->dir()},
                          {"enabled", s.enabled},
                          {"budget", s.budgetBytes},
                          {"bytes", u.bytes},
                          {"entries", u.entries},
                          {"pinned_bytes", u.pinnedBytes},
                          {"pinned_entries", u.pinnedEntries},
                          {"datasets", sources}};
      std::cout << j.dump(1) << "\n";
      return 0;
    }
    std::cout << "disk cache   " << cache->dir() << (s.enabled ? "" : " (disabled)") << "\n"
              << "size         " << nz::formatBytes(u.bytes) << " of "
              << nz::formatBytes(s.budgetBytes) << " (" << u.entries << " objects)\n"
              << "pinned       " << nz::formatBytes(u.pinnedBytes) << " (" << u.pinnedEntries
              << " objects)\n";
    for (const auto& src : sources) std::cout << "scan         " << src << "\n";
    return 0;
  } catch (const std::exception& e) {
    return reportError(e);
  }
}

}  // namespace nzcli
