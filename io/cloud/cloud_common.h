#pragma once
// Pieces shared by the Azure, S3 and GCS stores: URL splitting for signers, time formats,
// environment and file helpers, and the mapping of HTTP answers to ReadResult with messages
// that name the object and the credential source (never a secret).
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "store/store.h"
#include "store/store_options.h"

namespace nz::cloud {

struct UrlParts {
  std::string scheme;     // "https"
  std::string authority;  // "host[:port]" as in the URL (what curl sends as Host)
  std::string path;       // "/..." (already percent-encoded), "/" when empty
  std::string query;      // without '?'
};
UrlParts splitUrl(const std::string& url);

// "20130524T000000Z" and "Fri, 24 May 2013 00:00:00 GMT".
std::string amzDate(std::time_t t);
std::string rfc1123Date(std::time_t t);

// Environment variable or nullopt when unset or empty.
std::optional<std::string> env(const char* name);
std::string homeDir();
// Whole file, or nullopt when it cannot be opened.
std::optional<std::string> readTextFile(const std::string& path);
// Replaces a leading "$HOME" prefix by "~" for messages.
std::string tildePath(const std::string& path);

// Header value (case-insensitive name) from a header list.
std::optional<std::string> findHeader(const HttpHeaders& headers, const std::string& name);
void setHeader(HttpHeaders& headers, const std::string& name, const std::string& value);

// Range header value for a ByteRange ("bytes=a-b", "bytes=a-", "bytes=-n"); nullopt for all.
std::optional<std::string> rangeHeader(const ByteRange& range);
// Total size from "Content-Range: bytes a-b/N" (or from Content-Length for a 200).
std::optional<std::uint64_t> totalSizeOf(const HttpResponse& response);

// Extracts a short error code from an XML or JSON error body (<Code>X</Code>, "reason"/"message").
std::string errorDetail(const HttpResponse& response);

// The one-line message for a failed request: "403 Forbidden from s3://b/k using AWS profile
// "lab" (~/.aws/credentials): SignatureDoesNotMatch" or a transport error.
std::string failureMessage(const HttpResponse& response, const std::string& what,
                           const std::string& credentialSource);

// Maps a response to a ReadResult: 200/206 Ok, 404 Missing (any code), 416 Error (range past the
// end), anything else Error with failureMessage().
ReadResult toReadResult(HttpResponse response, const std::string& what,
                        const std::string& credentialSource);

// Throws nz::Error with failureMessage() unless the status is 2xx.
void throwUnlessOk(const HttpResponse& response, const std::string& what,
                   const std::string& credentialSource);

inline bool statusOk(long status) { return status >= 200 && status < 300; }
// A ReadResult for an nz::Error raised before any request was sent.
ReadResult errorResult(const Error& e);
// Runs `done(result)` on a short-lived thread: read callbacks of network stores never run
// inside readAsync, even for failures found before sending.
void deliverLater(ReadCallback done, ReadResult result);

// A plain decimal number (a header or JSON string); nullopt for anything else (sign, spaces,
// overflow), so a malformed answer never throws from a network callback.
std::optional<std::uint64_t> parseUnsigned(std::string_view text);
// Object size from a successful HEAD: its Content-Length (0 when absent). Throws
// nz::Error(InvalidData) naming `what` when the header is malformed.
std::uint64_t contentLengthOf(const HttpResponse& head, const std::string& what);

// Services without usable suffix ranges (Azure; S3 emulators): a HEAD gives the object size,
// then `readSpan` fetches the last `n` bytes. `done` gets the HEAD's failure, an empty Ok for an
// empty object, or readSpan's result. `http.send` runs the HEAD (the caller counts it).
using SpanReader = std::function<void(ByteRange, CancelToken, ReadCallback)>;
void readSuffixViaHead(HttpClient& http, HttpRequest head, std::uint64_t n, CancelToken cancel,
                       const std::string& what, const std::string& credentialSource,
                       SpanReader readSpan, ReadCallback done);

// Integer option from --option key=value (e.g. "multipart_threshold"), or `fallback`.
std::uint64_t sizeOption(const StoreOptions& options, const std::string& key,
                         std::uint64_t fallback);

}  // namespace nz::cloud
