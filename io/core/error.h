#pragma once
// One exception type for every failure that reaches a user. The message is complete
// (names the file/field/URI, secrets already redacted) so callers can print it as is.
#include <stdexcept>
#include <string>

namespace nz {

enum class ErrorKind {
  NotFound,          // object/file does not exist
  PermissionDenied,  // 401/403, missing or wrong credentials
  InvalidData,       // malformed metadata, header, chunk
  Unsupported,       // valid but not implemented (codec, dtype, ...)
  Network,           // transport failure after retries
  Cancelled,         // caller cancelled
  Io,                // local file system error
  InvalidArgument,   // bad CLI/API argument
};

const char* errorKindName(ErrorKind kind);
// The kind of a local file system failure: EACCES/EPERM/EROFS PermissionDenied, ENOENT/ENOTDIR
// NotFound, anything else (ENOSPC, EIO, ...) Io.
ErrorKind errorKindForErrno(int e);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace nz
