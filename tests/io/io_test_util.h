#pragma once
// Helpers shared by the io reader tests: SHA-256 (OpenSSL EVP), loading a folder into a
// MemoryStore, zarr-order byte images of a Volume, and WaveStore, a store that simulates
// round trips so tests can count metadata "waves" and assert what was fetched.
#include <openssl/evp.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/forwarding_store.h"
#include "dataset/dataset.h"
#include "open/store_factory.h"
#include "store/memory_store.h"

namespace nztest {

inline std::string sha256Hex(const std::uint8_t* data, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, data, size);
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

inline std::string dataDir() { return NZ_TEST_DATA_DIR; }

inline nz::Bytes readFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return nz::Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Copies every file under `dir` into `store` (keys relative to dir).
inline void loadDir(const std::string& dir, nz::MemoryStore& store) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    store.put(std::filesystem::relative(e.path(), dir).generic_string(),
              readFileBytes(e.path().string()));
  }
}

// Bytes of `v` in zarr C order over the axes `zarrAxes` (e.g. "tczyx"), native (LE) elements.
inline nz::Bytes zarrOrderBytes(const nz::Volume& v, const std::string& zarrAxes) {
  const std::size_t es = nz::dtypeSize(v.dtype);
  nz::Bytes out;
  out.reserve(v.data.size());
  // Outer axes (all but x) in zarr order; x rows are contiguous in both layouts.
  std::vector<int> outer;
  for (char a : zarrAxes) {
    if (a != 'x') outer.push_back(std::string("xyztc").find(a));
  }
  std::vector<std::int64_t> idx(outer.size(), 0);
  const std::size_t row = static_cast<std::size_t>(v.shape[0]) * es;
  for (;;) {
    nz::Index5 p{0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < outer.size(); ++i) p[outer[i]] = idx[i];
    const std::size_t off = v.offsetOf(0, p[1], p[2], p[3], p[4]) * es;
    out.insert(out.end(), v.data.begin() + off, v.data.begin() + off + row);
    int i = static_cast<int>(outer.size()) - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < v.shape[outer[i]]) break;
      idx[i] = 0;
    }
    if (i < 0) break;
  }
  return out;
}

inline nz::Box wholeLevel(const nz::Dataset& ds, int level) {
  nz::Box b;
  b.end = ds.info().levels[level].shape;
  return b;
}

// A store wrapper that answers requests in "waves": a request waits until the current
// round trip ends (rttMs after the first pending request), then every pending request is
// answered together. Requests issued from callbacks go to the next wave, like a real client
// that can only act on a response once it arrives.
class WaveStore : public nztest::ForwardingStore {
 public:
  struct Request {
    std::string key;
    std::uint64_t offset;
    std::int64_t length;  // -1 = to the end
    std::int64_t suffix;  // -1 = not a suffix read
    int wave;
    bool operator<(const Request& o) const {
      return std::tie(key, offset, length, suffix) < std::tie(o.key, o.offset, o.length, o.suffix);
    }
  };

  WaveStore(std::shared_ptr<nz::Store> inner, int rttMs = 30)
      : ForwardingStore(inner), st_(std::make_shared<State>()) {
    st_->inner = std::move(inner);
    st_->rttMs = rttMs;
    thread_ = std::thread([st = st_] { run(*st); });
  }
  // The last reference may be dropped by a callback running on our own thread (a decode
  // task holding the dataset): then the thread is detached and finishes on its shared state.
  ~WaveStore() override {
    {
      std::lock_guard l(st_->m);
      st_->stop = true;
    }
    st_->cv.notify_all();
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

  void readAsync(const std::string& key, nz::ByteRange range, nz::CancelToken cancel,
                 nz::ReadCallback done) override {
    std::lock_guard l(st_->m);
    st_->pending.push_back({key, range, cancel, std::move(done)});
    st_->cv.notify_all();
  }

  int waves() const {
    std::lock_guard l(st_->m);
    return st_->waves;
  }
  std::vector<Request> log() const {
    std::lock_guard l(st_->m);
    return st_->log;
  }
  void reset() {
    std::lock_guard l(st_->m);
    st_->waves = 0;
    st_->log.clear();
  }

 private:
  struct Pending {
    std::string key;
    nz::ByteRange range;
    nz::CancelToken cancel;
    nz::ReadCallback done;
  };
  struct State {
    std::shared_ptr<nz::Store> inner;
    int rttMs = 30;
    std::mutex m;
    std::condition_variable cv;
    std::vector<Pending> pending;
    std::vector<Request> log;
    int waves = 0;
    bool stop = false;
  };

  static void run(State& st) {
    std::unique_lock l(st.m);
    for (;;) {
      st.cv.wait(l, [&] { return st.stop || !st.pending.empty(); });
      if (st.stop && st.pending.empty()) return;
      l.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(st.rttMs));
      l.lock();
      std::vector<Pending> batch;
      batch.swap(st.pending);
      const int wave = ++st.waves;
      for (const auto& p : batch) {
        st.log.push_back(
            {p.key, p.range.offset,
             p.range.length ? static_cast<std::int64_t>(*p.range.length) : -1,
             p.range.suffixLength ? static_cast<std::int64_t>(*p.range.suffixLength) : -1, wave});
      }
      l.unlock();
      for (auto& p : batch) st.inner->readAsync(p.key, p.range, p.cancel, std::move(p.done));
      batch.clear();  // drop callbacks (and what they hold) before taking the lock again
      l.lock();
    }
  }

  std::shared_ptr<State> st_;
  std::thread thread_;
};

// Waits until `p` is the last owner (callbacks still in flight on other threads may hold
// references briefly), so the object is destroyed on the calling thread.
template <typename T>
void waitSoleOwner(const std::shared_ptr<T>& p) {
  while (p.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace nztest
