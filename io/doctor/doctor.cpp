#include "doctor/doctor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cloud/azure_credentials.h"
#include "cloud/cloud_options.h"
#include "cloud/cloud_response.h"
#include "cloud/credential_files.h"
#include "cloud/gcs_credentials.h"
#include "cloud/s3_credentials.h"
#include "cloud/s3_region.h"
#include "cloud/s3_sigv4.h"
#include "cloud/token_provider.h"
#include "core/error.h"
#include "doctor/credential_report.h"
#include "doctor/network_probe.h"
#include "http/http_client.h"
#include "http/http_store.h"
#include "open/store_factory.h"
#include "uri/uri.h"

namespace nz {

namespace {

using doctor::Endpoint;

bool isNiftiFile(std::string p) {
  while (!p.empty() && p.back() == '/') p.pop_back();
  auto ends = [&](const char* s) {
    const std::string x(s);
    return p.size() >= x.size() && p.compare(p.size() - x.size(), x.size(), x) == 0;
  };
  return ends(".nii") || ends(".nii.gz") || ends(".NII") || ends(".NII.GZ");
}

// "403 Forbidden from ..." / "HTTP 418 from ..." -> 403 / 418; 0 when the message has none.
long statusOf(const std::string& message) {
  std::size_t i = message.rfind("HTTP ", 0) == 0 ? 5 : 0;
  long v = 0;
  int digits = 0;
  while (i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])) && digits < 4) {
    v = v * 10 + (message[i++] - '0');
    ++digits;
  }
  return digits == 3 ? v : 0;
}

// The service's code: what failureMessage appends after the last ": ".
std::string codeOf(const std::string& message) {
  const auto colon = message.rfind(": ");
  return colon == std::string::npos ? std::string() : message.substr(colon + 2);
}

