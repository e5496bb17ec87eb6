#include <algorithm>
#include <cctype>

#include "core/limits.h"
#include "dataset/dataset.h"
#include "dataset/nifti_file_dataset.h"
#include "dataset/nifti_zarr_dataset.h"
#include "open/store_factory.h"
#include "store/zip_store.h"
#include "uri/uri.h"

namespace nz {

namespace {

bool isNiftiFileName(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  auto ends = [&](const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".nii") || ends(".nii.gz");
}

// The groups above a Zarr group's URI, read through stores opened the same way (so the same
// credentials apply). Stops at the top of the bucket, container or file system.
AncestorGroups ancestorsOf(const Uri& uri, const StoreOptions& options) {
  return [uri, options](int up) -> std::optional<AncestorGroup> {
    Uri at = uri;
    std::string relative;
    for (int k = 0; k < up; ++k) {
      const std::string base = at.basename();
      if (at.path.empty() || at.path == "/" || base.empty() || base == "." || base == "..")
        return std::nullopt;
      relative = relative.empty() ? base : base + "/" + relative;
      at = parentUri(at);
    }
    const std::uint64_t cap = inputLimits().metadataMaxBytes;
    AncestorGroup g{at.redacted(), relative, {}};
    g.zarrJson = std::move(openStore(at, options)->readManyBounded({"zarr.json"}, {cap}).front());
    return g;
  };
}

}  // namespace

std::shared_ptr<Dataset> openDataset(const std::string& uriText, const StoreOptions& options) {
  applyInputLimitOptions(options.extra);  // metadata.max_bytes, json.max_depth, ...
  const Uri uri = parseUri(uriText);
  if (isNiftiFileName(uri.path)) {
    const std::string key = uri.basename();
    auto store = openStore(parentUri(uri), options);
    return openNiftiFileDataset(std::move(store), key, uri.redacted());
  }
  if (isZipStoreName(uri.path)) {  // zipped OME-Zarr (RFC-9): a store inside one file
    auto zip = openZipStore(openStore(parentUri(uri), options), uri.basename(), uri.redacted());
    return openNiftiZarrDataset(std::move(zip), uri.redacted());
  }
  return openNiftiZarrDataset(openStore(uri, options), uri.redacted(), ancestorsOf(uri, options));
}

std::shared_ptr<Dataset> openDataset(std::shared_ptr<Store> store, const std::string& name) {
  if (isNiftiFileName(name)) {
    std::string key = name;
    while (!key.empty() && key.back() == '/') key.pop_back();
    const auto slash = key.rfind('/');
    if (slash != std::string::npos) key = key.substr(slash + 1);
    const std::string described = store ? store->describeKey(key) : name;
    return openNiftiFileDataset(std::move(store), key, described);
  }
  return openNiftiZarrDataset(std::move(store), name);
}

}  // namespace nz
