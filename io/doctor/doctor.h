#pragma once
// The connection doctor (`nzview-cli doctor URI`, the "Diagnose" buttons of the open and export
// dialogs): checks, step by step, how nzview would reach a URI and says what is wrong with a
// one-line fix for each problem. Steps: the URI as parsed; endpoint and region; which credential
// source is used and why the earlier ones were skipped (never a secret); DNS, TCP, TLS
// (certificate problems named); clock skew against the server's Date header; a metadata read
// through the same store the viewer uses, with any failure classified (bad signature, access
// denied by policy, expired SAS/token, wrong S3 region, bucket vs key not found, throttling...).
// No Qt: the CLI prints the steps, the dialogs show them. Blocking: run it on a worker thread.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store_options.h"

namespace nz {

enum class DoctorStatus { Ok, Info, Warn, Fail, Skipped };
const char* doctorStatusName(DoctorStatus s);  // "ok", "info", "warn", "fail", "skipped"

struct DoctorStep {
  std::string id;     // "uri", "endpoint", "credentials", "dns", "tcp", "tls", "clock", "read"
  std::string title;  // "URI", "Endpoint and region", ...
  DoctorStatus status = DoctorStatus::Ok;
  std::vector<std::string> lines;  // what was found (redacted)
  std::string problem;             // failure class id when status is Warn/Fail (see below)
  std::string hint;                // one-line fix
};

// Failure classes (DoctorStep::problem, DoctorReport::problem): "bad_uri", "bad_credentials",
// "credential_source_failed", "dns", "tcp", "tls_certificate", "tls", "clock_skew",
// "bad_signature", "access_denied", "no_credentials", "expired_sas", "expired_token",
// "token_expiring" (a warning: the bearer token has less than 5 minutes left),
// "wrong_region", "bucket_not_found", "key_not_found", "throttled", "server_error", "network".
struct FailureClass {
  std::string problem, text, hint;
};

// Classifies one failed answer (HTTP status, 0 for none; the service's error code or message).
// `sasExpiry` is the SAS's se= when one is used (ISO 8601), `now` the signing time.
FailureClass classifyFailure(long status, const std::string& code, const std::string& message,
                             const std::string& regionHint, bool anonymous);

// The OAuth bearer token in use (Azure AD default chain, GCS), as its endpoint described it;
// the token itself is never kept.
struct DoctorToken {
  std::string source;  // "Azure client secret for AZURE_CLIENT_ID ...", "GCS service account ..."
  std::string expiresAt;           // ISO 8601 UTC
  long long remainingSeconds = 0;  // negative when expired
};

struct DoctorReport {
  std::string uri;  // redacted
  std::vector<DoctorStep> steps;
  bool ok = false;                   // the metadata read succeeded
  std::string problem;               // the first failure class, empty when ok
  std::string hint;                  // its fix
  std::optional<DoctorToken> token;  // when a bearer token was obtained
};

struct DoctorOptions {
  // The URI is where an export will write (the export dialog): nothing there yet is fine, and a
  // local destination's folder must exist and be writable.
  bool exportDestination = false;
};

// Runs every step; `onStep` sees each as it finishes (for live display; it runs on the calling
// thread). Never throws for problems with the URI, the credentials or the network: they are
// steps.
DoctorReport diagnose(const std::string& uri, const StoreOptions& options,
                      const std::function<void(const DoctorStep&)>& onStep = {},
                      const DoctorOptions& doctorOptions = {});

// Readable text (one block per step) and JSON ({uri, ok, problem, hint, token: {source,
// expires_at, remaining_seconds} or null, steps: [...]}).
std::string renderDoctorStep(const DoctorStep& step);
std::string renderDoctorText(const DoctorReport& report);
std::string doctorJson(const DoctorReport& report);

}  // namespace nz
