#include "cloud/s3_credentials.h"

#include "cloud/credential_files.h"
#include "core/error.h"

namespace nz {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

struct ProfileFile {
  std::string path;
  std::map<std::string, std::map<std::string, std::string>> sections;
  bool exists = false;
};

ProfileFile loadIni(const std::string& path) {
  ProfileFile f;
  f.path = path;
  if (auto text = cloud::readTextFile(path)) {
    f.exists = true;
    f.sections = parseAwsIni(*text);
  }
  return f;
}

const std::map<std::string, std::string>* section(const ProfileFile& f, const std::string& name) {
  auto it = f.sections.find(name);
  return it == f.sections.end() ? nullptr : &it->second;
}

std::string get(const std::map<std::string, std::string>* s, const std::string& key) {
  if (!s) return {};
  auto it = s->find(key);
  return it == s->end() ? std::string() : it->second;
}

}  // namespace

std::map<std::string, std::map<std::string, std::string>> parseAwsIni(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string current;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string line =
        trim(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    start = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      current = trim(line.substr(1, line.size() - 2));
      out[current];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || current.empty()) continue;
    out[current][trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

AwsAuth resolveAwsAuth(const Uri& uri, const StoreOptions& options) {
  AwsAuth a;
  std::string credPath =
      cloud::env("AWS_SHARED_CREDENTIALS_FILE").value_or(cloud::homeDir() + "/.aws/credentials");
  std::string configPath =
      cloud::env("AWS_CONFIG_FILE").value_or(cloud::homeDir() + "/.aws/config");
  ProfileFile creds = loadIni(credPath), config = loadIni(configPath);

  std::string profile;
  bool explicitProfile = false;
  if (!options.awsProfile.empty()) {
    profile = options.awsProfile;
    explicitProfile = true;
  } else if (auto p = cloud::env("AWS_PROFILE")) {
    profile = *p;
    explicitProfile = true;
  } else {
    profile = "default";
  }
  const auto* credSection = section(creds, profile);
  const auto* configSection =
      section(config, profile == "default" ? "default" : "profile " + profile);
  if (!configSection && profile == "default") configSection = section(config, "profile default");

  auto loadProfile = [&]() -> bool {
    std::string id = get(credSection, "aws_access_key_id");
    std::string secret = get(credSection, "aws_secret_access_key");
    std::string token = get(credSection, "aws_session_token");
    std::string file = cloud::tildePath(credPath);
    if (id.empty()) {
      id = get(configSection, "aws_access_key_id");
      secret = get(configSection, "aws_secret_access_key");
      token = get(configSection, "aws_session_token");
      file = cloud::tildePath(configPath);
    }
    if (id.empty()) {
      for (const char* k : {"role_arn", "sso_session", "sso_start_url", "credential_process",
                            "web_identity_token_file"})
        if (!get(configSection, k).empty() || !get(credSection, k).empty())
          throw Error(ErrorKind::Unsupported,
                      "AWS profile \"" + profile + "\" uses " + k +
                          ", which nzview does not support yet; give it static keys "
                          "(aws_access_key_id/aws_secret_access_key) or export "
                          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
      return false;
    }
    if (secret.empty())
      throw Error(ErrorKind::InvalidArgument, "AWS profile \"" + profile + "\" in " + file +
                                                  " has aws_access_key_id but no "
                                                  "aws_secret_access_key");
    a.creds = {id, secret, token};
    a.source = "AWS profile \"" + profile + "\" (" + file + ")";
    return true;
  };

  if (options.anonymous) {
    a.source = "anonymous access (--anonymous)";
  } else if (!options.awsAccessKeyId.empty()) {
    a.creds = {options.awsAccessKeyId, options.awsSecretAccessKey, options.awsSessionToken};
    a.source = "explicit AWS access key";
  } else if (!options.awsProfile.empty()) {
    if (!loadProfile())
      throw Error(ErrorKind::InvalidArgument,
                  "AWS profile \"" + profile + "\" has no keys in " + cloud::tildePath(credPath) +
                      " or " + cloud::tildePath(configPath) +
                      (credSection || configSection ? "" : " (profile not found)"));
  } else if (auto id = cloud::env("AWS_ACCESS_KEY_ID")) {
    auto secret = cloud::env("AWS_SECRET_ACCESS_KEY");
    if (!secret)
      throw Error(ErrorKind::InvalidArgument,
                  "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    a.creds = {*id, *secret, cloud::env("AWS_SESSION_TOKEN").value_or("")};
    a.source = "AWS keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
  } else if (!loadProfile()) {
    if (explicitProfile && !credSection && !configSection)
      throw Error(ErrorKind::InvalidArgument,
                  "AWS profile \"" + profile + "\" (AWS_PROFILE) not found in " +
                      cloud::tildePath(credPath) + " or " + cloud::tildePath(configPath));
    a.source = "anonymous access (no AWS credentials found)";
  }

  if (!options.awsRegion.empty())
    a.region = options.awsRegion;
  else if (auto r = cloud::env("AWS_REGION"))
    a.region = *r;
  else if (auto d = cloud::env("AWS_DEFAULT_REGION"))
    a.region = *d;
  else
    a.region = get(configSection, "region");
  if (a.region.empty()) a.region = "us-east-1";

  if (!options.endpointUrl.empty())
    a.endpoint = options.endpointUrl;
  else if (auto e = cloud::env("AWS_ENDPOINT_URL_S3"))
    a.endpoint = *e;
  else if (auto f = cloud::env("AWS_ENDPOINT_URL"))
    a.endpoint = *f;
  else
    a.endpoint = get(configSection, "endpoint_url");
  while (!a.endpoint.empty() && a.endpoint.back() == '/') a.endpoint.pop_back();
  if (!a.endpoint.empty() && a.endpoint.find("://") == std::string::npos)
    a.endpoint = "https://" + a.endpoint;
  (void)uri;
  return a;
}

}  // namespace nz
