#pragma once
// Resolves credentials, region and endpoint for s3:// URIs the way the AWS CLI and SDKs do:
// explicit options, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), then the
// profile (--aws-profile, AWS_PROFILE or "default") in ~/.aws/credentials and ~/.aws/config
// (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), then anonymous.
#include <map>
#include <string>

#include "cloud/s3_sigv4.h"
#include "store/store_options.h"
#include "uri/uri.h"

namespace nz {

struct AwsAuth {
  AwsCredentials creds;
  std::string region;    // never empty (us-east-1 by default)
  std::string endpoint;  // custom endpoint (path-style) or empty for AWS itself
  std::string source;    // e.g. AWS profile "lab" (~/.aws/credentials)
};

AwsAuth resolveAwsAuth(const Uri& uri, const StoreOptions& options);

// INI sections of an AWS config/credentials file: section name -> key -> value.
// Names are kept as written ("default", "profile lab").
std::map<std::string, std::map<std::string, std::string>> parseAwsIni(const std::string& text);

}  // namespace nz
