// The failure classes of the connection doctor: one answer (HTTP status and the service's error
// code or message) to a class, a sentence and a one-line fix.
#include <algorithm>
#include <cctype>

#include "doctor/doctor.h"

namespace nz {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool hasAny(const std::string& text, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](const char* w) { return text.find(w) != std::string::npos; });
}

}  // namespace

const char* doctorStatusName(DoctorStatus s) {
  switch (s) {
    case DoctorStatus::Ok:
      return "ok";
    case DoctorStatus::Info:
      return "info";
    case DoctorStatus::Warn:
      return "warn";
    case DoctorStatus::Fail:
      return "fail";
    case DoctorStatus::Skipped:
      return "skipped";
  }
  return "?";
}

FailureClass classifyFailure(long status, const std::string& code, const std::string& message,
                             const std::string& regionHint, bool anonymous) {
  const std::string t = lower(code + " " + message);
  if (status == 0)
    return {"network", "no answer from the server: " + message,
            "check the endpoint, the network and any proxy (HTTPS_PROXY/NO_PROXY)"};
  if (!regionHint.empty() && (status == 301 || status == 307 || status == 400))
    return {"wrong_region", "the bucket is in region " + regionHint + ", not the one configured",
            "use --aws-region " + regionHint +
                " (or AWS_REGION); opening follows the redirect "
                "by itself"};
  if (hasAny(t, {"requesttimetooskewed", "too skewed", "request date header too old",
                 "requestexpired", "clock skew"}))
    return {"clock_skew", "the request's time is too far from the server's (" + code + ")",
            "set the system clock right (e.g. timedatectl set-ntp true)"};
  if (status == 429 || hasAny(t, {"slowdown", "serverbusy", "toomanyrequests", "throttl",
                                  "ratelimit", "rate limit"}))
    return {"throttled",
            "the service is throttling requests (" + std::to_string(status) + " " + code + ")",
            "wait and retry, with fewer requests in flight (--option max_concurrency=N)"};
  if (status == 404 || status == 410) {
    if (hasAny(t, {"nosuchbucket", "containernotfound", "bucket does not exist",
                   "container does not exist", "no such bucket"}))
      return {"bucket_not_found", "the bucket/container does not exist (" + code + ")",
              "check the bucket or container name (and the account or endpoint)"};
    return {"key_not_found", "the object does not exist",
            "check the path after the bucket/container name"};
  }
  if (hasAny(t, {"expiredtoken", "token is expired", "tokenexpired", "token has expired",
                 "invalidauthenticationinfo", "lifetime validation failed"}))
    return {"expired_token", "the access token has expired (" + code + ")",
            "get a new token (aws sso login / az login / gcloud auth application-default login)"};
  if (status == 401 || status == 403) {
    if (anonymous ||
        hasAny(t, {"noauthenticationinformation", "anonymous caller", "publicaccessnotpermitted"}))
      return {"no_credentials", "the data is private and no credential was sent",
              "give credentials (see the skipped credential sources above)"};
    if (hasAny(t, {"accessdenied", "authorizationpermissionmismatch",
                   "authorizationresourcetypemismatch", "authorizationsourceipmismatch",
                   "does not have storage.", "insufficientaccountpermissions", "forbidden by"}))
      return {"access_denied",
              "the credentials are valid but not allowed to read this (" + code + ")",
              "ask for read access to it (s3:GetObject, Storage Blob Data Reader, "
              "roles/storage.objectViewer) or use a SAS with read (r) permission"};
    // Both are bad_signature (the credentials are wrong, not the permissions), but the fix
    // differs: an unknown key id is the wrong key id (or account), a mismatch the wrong secret.
    if (hasAny(t, {"invalidaccesskeyid"}))
      return {"bad_signature", "the server does not know this access key id (" + code + ")",
              "the access key id is not one of this server's/account's: check "
              "AWS_ACCESS_KEY_ID or the profile's aws_access_key_id (and --endpoint-url)"};
    if (hasAny(t, {"signaturedoesnotmatch"}))
      return {"bad_signature",
              "the key id is known but the signature does not match (" + code + ")",
              "the secret does not belong to this key id: copy the secret again "
              "(AWS_SECRET_ACCESS_KEY, the profile's aws_secret_access_key)"};
    if (hasAny(t, {"authenticationfailed", "authorizationfailure", "invalid credentials",
                   "invalid_client", "invalid_grant", "signature", "authorization"}))
      return {"bad_signature",
              "the server rejected the signature or key (" + (code.empty() ? message : code) + ")",
              "the key or secret does not belong to this account/key id: copy it again "
              "(--azure-key, AWS_SECRET_ACCESS_KEY, the service-account file)"};
    return {"access_denied", "access denied (" + std::to_string(status) + " " + code + ")",
            "check that these credentials may read this bucket/container"};
  }
  if (status >= 500)
    return {"server_error", "the server failed (" + std::to_string(status) + " " + code + ")",
            "retry later; if it persists, check the service's status page"};
  return {"server_error", "unexpected answer " + std::to_string(status) + " " + code,
          "run with the same URI in a browser or curl to compare"};
}

}  // namespace nz
