#include "manifest/digesting_store.h"

#include "cloud/crypto.h"

namespace nz {

void DigestingStore::write(const std::string& key, const Bytes& data) {
  // Hash first (outside the lock: writers run concurrently), then record only what was stored.
  ObjectDigest d{
      key, data.size(),
      crypto::sha256Hex(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()))};
  inner_->write(key, data);
  std::lock_guard lock(mutex_);
  written_[key] = std::move(d);
}

void DigestingStore::remove(const std::string& key) {
  inner_->remove(key);
  std::lock_guard lock(mutex_);
  written_.erase(key);
}

std::vector<ObjectDigest> DigestingStore::digests() const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectDigest> out;
  out.reserve(written_.size());
  for (const auto& [key, d] : written_) out.push_back(d);
  return out;
}

}  // namespace nz
