#pragma once
// What an HTTP status means to a store: success, which ErrorKind, and whether a retry may help.
// One table shared by the HTTP store and the cloud stores so every backend reports alike.
#include <string>

#include "core/error.h"

namespace nz {

bool httpStatusOk(long status);  // 2xx
// 408, 429 and 5xx except 501/505: the server may answer differently next time.
bool httpStatusRetryable(long status);
// 404/410 NotFound, 401/403 PermissionDenied, 405/501 Unsupported, 416 InvalidData,
// 408/429/5xx Network, other 4xx InvalidArgument.
ErrorKind httpStatusErrorKind(long status);
// "403 Forbidden" (status code and reason phrase).
std::string httpStatusText(long status);
// "403 Forbidden from https://host/path"; `what` must already be redacted.
std::string httpStatusMessage(long status, const std::string& what);

}  // namespace nz
