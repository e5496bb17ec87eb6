#pragma once
// Azure Storage Shared Key authorization and SAS generation, as pure functions of the request,
// the account key and the time (spec: "Authorize with Shared Key", "Create a service SAS",
// "Create an account SAS"). Tested against hand-built strings and Azurite.
#include <ctime>
#include <string>

#include "http/http_client.h"

namespace nz {

// x-ms-version sent by every Azure request: accepted by Azurite 3.35 and by Azure.
inline constexpr const char* kAzureApiVersion = "2021-08-06";

// String-to-sign for Shared Key (Blob service, version 2015-02-21 and later). `account` is the
// storage account name; the canonicalized resource is "/" + account + the URL's encoded path
// (for path-style emulator URLs the path itself starts with the account again).
std::string azureSharedKeyStringToSign(const std::string& method, const std::string& url,
                                       const HttpHeaders& headers, std::size_t contentLength,
                                       const std::string& account);

// Signs `request` in place for time `now`: sets x-ms-date, x-ms-version (unless set) and
// "Authorization: SharedKey account:signature". `key` is the raw (base64-decoded) account key.
void signAzureSharedKey(HttpRequest& request, const std::string& account, const std::string& key,
                        std::time_t now);

// A service SAS query for one blob (sr=b) or container (sr=c, blobName empty). Times are
// "YYYY-MM-DDTHH:MM:SSZ". Returns the query string without '?'.
std::string azureServiceSas(const std::string& account, const std::string& key,
                            const std::string& container, const std::string& blobName,
                            const std::string& permissions, const std::string& expiry,
                            const std::string& version = kAzureApiVersion);

// An account SAS query for the blob service (ss=b) with resource types `srt` (e.g. "sco").
std::string azureAccountSas(const std::string& account, const std::string& key,
                            const std::string& permissions, const std::string& resourceTypes,
                            const std::string& expiry,
                            const std::string& version = kAzureApiVersion);

// "YYYY-MM-DDTHH:MM:SSZ" for SAS expiry times.
std::string isoUtc(std::time_t t);

}  // namespace nz
