#pragma once
// The one base for the stores tests put in front of a real store (a delay, request waves, held
// reads): everything goes to `inner`; a test store overrides only what it changes (usually
// readAsync). Header-only, for any test: #include "common/forwarding_store.h".
#include <memory>
#include <optional>
#include <string>

#include "store/store.h"

namespace nztest {

class ForwardingStore : public nz::Store {
 public:
  explicit ForwardingStore(std::shared_ptr<nz::Store> inner) : inner_(std::move(inner)) {}

  std::string describe() const override { return inner_->describe(); }
  void readAsync(const std::string& key, nz::ByteRange range, nz::CancelToken cancel,
                 nz::ReadCallback done) override {
    inner_->readAsync(key, range, std::move(cancel), std::move(done));
  }
  std::optional<std::uint64_t> size(const std::string& key) override { return inner_->size(key); }
  void write(const std::string& key, const nz::Bytes& data) override { inner_->write(key, data); }
  void remove(const std::string& key) override { inner_->remove(key); }
  nz::StoreStats stats() const override { return inner_->stats(); }

 protected:
  const std::shared_ptr<nz::Store>& inner() const { return inner_; }

 private:
  std::shared_ptr<nz::Store> inner_;
};

}  // namespace nztest
