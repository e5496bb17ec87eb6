#include "doctor/credential_report.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "cloud/credential_files.h"

namespace nz::doctor {

namespace {

CredentialCandidate flag(const std::string& name, const std::string& value) {
  return {name, !value.empty(), value.empty() ? "not given" : ""};
}

CredentialCandidate envVar(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return {name, false, "not set"};
  if (!*v) return {name, false, "set but empty"};
  return {name, true, ""};
}

bool fileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool onPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto colon = p.find(':', start);
    const std::string dir = p.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

std::string connectionStringPart(const std::string& cs, const std::string& key) {
  std::size_t start = 0;
  while (start < cs.size()) {
    const auto semi = cs.find(';', start);
    const std::string part = cs.substr(start, semi == std::string::npos ? semi : semi - start);
    const auto eq = part.find('=');
    if (eq != std::string::npos && part.substr(0, eq) == key) return part.substr(eq + 1);
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  return {};
}

std::vector<CredentialCandidate> azureChain(const Uri& uri, const StoreOptions& o) {
  std::vector<CredentialCandidate> c;
  c.push_back({"--anonymous", o.anonymous, o.anonymous ? "" : "not given"});
  c.push_back(flag("--azure-connection-string", o.azureConnectionString));
  c.push_back(flag("--azure-key", o.azureKey));
  c.push_back(flag("--azure-sas", o.azureSas));
  c.push_back(
      {"SAS in the URI", !uri.query.empty(), uri.query.empty() ? "the URI has no query" : ""});
  c.push_back(envVar("AZURE_STORAGE_CONNECTION_STRING"));
  c.push_back(envVar("AZURE_STORAGE_ACCOUNT_KEY"));
  c.push_back(envVar("AZURE_STORAGE_SAS_TOKEN"));
  const bool cli = onPath("az");
  c.push_back({"Azure CLI (az account get-access-token)", cli, cli ? "" : "az is not installed"});
  const bool id = std::getenv("AZURE_CLIENT_ID") && *std::getenv("AZURE_CLIENT_ID");
  const bool tenant = std::getenv("AZURE_TENANT_ID") && *std::getenv("AZURE_TENANT_ID");
  const bool secret = std::getenv("AZURE_CLIENT_SECRET") && *std::getenv("AZURE_CLIENT_SECRET");
  std::string missing;
  if (!id) missing += " AZURE_CLIENT_ID";
  if (!tenant) missing += " AZURE_TENANT_ID";
  if (!secret) missing += " AZURE_CLIENT_SECRET";
  c.push_back({"Azure client secret (AZURE_CLIENT_ID/TENANT_ID/CLIENT_SECRET)", missing.empty(),
               missing.empty() ? "" : "not set:" + missing});
  c.push_back({"Azure managed identity", true, ""});
  return c;
}

std::vector<CredentialCandidate> awsChain(const StoreOptions& o) {
  std::vector<CredentialCandidate> c;
  c.push_back({"--anonymous", o.anonymous, o.anonymous ? "" : "not given"});
  c.push_back(flag("explicit AWS access key", o.awsAccessKeyId));
  const std::string credPath =
      cloud::env("AWS_SHARED_CREDENTIALS_FILE").value_or(cloud::homeDir() + "/.aws/credentials");
  const std::string configPath =
      cloud::env("AWS_CONFIG_FILE").value_or(cloud::homeDir() + "/.aws/config");
  std::string profile = o.awsProfile;
  if (profile.empty()) profile = cloud::env("AWS_PROFILE").value_or("");
  c.push_back(flag("--aws-profile", o.awsProfile));
  CredentialCandidate keys = envVar("AWS_ACCESS_KEY_ID");
  if (keys.present && !cloud::env("AWS_SECRET_ACCESS_KEY")) {
    keys.present = false;
    keys.why = "set, but AWS_SECRET_ACCESS_KEY is not";
  }
  c.push_back(keys);
  const std::string shown = profile.empty() ? "default" : profile;
  std::string why;
  bool present = false;
  if (!fileExists(credPath) && !fileExists(configPath)) {
    why = cloud::tildePath(credPath) + " and " + cloud::tildePath(configPath) + " do not exist";
  } else {
    std::string text = cloud::readTextFile(credPath).value_or("") + "\n" +
                       cloud::readTextFile(configPath).value_or("");
    present = text.find("[" + shown + "]") != std::string::npos ||
              text.find("[profile " + shown + "]") != std::string::npos;
    if (!present) why = "profile \"" + shown + "\" not found";
  }
  c.push_back({"AWS profile \"" + shown + "\" (" + cloud::tildePath(credPath) + ")", present, why});
  c.push_back({"anonymous", true, ""});
  return c;
}

std::vector<CredentialCandidate> gcsChain(const StoreOptions& o) {
  std::vector<CredentialCandidate> c;
  c.push_back({"--anonymous", o.anonymous, o.anonymous ? "" : "not given"});
  CredentialCandidate file = flag("--gcs-credentials", o.gcsCredentialsFile);
  if (file.present && !fileExists(o.gcsCredentialsFile)) {
    file.present = false;
    file.why = "given, but the file does not exist";
  }
  c.push_back(file);
  CredentialCandidate gac = envVar("GOOGLE_APPLICATION_CREDENTIALS");
  if (gac.present && !fileExists(std::getenv("GOOGLE_APPLICATION_CREDENTIALS"))) {
    gac.present = false;
    gac.why = "set, but the file does not exist";
  }
  c.push_back(gac);
  const std::string adc =
      cloud::env("CLOUDSDK_CONFIG").value_or(cloud::homeDir() + "/.config/gcloud") +
      "/application_default_credentials.json";
  const bool haveAdc = fileExists(adc);
  c.push_back({"gcloud application-default credentials (" + cloud::tildePath(adc) + ")", haveAdc,
               haveAdc ? "" : "file does not exist"});
  const bool emulator = cloud::env("STORAGE_EMULATOR_HOST").has_value();
  const bool md = cloud::env("GCE_METADATA_HOST").has_value();
  c.push_back(
      {"GCE metadata server", md || !emulator,
       md || !emulator ? "" : "skipped with STORAGE_EMULATOR_HOST and no GCE_METADATA_HOST"});
  c.push_back({"anonymous", true, ""});
  return c;
}

}  // namespace

std::vector<CredentialCandidate> credentialChain(const Uri& uri, const StoreOptions& options) {
  switch (uri.scheme) {
    case Scheme::Azure:
      return azureChain(uri, options);
    case Scheme::S3:
      return awsChain(options);
    case Scheme::Gcs:
      return gcsChain(options);
    default:
      return {};
  }
}

std::string azureSasInUse(const Uri& uri, const StoreOptions& o) {
  if (o.anonymous) return {};
  if (!o.azureConnectionString.empty())
    return connectionStringPart(o.azureConnectionString, "SharedAccessSignature");
  if (!o.azureKey.empty()) return {};
  if (!o.azureSas.empty()) return o.azureSas;
  if (!uri.query.empty()) return uri.query;
  if (auto cs = cloud::env("AZURE_STORAGE_CONNECTION_STRING"))
    return connectionStringPart(*cs, "SharedAccessSignature");
  if (cloud::env("AZURE_STORAGE_ACCOUNT_KEY")) return {};
  return cloud::env("AZURE_STORAGE_SAS_TOKEN").value_or("");
}

std::string sasParameter(const std::string& sas, const std::string& name) {
  std::string s = !sas.empty() && sas[0] == '?' ? sas.substr(1) : sas;
  std::size_t start = 0;
  while (start < s.size()) {
    const auto amp = s.find('&', start);
    const std::string part = s.substr(start, amp == std::string::npos ? amp : amp - start);
    if (part.rfind(name + "=", 0) == 0) return percentDecode(part.substr(name.size() + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return {};
}

}  // namespace nz::doctor
