#pragma once
// What a session file, a link or a bookmark may say about a dataset's location: the URI with
// every secret removed, and the identity of the store it names (so credentials given for one
// store are never handed to another).
#include <string>
#include <vector>

namespace nz {

// The URI without anything secret: the whole query string (SAS tokens, presigned signatures,
// access tokens — a query never identifies a Zarr store), URL userinfo (`user:password@`) and a
// trailing '/'. Local paths are returned as given. `removed`, when given, gets one short note
// per thing dropped ("query string", "user name and password"), never the secret itself.
std::string shareableUri(const std::string& uri, std::vector<std::string>* removed = nullptr);

// The store a URI reads from, lower-cased: "s3://bucket", "gs://bucket", "az://account/container"
// (account "" when the URI does not name it), "https://host:port", "file://" for local paths.
// Two URIs with the same key may share credentials; different keys never do. Throws
// nz::Error(InvalidArgument) for an unusable URI.
std::string storeKey(const std::string& uri);

}  // namespace nz
