#include "core/error.h"

#include <cerrno>

namespace nz {

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound:
      return "not found";
    case ErrorKind::PermissionDenied:
      return "permission denied";
    case ErrorKind::InvalidData:
      return "invalid data";
    case ErrorKind::Unsupported:
      return "unsupported";
    case ErrorKind::Network:
      return "network error";
    case ErrorKind::Cancelled:
      return "cancelled";
    case ErrorKind::Io:
      return "I/O error";
    case ErrorKind::InvalidArgument:
      return "invalid argument";
  }
  return "error";
}

ErrorKind errorKindForErrno(int e) {
  if (e == EACCES || e == EPERM || e == EROFS) return ErrorKind::PermissionDenied;
  if (e == ENOENT || e == ENOTDIR) return ErrorKind::NotFound;
  return ErrorKind::Io;
}

}  // namespace nz