std::time_t parseHttpDate(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

std::time_t parseIsoTime(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  return end ? timegm(&tm) : 0;
}

std::string isoTime(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "1 h 02 min", "4 min 05 s", "12 s".
std::string duration(long long seconds) {
  char buf[48];
  if (seconds >= 3600)
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", seconds / 3600, seconds % 3600 / 60);
  else if (seconds >= 60)
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", seconds / 60, seconds % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld s", seconds);
  return buf;
}

// A token with less than this left is reported as about to expire.
constexpr long long kTokenWarnSeconds = 300;

// Everything the steps share.
struct Context {
  Uri uri;
  StoreOptions options;
  std::string endpoint;  // http(s) base the data is read from
  std::string region;    // S3
  std::string credentialSource;
  bool anonymous = false;
  std::string sas;  // Azure SAS in use (to read se=/st=)
  long long clockOffset = 0;
  AwsAuth aws;
  std::shared_ptr<TokenProvider> token;  // OAuth chains (Azure default credential, GCS)
};

class Doctor {
 public:
  Doctor(const std::string& uri, const StoreOptions& options,
         const std::function<void(const DoctorStep&)>& onStep, const DoctorOptions& doctorOptions)
      : onStep_(onStep), destination_(doctorOptions.exportDestination) {
    report_.uri = redactSecrets(uri);
    report_.steps.reserve(16);  // steps are filled through references: never reallocate
    text_ = uri;
    c_.options = options;
  }

  DoctorReport run() {
    if (!parse()) return finish();
    if (c_.uri.scheme == Scheme::File || c_.uri.scheme == Scheme::Memory) {
      localFile();
      return finish();
    }
    if (!endpointAndCredentials()) return finish();
    if (!network()) return finish();
    clock();
    read();
    return finish();
  }

 private:
  DoctorStep& add(const std::string& id, const std::string& title) {
    report_.steps.push_back({id, title, DoctorStatus::Ok, {}, {}, {}});
    return report_.steps.back();
  }
  void done(DoctorStep& s) {
    for (auto& l : s.lines) l = redactSecrets(l);
    s.hint = redactSecrets(s.hint);
    if ((s.status == DoctorStatus::Fail || s.status == DoctorStatus::Warn) &&
        report_.problem.empty() && !s.problem.empty()) {
      report_.problem = s.problem;
      report_.hint = s.hint;
    }
    if (onStep_) onStep_(s);
  }
  void fail(DoctorStep& s, const std::string& problem, const std::string& line,
            const std::string& hint) {
    s.status = DoctorStatus::Fail;
    s.problem = problem;
    s.lines.push_back(line);
    s.hint = hint;
    done(s);
  }
  DoctorReport finish() {
    if (report_.ok && report_.problem.empty()) report_.problem.clear();
    return report_;
  }

  bool parse() {
    DoctorStep& s = add("uri", "URI");
    try {
      c_.uri = parseUri(text_);
    } catch (const std::exception& e) {
      fail(s, "bad_uri", e.what(),
           "use az://container/path, s3://bucket/key, gs://bucket/key, https://... or a path");
      return false;
    }
    s.lines.push_back(std::string("scheme: ") + schemeName(c_.uri.scheme));
    if (!c_.uri.account.empty()) s.lines.push_back("account: " + c_.uri.account);
    if (!c_.uri.bucket.empty())
      s.lines.push_back(std::string(c_.uri.scheme == Scheme::Azure ? "container: " : "bucket: ") +
                        c_.uri.bucket);
    if (!c_.uri.endpoint.empty()) s.lines.push_back("host: " + c_.uri.endpoint);
    s.lines.push_back((c_.uri.scheme == Scheme::File ? "path: " : "key: ") +
                      (c_.uri.path.empty() ? std::string("(root)") : c_.uri.path));
    if (!c_.uri.query.empty()) s.lines.push_back("query: present (not shown; may hold a SAS)");
    done(s);
    return true;
  }

  void localFile() {
    DoctorStep& s = add("read", destination_ ? "Local destination" : "Local file");
    const std::string path = c_.uri.path;
    struct stat st;
    if (destination_) {
      std::string folder = path;
      while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
      const auto slash = folder.rfind('/');
      folder = slash == std::string::npos ? "." : slash == 0 ? "/" : folder.substr(0, slash);
      if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        fail(s, "key_not_found", "the folder " + folder + " does not exist",
             "create it first or pick another folder");
        return;
      }
      if (::access(folder.c_str(), W_OK) != 0) {
        fail(s, "access_denied", "the folder " + folder + " is not writable",
             "pick a folder you may write to");
        return;
      }
      s.lines.push_back("the folder " + folder + " exists and is writable");
      if (::stat(path.c_str(), &st) == 0)
        s.lines.push_back(path + " exists: an export there replaces it");
      report_.ok = true;
      done(s);
      return;
    }
    if (::stat(path.c_str(), &st) != 0) {
      fail(s, "key_not_found", path + ": " + std::strerror(errno),
           "check the path (relative paths are from the current folder)");
      return;
    }
    s.lines.push_back(path + (S_ISDIR(st.st_mode)
                                  ? " (folder)"
                                  : " (file, " + std::to_string(st.st_size) + " bytes)"));
    readMetadata(s);
  }

  bool endpointAndCredentials() {
    DoctorStep& e = add("endpoint", "Endpoint and region");
    c_.clockOffset = 0;
    try {
      c_.clockOffset = cloud::clockOffsetSeconds(c_.options);
      switch (c_.uri.scheme) {
        case Scheme::S3: {
          c_.aws = resolveAwsAuth(c_.uri, c_.options);
          c_.region = c_.aws.region;
          c_.endpoint = !c_.aws.endpoint.empty()
                            ? c_.aws.endpoint
                            : "https://" + c_.uri.bucket + ".s3." + c_.region + ".amazonaws.com";
          c_.credentialSource = c_.aws.source;
          c_.anonymous = c_.aws.creds.anonymous();
          std::string from = !c_.options.awsRegion.empty() ? "--aws-region"
                             : cloud::env("AWS_REGION")    ? "AWS_REGION"
                             : cloud::env("AWS_DEFAULT_REGION")
                                 ? "AWS_DEFAULT_REGION"
                                 : "the profile or the default us-east-1";
          e.lines.push_back("region: " + c_.region + " (from " + from + ")");
          e.lines.push_back(std::string("addressing: ") +
                            (c_.aws.endpoint.empty() ? "AWS virtual-hosted" : "path-style"));
          break;
        }
        case Scheme::Azure: {
          AzureAuth a = resolveAzureAuth(c_.uri, c_.options);
          c_.endpoint = a.endpoint;
          c_.credentialSource = a.source;
          c_.anonymous = a.kind == AzureAuth::Kind::Anonymous;
          if (a.kind == AzureAuth::Kind::Sas) c_.sas = doctor::azureSasInUse(c_.uri, c_.options);
          c_.token = a.token;
          e.lines.push_back("account: " + a.account);
          break;
        }
        case Scheme::Gcs: {
          GcsAuth g = resolveGcsAuth(c_.options);
          c_.endpoint = g.endpoint;
          c_.credentialSource = g.sourceNow();
          c_.anonymous = !g.token;
          c_.token = g.token;
          break;
        }
        default:
          c_.endpoint = c_.uri.endpoint;
          c_.credentialSource =
              c_.options.headers.empty() ? "anonymous (no --header)" : "extra headers (--header)";
          c_.anonymous = c_.options.headers.empty();
          break;
      }
    } catch (const std::exception& ex) {
      e.status = DoctorStatus::Skipped;
      e.lines.push_back("endpoint: cannot be worked out without the credential settings");
      done(e);
      DoctorStep& cr = add("credentials", "Credentials");
      for (const auto& cand : doctor::credentialChain(c_.uri, c_.options))
        cr.lines.push_back((cand.present ? "found:   " : "skipped: ") + cand.name +
                           (cand.present ? "" : " (" + cand.why + ")"));
      fail(cr, "bad_credentials", ex.what(), "fix the credential source named above");
      return false;
    }
    e.lines.insert(e.lines.begin(), "endpoint: " + c_.endpoint);
    if (c_.clockOffset != 0)
      e.lines.push_back("signing clock offset: " + std::to_string(c_.clockOffset) +
                        " s (--option clock_offset)");
    done(e);

    DoctorStep& cr = add("credentials", "Credentials");
    bool chosen = false;
    for (const auto& cand : doctor::credentialChain(c_.uri, c_.options)) {
      if (chosen) {
        cr.lines.push_back("not tried: " + cand.name);
      } else if (cand.present) {
        cr.lines.push_back("chosen:    " + cand.name);
        chosen = true;
      } else {
        cr.lines.push_back("skipped:   " + cand.name + " (" + cand.why + ")");
      }
    }
    cr.lines.push_back("nzview uses: " + c_.credentialSource);
    if (!c_.sas.empty()) sasTimes(cr);
    if (c_.token && !fetchToken(cr)) return false;
    done(cr);
    return true;
  }

  // An OAuth chain is only tried when a token is needed: fetch one now, so the step names the
  // link that answered (or why each link failed: az not installed, metadata server
  // unreachable, token endpoint refusing the key...). The token itself is never shown.
  bool fetchToken(DoctorStep& cr) {
    try {
      const std::string t = c_.token->token();
      const std::string source = c_.token->source();
      cr.lines.push_back((t.empty() ? "no token: " : "token obtained from ") + source);
      if (t.empty()) c_.anonymous = true;
      c_.credentialSource = source;
      if (!t.empty()) tokenLifetime(cr, source);
      return true;
    } catch (const std::exception& ex) {
      fail(cr, "credential_source_failed", ex.what(),
           "fix the credential source named here (or give another one, e.g. with a flag)");
      return false;
    }
  }

  // The token's lifetime as its endpoint gave it (expires_in / expires_on): when it expires,
  // how long it has left, and a warning when it is expired or about to be (a long export then
  // depends on a refresh from the same source).
  void tokenLifetime(DoctorStep& cr, const std::string& source) {
    const auto at = c_.token->expiresAt();
    if (!at) return;
    const std::time_t exp = std::chrono::system_clock::to_time_t(*at);
    const long long left = static_cast<long long>(exp) - static_cast<long long>(std::time(nullptr));
    report_.token = DoctorToken{source, isoTime(exp), left};
    tokenExpiry_ = exp;
    cr.lines.push_back("token expires: " + isoTime(exp) + " (" +
                       (left < 0 ? "EXPIRED " + duration(-left) + " ago" : "in " + duration(left)) +
                       ")");
    if (left <= 0) {
      cr.status = DoctorStatus::Fail;
      cr.problem = "expired_token";
      cr.hint = "the token from " + source + " expired at " + isoTime(exp) +
                ": renew it at its source (az login / gcloud auth application-default login), "
                "or check this machine's clock";
    } else if (left < kTokenWarnSeconds) {
      cr.status = DoctorStatus::Warn;
      cr.problem = "token_expiring";
      cr.hint = "the token expires in " + duration(left) +
                ": nzview renews it from the same source 60 s before; if that source cannot "
                "(e.g. an expired az login), log in again before a long export";
    }
  }

  // A SAS's validity window: an expired one fails here already, with its expiry time.
  void sasTimes(DoctorStep& cr) {
    const std::string se = doctor::sasParameter(c_.sas, "se");
    const std::string st = doctor::sasParameter(c_.sas, "st");
    const std::time_t now = std::time(nullptr) + static_cast<std::time_t>(c_.clockOffset);
    if (!se.empty()) {
      const std::time_t exp = parseIsoTime(se);
      cr.lines.push_back("SAS expires: " + se + (exp && exp < now ? " (EXPIRED)" : ""));
      if (exp && exp < now) {
        cr.status = DoctorStatus::Fail;
        cr.problem = "expired_sas";
        cr.hint = "the SAS expired at " + isoTime(exp) + ": generate a new one (az storage " +
                  "container generate-sas ... --expiry)";
      }
    }
    if (!st.empty()) {
      const std::time_t start = parseIsoTime(st);
      if (start && start > now) {
        cr.lines.push_back("SAS starts: " + st + " (NOT YET VALID)");
        cr.status = DoctorStatus::Fail;
        cr.problem = "expired_sas";
        cr.hint = "the SAS is valid only from " + isoTime(start) + ": check its st= or the clock";
      }
    }
  }

  bool network() {
    const auto ep = doctor::parseEndpoint(c_.endpoint);
    DoctorStep& dns = add("dns", "DNS");
    if (!ep) {
      fail(dns, "bad_uri", "the endpoint " + c_.endpoint + " is not an http(s) URL",
           "fix --endpoint-url / --azure-endpoint / the URI");
      return false;
    }
    std::vector<std::string> addresses;
    auto r = doctor::resolveHost(*ep, addresses);
    if (!r.ok) {
      fail(dns, "dns", r.error, "check the host name (and the account/bucket in it) and DNS");
      return false;
    }
    dns.lines = r.lines;
    done(dns);
    DoctorStep& tcp = add("tcp", "TCP");
    r = doctor::connectTcp(*ep, addresses.front(), 5);
    if (!r.ok) {
      fail(tcp, "tcp", r.error,
           "the host does not accept connections on that port: check the port, a firewall or "
           "proxy, and that the service runs");
      return false;
    }
    tcp.lines = r.lines;
    done(tcp);
    DoctorStep& tls = add("tls", "TLS");
    if (ep->scheme != "https") {
      tls.status = DoctorStatus::Skipped;
      tls.lines.push_back("plain http: no TLS (credentials travel unencrypted)");
      done(tls);
      return true;
    }
    const HttpOptions http = httpOptionsFrom(c_.options);
    r = doctor::tlsHandshake(*ep, addresses.front(), http.caFile, http.insecure, 5);
    if (!r.ok) {
      const bool cert = r.error.find("certificate") != std::string::npos;
      fail(tls, cert ? "tls_certificate" : "tls", r.error,
           cert ? "give the CA that signed the server's certificate with --cacert FILE (or "
                  "CURL_CA_BUNDLE); --insecure only to test"
                : "the server's TLS setup is not compatible: check the port is the HTTPS one");
      return false;
    }
    tls.lines = r.lines;
    if (http.insecure) tls.status = DoctorStatus::Warn;
    done(tls);
    return true;
  }

  void clock() {
    DoctorStep& s = add("clock", "Clock");
    HttpOptions ho = httpOptionsFrom(c_.options);
    ho.maxRetries = 0;
    ho.connectTimeoutSeconds = 5;
    ho.stallTimeoutSeconds = 10;
    HttpClient http(ho);
    HttpRequest req;
    req.method = "HEAD";
    req.url = c_.endpoint + "/";
    req.followRedirects = false;
    req.description = redactSecrets(c_.endpoint);
    const HttpResponse resp = http.sendSync(std::move(req));
    const auto date = resp.header("date");
    const std::time_t server = date ? parseHttpDate(*date) : 0;
    if (!server) {
      s.status = DoctorStatus::Skipped;
      s.lines.push_back("the server sent no Date header");
      done(s);
      return;
    }
    const std::time_t mine = std::time(nullptr) + static_cast<std::time_t>(c_.clockOffset);
    const long long skew = static_cast<long long>(mine) - static_cast<long long>(server);
    s.lines.push_back("server time " + isoTime(server) + ", signing time " + isoTime(mine) + " (" +
                      (skew >= 0 ? "+" : "") + std::to_string(skew) + " s)");
    if (std::llabs(skew) > 900) {
      s.status = DoctorStatus::Fail;
      s.problem = "clock_skew";
      s.hint = "this clock is " + std::to_string(std::llabs(skew)) + " s " +
               (skew > 0 ? "ahead" : "behind") +
               "; signatures are refused beyond 15 minutes: set the clock right "
               "(timedatectl set-ntp true)";
    } else if (std::llabs(skew) > 60) {
      s.status = DoctorStatus::Warn;
      s.problem = "clock_skew";
      s.hint = "the clock is off by more than a minute: enable NTP";
    }
    done(s);
  }

  // S3 only: one signed request in the configured region, to see a wrong-region answer before
  // the store (which follows it by itself) hides it.
  std::string s3RegionProbe() {
    if (c_.uri.scheme != Scheme::S3) return {};
    HttpOptions ho = httpOptionsFrom(c_.options);
    ho.maxRetries = 0;
    HttpClient http(ho);
    HttpRequest req;
    req.method = "HEAD";
    req.url = c_.aws.endpoint.empty() ? c_.endpoint + "/" : c_.endpoint + "/" + c_.uri.bucket + "/";
    req.followRedirects = false;
    req.description = "s3://" + c_.uri.bucket;
    AwsCredentials creds = c_.aws.creds;
    const std::string region = c_.region;
    const long long offset = c_.clockOffset;
    req.sign = [creds, region, offset](HttpRequest& r) {
      signSigV4(r, creds, region, "s3", static_cast<std::time_t>(std::time(nullptr) + offset));
    };
    return cloud::s3RegionHint(http.sendSync(std::move(req)));
  }

  void read() {
    DoctorStep& s = add("read", "Metadata read");
    const std::string hint = s3RegionProbe();
    if (!hint.empty() && hint != c_.region) {
      s.lines.push_back("the bucket answered: wrong region (it is in " + hint + ", not " +
                        c_.region + "); nzview follows it");
      s.status = DoctorStatus::Warn;
      s.problem = "wrong_region";
      s.hint = "use --aws-region " + hint + " (or AWS_REGION=" + hint +
               ") to save a round trip; opening follows the redirect by itself";
    }
    readMetadata(s);
  }

  // Reads the dataset's first metadata object through the same store the viewer opens.
  void readMetadata(DoctorStep& s) {
    std::shared_ptr<Store> store;
    std::vector<std::string> keys;
    const std::string path = c_.uri.path;
    try {
      if (isNiftiFile(path)) {
        std::string head = text_.substr(0, text_.find('?'));
        const std::string tail =
            text_.find('?') == std::string::npos ? std::string() : text_.substr(text_.find('?'));
        while (head.size() > 1 && head.back() == '/') head.pop_back();
        const auto slash = head.rfind('/');
        keys = {head.substr(slash + 1)};
        const std::string parent = slash == std::string::npos ? "." : head.substr(0, slash);
        store = openStore(parseUri((parent.empty() ? "/" : parent) + tail), c_.options);
      } else {
        store = openStore(c_.uri, c_.options);
        keys = {"zarr.json", ".zgroup", ".zattrs"};
      }
    } catch (const std::exception& e) {
      fail(s, "bad_credentials", e.what(), "fix the credential options named above");
      return;
    }
    const std::time_t t0 = std::time(nullptr);
    for (const std::string& key : keys) {
      ReadResult r = store->read(key, ByteRange::span(0, 16));  // s3rver mishandles bytes=0-0
      if (r.ok()) {
        s.lines.push_back("read " + store->describeKey(key) + ": ok" +
                          (r.totalSize ? " (" + std::to_string(*r.totalSize) + " bytes)" : "") +
                          (r.etag.empty() ? "" : ", ETag " + r.etag) +
                          (r.version.empty() ? "" : ", version " + r.version));
        report_.ok = true;
        if (s.status != DoctorStatus::Warn) s.status = DoctorStatus::Ok;
        done(s);
        return;
      }
      if (r.missing()) {
        s.lines.push_back(store->describeKey(key) + ": not found");
        continue;
      }
      const long status = statusOf(r.error);
      s.lines.push_back(r.error);
      FailureClass fc = classifyFailure(status, codeOf(r.error), r.error, "", c_.anonymous);
      if (status == 0 && r.errorKind == ErrorKind::PermissionDenied)
        fc = {"credential_source_failed", "the credential source failed: " + r.error,
              "fix the credential source named in the message (or give another one)"};
      // A SAS without read permission (sp=) is denied by its own policy, whatever the code
      // (Azurite says AuthorizationFailure, as for a bad signature).
      if ((status == 401 || status == 403) && !c_.sas.empty()) {
        const std::string sp = doctor::sasParameter(c_.sas, "sp");
        if (!sp.empty() && sp.find('r') == std::string::npos)
          fc = {"access_denied", "the SAS grants sp=" + sp + ", which does not include read (r)",
                "ask for a SAS with read permission (sp=r, plus l to list)"};
      }
      // A bearer token past its expiry explains any 401/403: say so with its time.
      if ((status == 401 || status == 403) && tokenExpiry_ && tokenExpiry_ <= std::time(nullptr))
        fc = {"expired_token", "the access token expired at " + isoTime(tokenExpiry_),
              "renew the token at its source (" + c_.credentialSource + ")"};
      // A SAS past its expiry explains any 403: say so with its time.
      if ((status == 401 || status == 403) && !c_.sas.empty()) {
        const std::time_t exp = parseIsoTime(doctor::sasParameter(c_.sas, "se"));
        if (exp && exp < t0 + static_cast<std::time_t>(c_.clockOffset))
          fc = {"expired_sas", "the SAS expired at " + isoTime(exp),
                "generate a new SAS with a later expiry (se=)"};
      }
      s.lines.push_back("=> " + fc.text);
      fail(s, fc.problem, "class: " + fc.problem, fc.hint);
      return;
    }
    if (destination_) {
      s.lines.push_back("nothing there yet: the export will create it");
      report_.ok = true;
      done(s);
      return;
    }
    fail(s, "key_not_found",
         keys.size() == 1 ? "the file does not exist"
                          : "no zarr.json, .zgroup or .zattrs here: not a Zarr group",
         "check the path after the bucket/container (the bucket itself answered)");
  }

  std::function<void(const DoctorStep&)> onStep_;
  bool destination_ = false;
  std::time_t tokenExpiry_ = 0;  // of the OAuth token in use, 0 when none
  DoctorReport report_;
  std::string text_;
  Context c_;
};

}  // namespace

