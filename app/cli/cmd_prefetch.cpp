// nzview-cli prefetch: fetches the chunks of a region (or of whole levels) into the disk cache
// and pins them, so that the scan opens offline (a demo without Wi-Fi) and is never evicted.
// nzview-cli cache: what the cache holds, and clearing it.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cache/cache_config.h"
#include "cache/caching_store.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "dataset/dataset.h"
#include "roi/roi_box.h"
#include "store/store_factory.h"
#include "volume/dtype.h"

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

struct Progress {
  std::mutex m;
  std::condition_variable cv;
  std::size_t inFlight = 0, done = 0, failed = 0;
  std::uint64_t storedBytes = 0;
  std::string firstError;
};

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
    if (a.has("--level")) {
      const long long l = a.intValue("--level", 0);
      if (l < 0 || l >= static_cast<long long>(info.levels.size()))
        throw Error(ErrorKind::InvalidArgument, "--level " + std::to_string(l) +
                                                    " does not exist (levels 0.." +
                                                    std::to_string(info.levels.size() - 1) + ")");
      levels.push_back(static_cast<int>(l));
    } else {
      for (std::size_t l = 0; l < info.levels.size(); ++l) levels.push_back(static_cast<int>(l));
    }
    nz::RoiBox roi = nz::RoiBox::whole(info);
    if (auto text = a.value("--roi")) roi.box = nz::parseRoiText(*text, info.shape);
    roi = roi.clipped(info);
    if (roi.empty()) throw Error(ErrorKind::InvalidArgument, "--roi lies outside the volume");

    struct Job {
      int level;
      nz::Index5 chunk;
    };
    std::vector<Job> jobs;
    std::uint64_t decoded = 0;
    for (int l : levels) {
      const nz::Box box = roi.toLevel(info, l);
      const auto& lv = info.levels[static_cast<std::size_t>(l)];
      for (const auto& c : ds->chunksIntersecting(l, box)) {
        jobs.push_back({l, c});
        decoded +=
            static_cast<std::uint64_t>(ds->chunkBox(l, c).voxelCount()) * nz::dtypeSize(lv.dtype);
      }
    }
    const nz::CacheUsage before = cs->cache().usage();
    std::cerr << "prefetch: " << jobs.size() << " chunks of " << info.uri << " (levels "
              << levels.front() << ".." << levels.back() << "), at most "
              << nz::formatBytes(decoded) << " decoded; cache " << cs->cache().dir() << " holds "
              << nz::formatBytes(before.bytes) << " of " << nz::formatBytes(cache.budgetBytes)
              << " (" << nz::formatBytes(before.pinnedBytes) << " pinned)\n";
    if (cache.pin && before.pinnedBytes + decoded > cache.budgetBytes)
      std::cerr << "prefetch: note: pinned data may exceed the cache budget; pins are kept "
                   "anyway (raise --cache-size or unpin other scans)\n";
    if (a.has("--dry-run")) return 0;

    const auto t0 = std::chrono::steady_clock::now();
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    Progress p;
    std::size_t lastReported = 0;
    auto report = [&](bool final) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const nz::StoreStats st = ds->store().stats();
      char line[200];
      std::snprintf(line, sizeof line,
                    "prefetch: %zu/%zu chunks, %s fetched in %llu requests, %llu from the disk "
                    "cache, %.1f s",
                    p.done, jobs.size(), nz::formatBytes(st.bytesReceived).c_str(),
                    static_cast<unsigned long long>(st.requests),
                    static_cast<unsigned long long>(st.diskHits), s);
      std::cerr << (tty ? "\r" : "") << line << (tty && !final ? "" : "\n") << std::flush;
    };
    for (const Job& job : jobs) {
      {
        std::unique_lock lock(p.m);
        p.cv.wait(lock, [&] { return p.inFlight < static_cast<std::size_t>(maxInFlight); });
        p.inFlight++;
      }
      ds->readChunkAsync(job.level, job.chunk, {}, [&p](nz::ChunkResult r) {
        std::lock_guard lock(p.m);
        p.inFlight--;
        p.done++;
        p.storedBytes += r.storedBytes;
        if (!r.ok) {
          if (p.failed++ == 0) p.firstError = r.error;
        }
        p.cv.notify_all();
      });
      std::unique_lock lock(p.m);
      const std::size_t step = tty ? std::max<std::size_t>(1, jobs.size() / 200)
                                   : std::max<std::size_t>(1, jobs.size() / 10);
      if (p.done >= lastReported + step) {
        lastReported = p.done;
        lock.unlock();
        report(false);
      }
    }
    {
      std::unique_lock lock(p.m);
      p.cv.wait(lock, [&] { return p.inFlight == 0; });
    }
    nz::waitForDiskCacheWrites();
    report(true);
    if (p.failed)
      throw Error(ErrorKind::Network, std::to_string(p.failed) + " of " +
                                          std::to_string(jobs.size()) +
                                          " chunks could not be fetched; first: " + p.firstError);
    const nz::CacheUsage after = cs->cache().usage();
    std::cout << (cache.pin ? "pinned " : "cached ") << jobs.size() << " chunks of " << info.uri
              << "; cache now " << nz::formatBytes(after.bytes) << " ("
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
