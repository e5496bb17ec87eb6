#pragma once
// Parsing of every URI form the product accepts (see README "URIs"):
//   az://container/path, abfs://container[@account.dfs.core.windows.net]/path,
//   https://ACCOUNT.blob.core.windows.net/container/path, s3://bucket/key, gs://bucket/key,
//   http(s)://host/path, file:///path and plain paths, mem://name (tests).
#include <string>

namespace nz {

enum class Scheme { File, Http, Https, Azure, S3, Gcs, Memory };

const char* schemeName(Scheme s);

struct Uri {
  Scheme scheme = Scheme::File;
  std::string original;  // as given, trailing '/' removed (may hold secrets: never print it)
  // Azure: container; S3/GCS: bucket; empty for file/http.
  std::string bucket;
  // Azure account when the URI names it (https blob host or abfs user@account form).
  std::string account;
  // http(s): "scheme://host[:port]" (no path); Azure https form: "https://ACCOUNT.blob..."
  std::string endpoint;
  // Object key prefix (no leading or trailing '/'); for File the absolute/relative local path.
  std::string path;
  // Query string without '?' (e.g. an Azure SAS pasted into the URL); secret-bearing.
  std::string query;

  // The URI with secrets removed (query parameters like sig=, X-Amz-Signature=, tokens).
  std::string redacted() const;
  // Name of the last path component, e.g. "brain.nii.zarr".
  std::string basename() const;
};

// Throws nz::Error(InvalidArgument) for an unusable URI.
Uri parseUri(const std::string& text);

// The URI of the folder holding the object `u` names, its query string (a SAS) kept: a store
// rooted there reads the object as the key u.basename().
Uri parentUri(const Uri& u);

// Removes secrets from free text: query values of sig/signature/token/key parameters,
// AccountKey=/SharedAccessSignature= in connection strings, Authorization headers.
std::string redactSecrets(const std::string& text);

// Percent-encodes everything except unreserved characters (RFC 3986); keeps '/' when asked.
std::string percentEncode(const std::string& s, bool keepSlash);
std::string percentDecode(const std::string& s);

}  // namespace nz