DoctorReport diagnose(const std::string& uri, const StoreOptions& options,
                      const std::function<void(const DoctorStep&)>& onStep,
                      const DoctorOptions& doctorOptions) {
  return Doctor(uri, options, onStep, doctorOptions).run();
}

std::string renderDoctorStep(const DoctorStep& step) {
  std::string out = "[" + std::string(doctorStatusName(step.status)) + "] " + step.title + "\n";
  for (const auto& l : step.lines) out += "    " + l + "\n";
  if (!step.hint.empty()) out += "    fix: " + step.hint + "\n";
  return out;
}

std::string renderDoctorText(const DoctorReport& report) {
  std::string out = "Diagnosing " + report.uri + "\n";
  for (const auto& s : report.steps) out += renderDoctorStep(s);
  if (report.ok)
    out += report.problem.empty() ? "Result: OK, the metadata can be read.\n"
                                  : "Result: readable, with a warning (" + report.problem + ").\n";
  else
    out += "Result: FAILED (" + report.problem + "): " + report.hint + "\n";
  return out;
}

std::string doctorJson(const DoctorReport& report) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : report.steps)
    steps.push_back({{"id", s.id},
                     {"title", s.title},
                     {"status", doctorStatusName(s.status)},
                     {"lines", s.lines},
                     {"problem", s.problem},
                     {"hint", s.hint}});
  nlohmann::json token = nullptr;
  if (report.token)
    token = {{"source", report.token->source},
             {"expires_at", report.token->expiresAt},
             {"remaining_seconds", report.token->remainingSeconds}};
  return nlohmann::json({{"uri", report.uri},
                         {"ok", report.ok},
                         {"problem", report.problem},
                         {"hint", report.hint},
                         {"token", token},
                         {"steps", steps}})
      .dump(2);
}

}  // namespace nz
