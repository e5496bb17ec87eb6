#pragma once
// How the Azure, S3 and GCS stores turn HTTP answers into ReadResult and errors: messages that
// name the object and the credential source (never a secret), sizes from headers, callbacks
// never run inside readAsync, and suffix reads for services without suffix ranges.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_client.h"
#include "store/store.h"

namespace nz::cloud {

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

}  // namespace nz::cloud
