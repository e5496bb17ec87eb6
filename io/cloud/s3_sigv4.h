#pragma once
// AWS Signature Version 4 (header form) as a pure function of request, credentials and time.
// Checked against the worked examples in the S3 API reference (tests/cloud/tst_cloud_signers.cpp).
#include <ctime>
#include <string>

#include "http/http_client.h"

namespace nz {

struct AwsCredentials {
  std::string accessKeyId, secretAccessKey, sessionToken;
  bool anonymous() const { return accessKeyId.empty(); }
};

struct SigV4Parts {
  std::string canonicalRequest, stringToSign, signature, authorization;
};

// Computes the signature of `method url` with `headers` (every header given is signed, plus
// host from the URL). `payloadHash` is the hex SHA-256 of the body or "UNSIGNED-PAYLOAD".
// `amzDate` is "YYYYMMDDTHHMMSSZ" and must equal the x-amz-date header the request sends.
SigV4Parts computeSigV4(const std::string& method, const std::string& url,
                        const HttpHeaders& headers, const std::string& payloadHash,
                        const AwsCredentials& creds, const std::string& region,
                        const std::string& service, const std::string& amzDate);

// Signs `request` in place for time `now`: sets x-amz-date, x-amz-content-sha256 (hash of the
// body unless already set), x-amz-security-token when there is a session token, and
// Authorization. Anonymous credentials leave the request unsigned.
void signSigV4(HttpRequest& request, const AwsCredentials& creds, const std::string& region,
               const std::string& service, std::time_t now);

// Canonical query string: parameters RFC 3986-encoded and sorted (name, then value).
std::string sigV4CanonicalQuery(const std::string& query);

}  // namespace nz
