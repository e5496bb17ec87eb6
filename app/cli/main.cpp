// nzview-cli: headless entry point. Needs no display: --help and --version work anywhere.
#include <iostream>
#include <string>

#include "cache/cache_config.h"
#include "cache/caching_store.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "open/store_factory.h"

namespace {

const char* kUsage = R"(nzview-cli - read, inspect and export NIfTI-Zarr (.nii.zarr) and NIfTI scans
on local disks, HTTP(S), Azure Blob, S3 and GCS without downloading them whole.

Usage:
  nzview-cli info URI [--json] [credential options]
  nzview-cli export URI -o OUT [--level N] [--roi i0:i1,j0:j1,k0:k1[,t0:t1]]
                    [--crop-or-pad W,H,D] [--pad-mode MODE] [--pad-value V]
                    [--zarr-version 2|3] [--chunk N] [--compressor {compressors}]
                    [--dry-run] [--stats] [credential options]
  nzview-cli convert IN OUT.nii.zarr [--chunk N] [--levels N] [--zarr-version 2|3]
                    [--compressor {compressors}] [--shard N] [credential options]
  nzview-cli export --replay OUT.nzview.json [-o OUT] [--allow-changed] [credential options]
  nzview-cli stats URI [--level N] [--roi i0:i1,j0:j1,k0:k1[,t0:t1]]
                    [--labels LABELS_URI | --per-label] [--json] [--stats] [credential options]
  nzview-cli manifest DIR [--csv | --json]
  nzview-cli doctor URI [--json] [credential options]
  nzview-cli prefetch URI [--level N] [--roi i0:i1,j0:j1,k0:k1] [--no-pin] [--unpin]
                    [--dry-run] [cache and credential options]
  nzview-cli cache [info|clear] [--keep-pinned] [--json] [--cache-dir DIR]
  nzview-cli --version | --help
  nzview-cli COMMAND --help      details of one command

URIs: az://container/path, abfs://..., https://ACCOUNT.blob.core.windows.net/container/path,
      s3://bucket/key, gs://bucket/key, http(s)://host/path, file:///path, or a local path.

Credential options (explicit flags win over the environment, then config files, then anonymous):
  --azure-account NAME  --azure-key KEY  --azure-sas TOKEN  --azure-connection-string STR
  --azure-endpoint URL  --aws-profile NAME  --aws-region REGION  --endpoint-url URL
  --gcs-credentials FILE  --anonymous  --header 'K: V'  --cacert FILE  --insecure
  --option key=value

Disk cache options (every command): remote chunks are kept in ~/.cache/nzview/chunks
($XDG_CACHE_HOME; NZVIEW_CACHE_DIR) so a second open fetches only the metadata again.
  --cache-dir DIR  --cache-size SIZE (default 4G)  --no-disk-cache  --offline
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << nzcli::withCodecLists(kUsage);
    return 2;
  }
  std::string command = argv[1];
  nzcli::Args args(argv + 2, argv + argc);
  if (command == "--version" || command == "version") {
    std::cout << "nzview-cli " << NZVIEW_VERSION << "\n";
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << nzcli::withCodecLists(kUsage);
    return 0;
  }
  try {
    nz::setDefaultDiskCache(nz::diskCacheFromEnvironment());
  } catch (const std::exception& e) {
    return nzcli::reportError(e);
  }
  if (command == "info") return nzcli::cmdInfo(args);
  if (command == "prefetch") return nzcli::cmdPrefetch(args);
  if (command == "cache") return nzcli::cmdCache(args);
  if (command == "export") return nzcli::cmdExport(args);
  if (command == "convert") return nzcli::cmdConvert(args);
  if (command == "stats") return nzcli::cmdStats(args);
  if (command == "manifest") return nzcli::cmdManifest(args);
  if (command == "doctor") return nzcli::cmdDoctor(args);
  std::cerr << "nzview-cli: unknown command '" << command << "' (see nzview-cli --help)\n";
  return 2;
}
