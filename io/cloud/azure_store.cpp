// Azure Blob store: az://container/path, abfs://container@account.dfs.core.windows.net/path,
// https://ACCOUNT.blob.core.windows.net/container/path. Ranged GET, HEAD, Put Blob, and
// Put Block + Put Block List above a size threshold. Auth: Shared Key, SAS, bearer token.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "cloud/azure_credentials.h"
#include "cloud/azure_shared_key.h"
#include "cloud/cloud_options.h"
#include "cloud/cloud_response.h"
#include "cloud/cloud_store.h"
#include "cloud/cloud_stores.h"
#include "cloud/cloud_test_hooks.h"
#include "cloud/crypto.h"
#include "cloud/request_text.h"
#include "http/http_store.h"

namespace nz {

namespace {

class AzureStore : public cloud::CloudStore {
 public:
  AzureStore(const Uri& uri, const StoreOptions& options)
      : cloud::CloudStore(options),
        auth_(resolveAzureAuth(uri, options)),
        container_(uri.bucket),
        prefix_(uri.path),
        blockThreshold_(
            cloud::sizeOption(options, "azure_block_threshold",
                              cloud::sizeOption(options, "multipart_threshold", 64ull << 20))),
        blockSize_(
            cloud::sizeOption(options, "azure_block_size",
                              cloud::sizeOption(options, "multipart_part_size", 16ull << 20))) {
    // https://ACCOUNT.blob.core.windows.net URIs keep their form (without the query).
    clockOffset_ = cloud::clockOffsetSeconds(options);
    std::string root = uri.endpoint.empty() ? "az://" : uri.endpoint + "/";
    describe_ = root + container_ + (prefix_.empty() ? "" : "/" + prefix_);
  }

  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    if (!prepareRead(done)) return;
    if (!range.suffixLength) {
      sendRead(request("GET", key, ""), key, range, std::move(cancel), std::move(done));
      return;
    }
    // Azure has no suffix ranges (Azurite answers 500): a HEAD gives the size first.
    readSuffixWithHead(
        request("HEAD", key, ""), key, *range.suffixLength, std::move(cancel),
        [this, key](ByteRange span, CancelToken c, ReadCallback d) {
          sendRead(request("GET", key, ""), key, span, std::move(c), std::move(d));
        },
        std::move(done));
  }

  std::optional<std::uint64_t> size(const std::string& key) override {
    HttpRequest req = request("HEAD", key, "");
    prepare();
    stats_.requests++;
    return sizeFromHead(http_->sendSync(std::move(req)), key);
  }

