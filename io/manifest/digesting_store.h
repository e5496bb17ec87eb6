#pragma once
// A Store wrapper that records the size and SHA-256 of every object written through it, so an
// export of a .nii.zarr tree gets its per-object digests for the manifest without reading the
// tree back (locally or from the cloud). Reads, sizes and removals pass through.
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "manifest/manifest.h"
#include "store/store.h"

namespace nz {

class DigestingStore : public Store {
 public:
  explicit DigestingStore(std::shared_ptr<Store> inner) : inner_(std::move(inner)) {}

  std::string describe() const override { return inner_->describe(); }
  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    inner_->readAsync(key, range, cancel, std::move(done));
  }
  std::optional<std::uint64_t> size(const std::string& key) override { return inner_->size(key); }
  void write(const std::string& key, const Bytes& data) override;
  void remove(const std::string& key) override;
  StoreStats stats() const override { return inner_->stats(); }

  // Every object written and not removed, sorted by key.
  std::vector<ObjectDigest> digests() const;

 private:
  std::shared_ptr<Store> inner_;
  mutable std::mutex mutex_;
  std::map<std::string, ObjectDigest> written_;
};

}  // namespace nz
