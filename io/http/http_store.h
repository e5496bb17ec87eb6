#pragma once
// The plain HTTP(S) store and the pieces the cloud stores reuse: a Store over any HttpClient
// (shared or not) that maps keys to URLs, signs each attempt, and turns HTTP answers into
// ReadResult / nz::Error the same way for every backend.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "store/store.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

// HttpOptions from what the user said: CA bundle from --cacert, else CURL_CA_BUNDLE, else
// SSL_CERT_FILE; --insecure; --header lines; concurrency; and `--option` keys
// http.max_retries, http.connect_timeout, http.stall_timeout (seconds).
HttpOptions httpOptionsFrom(const StoreOptions& options);

// Parses "Name: value" lines (--header). Throws nz::Error(InvalidArgument) naming the bad line
// by its name only (values may be secrets).
HttpHeaders parseHeaderLines(const std::vector<std::string>& lines);

struct HttpStoreConfig {
  // Root URL without a trailing '/'; a key's URL is baseUrl + "/" + percent-encoded key
  // (unless keyUrl is set).
  std::string baseUrl;
  std::string query;        // appended as "?query" to every URL (may hold secrets; never shown)
  std::string description;  // redacted root for messages, e.g. "https://host/scan.nii.zarr"
  HttpHeaders headers;      // sent with every request (origin only)
  std::function<void(HttpRequest&)> sign;                 // called before every attempt
  std::function<std::string(const std::string&)> keyUrl;  // optional custom key -> URL
  // PUT status handling: some services want extra headers on writes (e.g. x-ms-blob-type).
  HttpHeaders writeHeaders;
};

// The store of an http(s):// URI (its own client, options from StoreOptions).
std::shared_ptr<Store> makeHttpStore(const Uri& uri, const StoreOptions& options);

// A Store on an existing client (the client may be shared by several stores).
std::shared_ptr<Store> makeHttpStoreOnClient(std::shared_ptr<HttpClient> client,
                                             HttpStoreConfig config);

}  // namespace nz
