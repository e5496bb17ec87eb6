#pragma once
// All-or-nothing output. Local destinations are written to a temporary name in the same
// directory, fsync'ed, then renamed over the final name; cloud destinations are buffered and
// sent as one object write (a single PUT/commit) under the final key once complete. Anything
// that ends before commit() (an exception, abort(), a signal) leaves nothing at the destination.
//
//   nz::AtomicOutput out("scan_roi.nii.gz");        // or "s3://bucket/roi.nii.gz"
//   out.write(bytes.data(), bytes.size());          // repeatedly
//   out.commit();                                    // rename / upload; throws nz::Error
#include <cstddef>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "store/store_options.h"

namespace nz {

class FileAppender;
class Store;

class AtomicOutput {
 public:
  AtomicOutput(const std::string& destination, const StoreOptions& options = {});
  ~AtomicOutput();  // abort() when not committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  void write(const void* data, std::size_t size);
  void write(const Bytes& b) { write(b.data(), b.size()); }
  void commit();
  void abort() noexcept;

  bool isLocal() const { return local_; }
  std::uint64_t bytesWritten() const;
  // Destination with secrets removed, for messages.
  const std::string& describe() const { return describe_; }
  const std::string& tempPath() const { return tempPath_; }

  // Installs SIGINT/SIGTERM/SIGHUP handlers that unlink every uncommitted temporary file and
  // exit with 128+signal. Call once from a command-line tool before writing.
  static void installSignalCleanup();

 private:
  bool local_ = true;
  bool done_ = false;
  int fd_ = -1;
  int slot_ = -1;
  std::string finalPath_, tempPath_, describe_;
  std::unique_ptr<FileAppender> file_;  // local: counts the bytes written
  // Cloud
  std::shared_ptr<Store> store_;
  std::string key_;
  Bytes buffer_;  // sent as one object at commit
  std::uint64_t buffered_ = 0;
};

// Splits a cloud/HTTP/memory URI into its parent (keeping any query, e.g. a SAS) and the last
// path component. Throws nz::Error(InvalidArgument) when there is no object name.
void splitObjectUri(const std::string& uri, std::string& parent, std::string& name);

}  // namespace nz
