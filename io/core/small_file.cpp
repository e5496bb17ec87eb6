#include "core/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace nz {

std::string readSmallLocalFile(const std::string& path, const std::string& what,
                               std::size_t maxBytes) {
  if (path.find('\0') != std::string::npos)
    throw Error(ErrorKind::InvalidArgument, what + ": the path contains a NUL byte");
  // O_NONBLOCK: opening a FIFO returns at once; the type check below then refuses it. Checking
  // the type of the opened descriptor (not the path first) leaves no window to swap the file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int e = errno;
    throw Error(errorKindForErrno(e),
                path + ": cannot read " + what + " (" + std::strerror(e) + ")");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(ErrorKind::InvalidArgument, path + ": " + what + " is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > maxBytes)
    throw Error(ErrorKind::InvalidData,
                path + ": " + what + " is larger than " + std::to_string(maxBytes >> 20) + " MiB");
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(ErrorKind::Io,
                  path + ": cannot read " + what + " (" + std::strerror(errno) + ")");
    if (n == 0) break;  // the file shrank meanwhile
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace nz
