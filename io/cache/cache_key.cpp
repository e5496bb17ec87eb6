#include "cache/cache_key.h"

namespace nz {

namespace {

// "https://user:pw@host:port/x?sig=..." -> "https://host:port/x"
std::string withoutSecrets(std::string url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto sep = url.find("://");
  const std::size_t hostStart = sep == std::string::npos ? 0 : sep + 3;
  const auto slash = url.find('/', hostStart);
  const auto at = url.rfind('@', slash == std::string::npos ? url.size() : slash);
  if (at != std::string::npos && at >= hostStart) url.erase(hostStart, at + 1 - hostStart);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string canonicalDatasetId(const Uri& uri, const StoreOptions& options) {
  // http(s) and the Azure https form carry their scheme and host in `endpoint`.
  std::string id;
  if (!uri.endpoint.empty()) {
    id = withoutSecrets(uri.endpoint) + "/";
  } else {
    id = std::string(schemeName(uri.scheme)) + "://";
    if (!uri.account.empty()) id += uri.account + "@";
  }
  if (!uri.bucket.empty()) id += uri.bucket + "/";
  id += uri.path;
  while (!id.empty() && id.back() == '/') id.pop_back();
  std::string endpoint;
  if (uri.scheme == Scheme::Azure) endpoint = options.azureEndpoint;
  if (uri.scheme == Scheme::S3) endpoint = options.endpointUrl;
  if (uri.scheme == Scheme::Azure && !options.azureAccount.empty() && uri.account.empty())
    id += " account=" + options.azureAccount;
  if (uri.scheme == Scheme::Azure && endpoint.empty()) {
    // A connection string may name the endpoint (BlobEndpoint=...); only that part is kept.
    const std::string& cs = options.azureConnectionString;
    const auto at = cs.find("BlobEndpoint=");
    if (at != std::string::npos) {
      const auto start = at + 13;
      endpoint = cs.substr(start, cs.find(';', start) - start);
    }
  }
  if (!endpoint.empty()) id += " via " + withoutSecrets(endpoint);
  return id;
}

std::string objectIdFor(const std::string& key, const ByteRange& range) {
  if (range.isAll()) return key;
  if (range.suffixLength) return key + "#suffix=" + std::to_string(*range.suffixLength);
  return key + "#bytes=" + std::to_string(range.offset) + "-" +
         (range.length ? std::to_string(*range.length) : std::string("end"));
}

bool isMetadataKey(const std::string& key) {
  const auto slash = key.rfind('/');
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  // The NIfTI header of a NIfTI-Zarr ("nifti/0", "nifti/c/0") is read together with the group
  // metadata, before any of it is revalidated: it has to be checked like metadata.
  return name == "zarr.json" || name == ".zarray" || name == ".zgroup" || name == ".zattrs" ||
         name == ".zmetadata" || key.rfind("nifti/", 0) == 0;
}

}  // namespace nz
