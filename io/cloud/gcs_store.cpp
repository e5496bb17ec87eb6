// GCS store: gs://bucket/key through the JSON API (media download with Range, metadata GET,
// simple and resumable uploads). Bearer tokens from gcs_credentials; STORAGE_EMULATOR_HOST
// points at an emulator.
#include <nlohmann/json.hpp>

#include "cloud/cloud_options.h"
#include "cloud/cloud_response.h"
#include "cloud/cloud_store.h"
#include "cloud/cloud_stores.h"
#include "cloud/gcs_credentials.h"
#include "cloud/request_text.h"
#include "core/json_parse.h"
#include "http/http_store.h"

namespace nz {

namespace {

class GcsStore : public cloud::CloudStore {
 public:
  GcsStore(const Uri& uri, const StoreOptions& options)
      : cloud::CloudStore(options),
        auth_(resolveGcsAuth(options)),
        bucket_(uri.bucket),
        prefix_(uri.path),
        resumableThreshold_(cloud::sizeOption(options, "multipart_threshold", 64ull << 20)),
        chunkSize_(cloud::sizeOption(options, "multipart_part_size", 16ull << 20)) {
    describe_ = "gs://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
    // Resumable chunks must be multiples of 256 KiB (except the last).
    constexpr std::uint64_t q = 256 * 1024;
    chunkSize_ = std::max<std::uint64_t>(q, chunkSize_ / q * q);
  }

  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    if (!prepareRead(done)) return;
    sendRead(request("GET", objectUrl(key) + "?alt=media", key), key, range, std::move(cancel),
             std::move(done));
  }

  std::optional<std::uint64_t> size(const std::string& key) override {
    prepare();
    stats_.requests++;
    HttpResponse resp = http_->sendSync(request("GET", objectUrl(key) + "?fields=size", key));
    if (resp.status == 404) return std::nullopt;
    cloud::throwUnlessOk(resp, describeKey(key), auth_.sourceNow());
    const nlohmann::json j =
        tryParseJson(
            std::string_view(reinterpret_cast<const char*>(resp.body.data()), resp.body.size()),
            describeKey(key))
            .value_or(nlohmann::json());
    if (j.is_object() && j.contains("size")) {
      const auto& s = j["size"];
      if (s.is_number_unsigned()) return s.get<std::uint64_t>();
      if (s.is_string())
        if (auto v = cloud::parseUnsigned(s.get<std::string>())) return v;
    }
    throw Error(ErrorKind::InvalidData, "no size in the metadata of " + describeKey(key));
  }

  void write(const std::string& key, const Bytes& data) override {
    prepare();
    std::string what = describeKey(key);
    std::string name = percentEncode(objectName(key), false);
    std::string upload =
        auth_.endpoint + "/upload/storage/v1/b/" + percentEncode(bucket_, false) + "/o";
    if (data.size() <= resumableThreshold_) {
      HttpRequest req = request("POST", upload + "?uploadType=media&name=" + name, key);
      req.headers.emplace_back("Content-Type", "application/octet-stream");
      req.body = data;
      sendChecked(std::move(req), what);
      return;
    }
    // Resumable upload: the object appears only when the last chunk lands (atomic commit).
    HttpRequest start = request("POST", upload + "?uploadType=resumable&name=" + name, key);
    start.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
    start.headers.emplace_back("X-Upload-Content-Type", "application/octet-stream");
    start.headers.emplace_back("X-Upload-Content-Length", std::to_string(data.size()));
    std::string meta = "{}";
    start.body.assign(meta.begin(), meta.end());
    HttpResponse started = sendChecked(std::move(start), what);
    auto session = started.header("location");
    if (!session)
      throw Error(ErrorKind::InvalidData,
                  "no upload session URL for a resumable upload of " + what);
    for (std::uint64_t off = 0; off < data.size(); off += chunkSize_) {
      std::uint64_t n = std::min<std::uint64_t>(chunkSize_, data.size() - off);
      HttpRequest put = request("PUT", *session, key);
      put.headers.emplace_back("Content-Type", "application/octet-stream");
      put.headers.emplace_back("Content-Range", "bytes " + std::to_string(off) + "-" +
                                                    std::to_string(off + n - 1) + "/" +
                                                    std::to_string(data.size()));
      put.body.assign(data.begin() + static_cast<std::ptrdiff_t>(off),
                      data.begin() + static_cast<std::ptrdiff_t>(off + n));
      stats_.requests++;
      stats_.bytesSent += n;
      HttpResponse resp = http_->sendSync(std::move(put));
      bool last = off + n == data.size();
      if (!last && resp.status == 308) continue;  // "Resume Incomplete": next chunk
      cloud::throwUnlessOk(resp, what, auth_.sourceNow());
    }
  }

  void remove(const std::string& key) override {
    prepare();
    sendRemove(request("DELETE", objectUrl(key), key), key);
  }

 private:
  std::string objectName(const std::string& key) const {
    std::string k = prefix_;
    if (!key.empty()) k += (k.empty() ? "" : "/") + key;
    return k;
  }

  std::string objectUrl(const std::string& key) const {
    return auth_.endpoint + "/storage/v1/b/" + percentEncode(bucket_, false) + "/o/" +
           percentEncode(objectName(key), false);
  }

  HttpRequest request(const std::string& method, const std::string& url, const std::string& key) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.description = describeKey(key);
    if (auto provider = auth_.token) {
      req.sign = [provider](HttpRequest& r) {
        std::string t;
        try {
          t = provider->token();
        } catch (...) {
          t = provider->cached();  // the request then fails with 401 and a clear message
        }
        if (!t.empty()) cloud::setHeader(r.headers, "Authorization", "Bearer " + t);
      };
    }
    return req;
  }

  // Fetches the token on the caller's thread so the client's thread never waits on it.
  void prepare() override {
    if (auth_.token) auth_.token->token();
  }

  std::string credentialSource() const override { return auth_.sourceNow(); }

  GcsAuth auth_;
  std::string bucket_, prefix_;
  std::uint64_t resumableThreshold_, chunkSize_;
};

}  // namespace

std::shared_ptr<Store> makeGcsStore(const Uri& uri, const StoreOptions& options) {
  return std::make_shared<GcsStore>(uri, options);
}

}  // namespace nz