  void write(const std::string& key, const Bytes& data) override {
    prepare();
    std::string what = describeKey(key);
    if (data.size() <= blockThreshold_) {
      HttpRequest req = request("PUT", key, "");
      req.headers.emplace_back("x-ms-blob-type", "BlockBlob");
      req.headers.emplace_back("Content-Type", "application/octet-stream");
      req.body = data;
      sendChecked(std::move(req), what);
      return;
    }
    // Blocks are uploaded in parallel; the blob appears only at Put Block List (atomic commit).
    std::vector<std::string> ids;
    std::mutex m;
    std::condition_variable cv;
    std::size_t pending = 0;
    std::string firstError;
    for (std::uint64_t off = 0, i = 0; off < data.size(); off += blockSize_, ++i) {
      char idbuf[32];
      std::snprintf(idbuf, sizeof idbuf, "nzblock-%08llu", static_cast<unsigned long long>(i));
      std::string id = crypto::base64Encode(idbuf);  // same length for every block
      ids.push_back(id);
      HttpRequest req = request("PUT", key, "comp=block&blockid=" + percentEncode(id, false));
      req.headers.emplace_back("Content-Type", "application/octet-stream");
      std::uint64_t n = std::min<std::uint64_t>(blockSize_, data.size() - off);
      req.body.assign(data.begin() + static_cast<std::ptrdiff_t>(off),
                      data.begin() + static_cast<std::ptrdiff_t>(off + n));
      stats_.requests++;
      stats_.bytesSent += n;
      {
        std::lock_guard lock(m);
        ++pending;
      }
      std::string source = credentialSource();
      http_->send(std::move(req), {}, [&, what, source](HttpResponse resp) {
        std::lock_guard lock(m);
        if (!cloud::statusOk(resp.status) && firstError.empty())
          firstError = cloud::failureMessage(resp, what, source);
        if (--pending == 0) cv.notify_all();
      });
    }
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return pending == 0; });
    }
    if (!firstError.empty()) throw Error(ErrorKind::Network, firstError);
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (const auto& id : ids) xml += "<Latest>" + id + "</Latest>";
    xml += "</BlockList>";
    HttpRequest commit = request("PUT", key, "comp=blocklist");
    commit.headers.emplace_back("Content-Type", "application/xml");
    commit.body.assign(xml.begin(), xml.end());
    sendChecked(std::move(commit), what);
  }

  void remove(const std::string& key) override {
    prepare();
    sendRemove(request("DELETE", key, ""), key);
  }

  // For tests: creates the container (201, or 409 when it exists).
  void createContainer() {
    prepare();
    HttpRequest req;
    req.method = "PUT";
    req.url = auth_.endpoint + "/" + container_ + "?restype=container";
    req.description = describe_;
    attachAuth(req);
    HttpResponse resp = http_->sendSync(std::move(req));
    if (resp.status != 409) cloud::throwUnlessOk(resp, describe_, credentialSource());
  }

 private:
  std::string objectPath(const std::string& key) const {
    std::string name = prefix_;
    if (!key.empty()) name += (name.empty() ? "" : "/") + key;
    return name;
  }

  HttpRequest request(const std::string& method, const std::string& key, const std::string& query) {
    HttpRequest req;
    req.method = method;
    req.url = auth_.endpoint + "/" + container_ + "/" + percentEncode(objectPath(key), true);
    if (!query.empty()) req.url += "?" + query;
    req.description = describeKey(key);
    attachAuth(req);
    return req;
  }

  void attachAuth(HttpRequest& req) {
    switch (auth_.kind) {
      case AzureAuth::Kind::SharedKey: {
        std::string account = auth_.account, key = auth_.key;
        const long long offset = clockOffset_;
        req.sign = [account, key, offset](HttpRequest& r) {
          signAzureSharedKey(r, account, key,
                             static_cast<std::time_t>(std::time(nullptr) + offset));
        };
        break;
      }
      case AzureAuth::Kind::Sas:
        req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + auth_.sas;
        req.headers.emplace_back("x-ms-version", kAzureApiVersion);
        break;
      case AzureAuth::Kind::Bearer: {
        auto provider = auth_.token;
        req.sign = [provider](HttpRequest& r) {
          cloud::setHeader(r.headers, "x-ms-version", kAzureApiVersion);
          cloud::setHeader(r.headers, "x-ms-date", cloud::rfc1123Date(std::time(nullptr)));
          std::string t;
          try {
            t = provider->token();
          } catch (...) {
            t = provider->cached();  // the request then fails with 401 and a clear message
          }
          if (!t.empty()) cloud::setHeader(r.headers, "Authorization", "Bearer " + t);
        };
        break;
      }
      case AzureAuth::Kind::Anonymous:
        req.headers.emplace_back("x-ms-version", kAzureApiVersion);
        break;
    }
  }

  // Fetches the bearer token on the caller's thread so the client's thread never waits on it.
  void prepare() override {
    if (auth_.kind == AzureAuth::Kind::Bearer) auth_.token->token();
  }

  std::string credentialSource() const override {
    return auth_.kind == AzureAuth::Kind::Bearer ? auth_.token->source() : auth_.source;
  }

  AzureAuth auth_;
  long long clockOffset_ = 0;  // --option clock_offset (seconds added when signing)
  std::string container_, prefix_;
  std::uint64_t blockThreshold_, blockSize_;
};

}  // namespace

std::shared_ptr<Store> makeAzureStore(const Uri& uri, const StoreOptions& options) {
  return std::make_shared<AzureStore>(uri, options);
}

// Test hook: creates the store's container (used by the cloud tests against Azurite).
void azureCreateContainer(Store& store) {
  if (auto* az = dynamic_cast<AzureStore*>(&store)) az->createContainer();
}

}  // namespace nz
