// S3 store: s3://bucket/key on AWS (virtual-hosted URLs) or an S3-compatible endpoint
// (AWS_ENDPOINT_URL / --endpoint-url, path-style). SigV4 header auth or anonymous requests.
// Ranged GET, HEAD, PutObject, and multipart upload above a size threshold.
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <regex>

#include "cloud/cloud_options.h"
#include "cloud/cloud_response.h"
#include "cloud/cloud_store.h"
#include "cloud/cloud_stores.h"
#include "cloud/cloud_test_hooks.h"
#include "cloud/crypto.h"
#include "cloud/request_text.h"
#include "cloud/s3_credentials.h"
#include "cloud/s3_region.h"
#include "cloud/s3_sigv4.h"
#include "http/http_store.h"

namespace nz {

namespace {

constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class S3Store : public cloud::CloudStore {
 public:
  S3Store(const Uri& uri, const StoreOptions& options)
      : cloud::CloudStore(options),
        auth_(resolveAwsAuth(uri, options)),
        bucket_(uri.bucket),
        prefix_(uri.path),
        partThreshold_(cloud::sizeOption(options, "multipart_threshold", 64ull << 20)),
        partSize_(cloud::sizeOption(options, "multipart_part_size", 16ull << 20)) {
    describe_ = "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
    clockOffset_ = cloud::clockOffsetSeconds(options);
    base_ = baseUrl(auth_.region);
    // Emulators get suffix ranges wrong (s3rver answers bytes 0-n): resolve them with HEAD.
    nativeSuffix_ = auth_.endpoint.empty();
  }

  void readAsync(const std::string& key, ByteRange range, CancelToken cancel,
                 ReadCallback done) override {
    if (!range.suffixLength || nativeSuffix_) {
      readFollowingRegion(key, range, std::move(cancel), std::move(done));
      return;
    }
    readSuffixWithHead(
        request("HEAD", key, ""), key, *range.suffixLength, std::move(cancel),
        [this, key](ByteRange span, CancelToken c, ReadCallback d) {
          readFollowingRegion(key, span, std::move(c), std::move(d));
        },
        std::move(done));
  }

  std::optional<std::uint64_t> size(const std::string& key) override {
    stats_.requests++;
    const std::string used = region();
    HttpResponse resp = http_->sendSync(request("HEAD", key, ""));
    if (const std::string hint = cloud::s3RegionHint(resp); !hint.empty() && hint != used) {
      switchRegion(hint);
      stats_.requests++;
      resp = http_->sendSync(request("HEAD", key, ""));
    }
    return sizeFromHead(resp, key);
  }

  void write(const std::string& key, const Bytes& data) override {
    ensureWriteRegion();
    std::string what = describeKey(key);
    if (data.size() <= partThreshold_) {
      HttpRequest req = request("PUT", key, "", &data);
      req.body = data;
      sendChecked(std::move(req), what);
      return;
    }
    // Multipart: the object appears only at CompleteMultipartUpload (atomic commit).
    HttpRequest create = request("POST", key, "uploads=");
    HttpResponse created = sendChecked(std::move(create), what);
    std::string xml(created.body.begin(), created.body.end());
    std::smatch m;
    static const std::regex uploadIdRe("<UploadId>([^<]+)</UploadId>");
    if (!std::regex_search(xml, m, uploadIdRe))
      throw Error(ErrorKind::InvalidData,
                  "no UploadId in the answer to a multipart upload of " + what);
    std::string uploadId = m[1];
    std::string idq = "uploadId=" + percentEncode(uploadId, false);

    struct PartState {
      std::mutex m;
      std::condition_variable cv;
      std::size_t pending = 0;
      std::vector<std::string> etags;
      std::string firstError;
    } st;
    std::size_t parts = static_cast<std::size_t>((data.size() + partSize_ - 1) / partSize_);
    st.etags.resize(parts);
    for (std::size_t i = 0; i < parts; ++i) {
      std::uint64_t off = i * partSize_;
      std::uint64_t n = std::min<std::uint64_t>(partSize_, data.size() - off);
      Bytes body(data.begin() + static_cast<std::ptrdiff_t>(off),
                 data.begin() + static_cast<std::ptrdiff_t>(off + n));
      HttpRequest part =
          request("PUT", key, "partNumber=" + std::to_string(i + 1) + "&" + idq, &body);
      part.body = std::move(body);
      stats_.requests++;
      stats_.bytesSent += n;
      {
        std::lock_guard lock(st.m);
        ++st.pending;
      }
      http_->send(std::move(part), {}, [&st, i, what, this](HttpResponse resp) {
        std::lock_guard lock(st.m);
        if (!cloud::statusOk(resp.status)) {
          if (st.firstError.empty())
            st.firstError = cloud::failureMessage(resp, what, auth_.source);
        } else {
          st.etags[i] = resp.header("etag").value_or("");
        }
        if (--st.pending == 0) st.cv.notify_all();
      });
    }
    {
      std::unique_lock lock(st.m);
      st.cv.wait(lock, [&] { return st.pending == 0; });
    }
    if (!st.firstError.empty()) {
      abort(key, idq);
      throw Error(ErrorKind::Network, st.firstError);
    }
    std::string body = "<CompleteMultipartUpload>";
    for (std::size_t i = 0; i < parts; ++i)
      body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + st.etags[i] +
              "</ETag></Part>";
    body += "</CompleteMultipartUpload>";
    Bytes bodyBytes(body.begin(), body.end());
    HttpRequest complete = request("POST", key, idq, &bodyBytes);
    complete.headers.emplace_back("Content-Type", "application/xml");
    complete.body = std::move(bodyBytes);
    try {
      HttpResponse done = sendChecked(std::move(complete), what);
      // S3 may answer 200 with an <Error> body when completion fails late.
      std::string answer(done.body.begin(), done.body.end());
      if (answer.find("<Error>") != std::string::npos)
        throw Error(ErrorKind::Network,
                    "multipart upload of " + what + " failed: " + cloud::errorDetail(done));
    } catch (...) {
      abort(key, idq);
      throw;
    }
  }

  void remove(const std::string& key) override { sendRemove(request("DELETE", key, ""), key); }

  // For tests: creates the bucket (200, or 409 when it exists).
  void createBucket() {
    HttpRequest req;
    req.method = "PUT";
    req.url = base_;
    req.description = describe_;
    sign(req, nullptr);
    stats_.requests++;
    HttpResponse resp = http_->sendSync(std::move(req));
    if (resp.status != 409) cloud::throwUnlessOk(resp, describe_, auth_.source);
  }

 private:
  // A bucket in another region than the one configured answers 301 PermanentRedirect (or 400
  // naming the region): the store then switches to that region, as the AWS SDKs do, and sends
  // the read again, once.
  void readFollowingRegion(const std::string& key, ByteRange range, CancelToken cancel,
                           ReadCallback done, bool redirected = false) {
    HttpRequest req = request("GET", key, "");
    if (!range.isAll()) req.range = range;  // the client sends and checks Range
    stats_.requests++;
    std::string what = describeKey(key), source = auth_.source, used = region();
    auto stats = &stats_;
    http_->send(std::move(req), cancel,
                [this, key, range, cancel, redirected, used, done = std::move(done), what, source,
                 stats](HttpResponse resp) mutable {
                  stats->retries += resp.attempts > 1 ? resp.attempts - 1 : 0;
                  stats->bytesReceived += resp.body.size();
                  if (!redirected) {
                    const std::string hint = cloud::s3RegionHint(resp);
                    if (!hint.empty() && hint != used) {
                      switchRegion(hint);
                      readFollowingRegion(key, range, cancel, std::move(done), true);
                      return;
                    }
                  }
                  done(cloud::toReadResult(std::move(resp), what, source));
                });
  }

  // Writes cannot be resent cheaply after a wrong-region answer (the body may be large), so the
  // first write of a store asks the bucket once (HEAD) and follows a wrong-region answer first.
  void ensureWriteRegion() {
    if (writeRegionChecked_.exchange(true)) return;
    const std::string used = region();
    HttpRequest head;
    head.method = "HEAD";
    {
      std::lock_guard lock(regionMutex_);
      head.url = base_ + "/";
    }
    head.description = describe_;
    head.followRedirects = false;
    sign(head, nullptr);
    stats_.requests++;
    const std::string hint = cloud::s3RegionHint(http_->sendSync(std::move(head)));
    if (!hint.empty() && hint != used) switchRegion(hint);
  }

  std::string baseUrl(const std::string& region) const {
    if (!auth_.endpoint.empty()) return auth_.endpoint + "/" + bucket_;
    // Dotted bucket names break the *.s3 TLS wildcard: use path-style.
    if (bucket_.find('.') != std::string::npos)
      return "https://s3." + region + ".amazonaws.com/" + bucket_;
    return "https://" + bucket_ + ".s3." + region + ".amazonaws.com";
  }

  std::string region() const {
    std::lock_guard lock(regionMutex_);
    return auth_.region;
  }

  void switchRegion(const std::string& region) {
    std::lock_guard lock(regionMutex_);
    auth_.region = region;
    base_ = baseUrl(region);
  }

  void abort(const std::string& key, const std::string& idq) {
    stats_.requests++;
    http_->sendSync(request("DELETE", key, idq));  // best effort: parts must not linger
  }

  std::string objectKey(const std::string& key) const {
    std::string k = prefix_;
    if (!key.empty()) k += (k.empty() ? "" : "/") + key;
    return k;
  }

  HttpRequest request(const std::string& method, const std::string& key, const std::string& query,
                      const Bytes* body = nullptr) {
    HttpRequest req;
    req.method = method;
    {
      std::lock_guard lock(regionMutex_);
      req.url = base_ + "/" + percentEncode(objectKey(key), true);
    }
    if (!query.empty()) req.url += "?" + query;
    req.description = describeKey(key);
    if (method == "PUT" && !cloud::findHeader(req.headers, "Content-Type"))
      req.headers.emplace_back("Content-Type", "application/octet-stream");
    sign(req, body);
    return req;
  }

  void sign(HttpRequest& req, const Bytes* body) {
    if (auth_.creds.anonymous()) return;
    // The payload hash is computed once, not per attempt.
    std::string hash = body ? crypto::sha256Hex(std::string_view(
                                  reinterpret_cast<const char*>(body->data()), body->size()))
                            : kEmptyHash;
    req.headers.emplace_back("x-amz-content-sha256", hash);
    AwsCredentials creds = auth_.creds;
    std::string region = this->region();
    const long long offset = clockOffset_;
    req.sign = [creds, region, offset](HttpRequest& r) {
      signSigV4(r, creds, region, "s3", static_cast<std::time_t>(std::time(nullptr) + offset));
    };
  }

  std::string credentialSource() const override { return auth_.source; }

  AwsAuth auth_;  // region and base_ change on a wrong-region answer (under regionMutex_)
  mutable std::mutex regionMutex_;
  std::atomic<bool> writeRegionChecked_{false};
  long long clockOffset_ = 0;
  std::string bucket_, prefix_, base_;
  std::uint64_t partThreshold_, partSize_;
  bool nativeSuffix_ = true;
};

}  // namespace

std::shared_ptr<Store> makeS3Store(const Uri& uri, const StoreOptions& options) {
  return std::make_shared<S3Store>(uri, options);
}

// Test hook: creates the store's bucket (used by the cloud tests against s3rver).
void s3CreateBucket(Store& store) {
  if (auto* s3 = dynamic_cast<S3Store*>(&store)) s3->createBucket();
}

}  // namespace nz
