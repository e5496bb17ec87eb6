#pragma once
// Resolves GCS credentials in the product's order: --anonymous, --gcs-credentials FILE,
// GOOGLE_APPLICATION_CREDENTIALS, ~/.config/gcloud/application_default_credentials.json
// (CLOUDSDK_CONFIG), the metadata server (GCE_METADATA_HOST for tests), then anonymous.
// Key files may be service_account (RS256 JWT exchanged at token_uri) or authorized_user
// (refresh token).
#include <ctime>
#include <memory>
#include <string>

#include "cloud/token_provider.h"
#include "store/store_options.h"

namespace nz {

struct GcsAuth {
  std::shared_ptr<TokenProvider> token;  // null = anonymous
  std::string source;                    // when token is null
  std::string endpoint;                  // "https://storage.googleapis.com" or the emulator
  std::string sourceNow() const { return token ? token->source() : source; }
};

GcsAuth resolveGcsAuth(const StoreOptions& options);

// The signed JWT assertion for a service account (pure: for tests).
std::string gcsServiceAccountJwt(const std::string& clientEmail, const std::string& privateKeyId,
                                 const std::string& privateKeyPem, const std::string& audience,
                                 const std::string& scope, std::time_t now,
                                 const std::string& what);

inline constexpr const char* kGcsScope = "https://www.googleapis.com/auth/devstorage.read_write";

}  // namespace nz
