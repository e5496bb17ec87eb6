#include "http/http_status.h"

namespace nz {

bool httpStatusOk(long status) { return status >= 200 && status < 300; }

bool httpStatusRetryable(long status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status < 600 && status != 501 && status != 505;
}

ErrorKind httpStatusErrorKind(long status) {
  switch (status) {
    case 404:
    case 410:
      return ErrorKind::NotFound;
    case 401:
    case 403:
      return ErrorKind::PermissionDenied;
    case 405:
    case 501:
      return ErrorKind::Unsupported;
    case 416:
      return ErrorKind::InvalidData;
    default:
      break;
  }
  if (httpStatusRetryable(status) || status >= 500 || status <= 0) return ErrorKind::Network;
  return ErrorKind::InvalidArgument;
}

std::string httpStatusText(long status) {
  const char* reason = "";
  switch (status) {
    case 200:
      reason = "OK";
      break;
    case 201:
      reason = "Created";
      break;
    case 204:
      reason = "No Content";
      break;
    case 206:
      reason = "Partial Content";
      break;
    case 301:
      reason = "Moved Permanently";
      break;
    case 302:
      reason = "Found";
      break;
    case 304:
      reason = "Not Modified";
      break;
    case 307:
      reason = "Temporary Redirect";
      break;
    case 308:
      reason = "Permanent Redirect";
      break;
    case 400:
      reason = "Bad Request";
      break;
    case 401:
      reason = "Unauthorized";
      break;
    case 403:
      reason = "Forbidden";
      break;
    case 404:
      reason = "Not Found";
      break;
    case 405:
      reason = "Method Not Allowed";
      break;
    case 408:
      reason = "Request Timeout";
      break;
    case 409:
      reason = "Conflict";
      break;
    case 410:
      reason = "Gone";
      break;
    case 411:
      reason = "Length Required";
      break;
    case 412:
      reason = "Precondition Failed";
      break;
    case 413:
      reason = "Content Too Large";
      break;
    case 416:
      reason = "Range Not Satisfiable";
      break;
    case 429:
      reason = "Too Many Requests";
      break;
    case 500:
      reason = "Internal Server Error";
      break;
    case 501:
      reason = "Not Implemented";
      break;
    case 502:
      reason = "Bad Gateway";
      break;
    case 503:
      reason = "Service Unavailable";
      break;
    case 504:
      reason = "Gateway Timeout";
      break;
    default:
      break;
  }
  std::string text = "HTTP " + std::to_string(status);
  if (*reason) text = std::to_string(status) + " " + reason;
  return text;
}

std::string httpStatusMessage(long status, const std::string& what) {
  return httpStatusText(status) + " from " + what;
}

}  // namespace nz
