#pragma once
// One attempt as a libcurl easy handle: options (TLS, timeouts, HTTP/2, protocols), the
// request's method, headers and body, and the callbacks that feed response_check.h.
// Internal to the HttpClient.
#include <curl/curl.h>

#include "http/http_client.h"
#include "http/transfer.h"

namespace nz::http {

// Resets the attempt's receive state and configures `e` for t.url (t.easy is set to e).
// pipeWait: wait for a connection that may multiplex (HTTP/2) rather than open another one.
void configureEasy(CURL* e, Transfer& t, const HttpOptions& options, bool pipeWait);

}  // namespace nz::http
