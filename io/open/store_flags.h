#pragma once
// The credential and disk cache flags both executables accept (nzview and nzview-cli), listed
// once: parsing into StoreOptions and the help lines come from this table, and
// tests/open/tst_store_flags.cpp checks both man pages against it.
//
//   nz::StoreOptions options; nz::CacheFlags cache;
//   for (std::size_t i = 0; i < args.size(); ++i)
//     if (!nz::parseStoreFlag(args, i, options, cache)) { /* the program's own flags */ }
//
// Values are never echoed in errors (they may be secrets).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store_options.h"

namespace nz {

struct StoreFlag {
  const char* name;     // "--azure-account"
  const char* metavar;  // "NAME"; empty for a switch
  const char* help;     // one line
  bool cache;           // a disk cache flag (else a credential/connection flag)
};
const std::vector<StoreFlag>& storeFlags();
const StoreFlag* findStoreFlag(const std::string& name);

// Disk cache flags as given; applied over whatever settings a program starts from (the CLI:
// the environment; the viewer: its saved settings).
struct CacheFlags {
  std::optional<std::string> dir;
  std::optional<std::uint64_t> budgetBytes;
  bool noDiskCache = false, offline = false;

  bool any() const { return dir || budgetBytes || noDiskCache || offline; }
  // --cache-dir turns the cache on (naming a directory asks for it); --no-disk-cache off.
  void applyTo(DiskCacheSettings& settings) const;
};

// Consumes args[i] (and its value: "--flag value" or "--flag=value") when it is one of
// storeFlags(), advancing i past the value; false when it is not. Throws
// nz::Error(InvalidArgument) naming the flag.
bool parseStoreFlag(const std::vector<std::string>& args, std::size_t& i, StoreOptions& options,
                    CacheFlags& cache);

// --option KEY=VALUE: kept in options.extra; well-known keys (fsspec / TorchIO reader_kwargs
// names) also fill the typed fields. Throws nz::Error(InvalidArgument) for a bad value.
void applyStoreOptionKey(StoreOptions& options, const std::string& key, const std::string& value);

// One line per flag, the help text starting at `column`: "  --azure-key KEY   Azure ...".
std::string storeFlagsHelp(std::size_t column);

}  // namespace nz
