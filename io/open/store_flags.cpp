#include "open/store_flags.h"

#include "cache/cache_config.h"
#include "core/error.h"
#include "core/parse_number.h"

namespace nz {

const std::vector<StoreFlag>& storeFlags() {
  static const std::vector<StoreFlag> flags = {
      {"--azure-account", "NAME", "Azure storage account name", false},
      {"--azure-key", "KEY", "Azure storage account key", false},
      {"--azure-sas", "TOKEN", "Azure SAS token", false},
      {"--azure-connection-string", "STR", "Azure connection string", false},
      {"--azure-endpoint", "URL", "Azure blob endpoint (e.g. Azurite)", false},
      {"--aws-profile", "NAME", "profile in ~/.aws/credentials and ~/.aws/config", false},
      {"--aws-region", "REGION", "AWS region", false},
      {"--endpoint-url", "URL", "S3-compatible endpoint (path-style)", false},
      {"--gcs-credentials", "FILE", "GCS service_account or authorized_user JSON", false},
      {"--anonymous", "", "send no credentials", false},
      {"--header", "'K: V'", "extra HTTP header (repeatable)", false},
      {"--cacert", "FILE", "CA bundle for TLS verification", false},
      {"--insecure", "", "do not verify TLS certificates", false},
      {"--option", "KEY=VALUE", "any other store option (repeatable)", false},
      {"--cache-dir", "DIR", "disk cache directory (default ~/.cache/nzview/chunks)", true},
      {"--cache-size", "SIZE", "disk cache budget, e.g. 4G (default; LRU beyond it)", true},
      {"--no-disk-cache", "", "do not read or write the disk cache", true},
      {"--offline", "", "use the disk cache alone; never touch the network", true},
  };
  return flags;
}

const StoreFlag* findStoreFlag(const std::string& name) {
  for (const StoreFlag& f : storeFlags())
    if (name == f.name) return &f;
  return nullptr;
}

void CacheFlags::applyTo(DiskCacheSettings& settings) const {
  if (dir) {
    settings.dir = *dir;
    settings.enabled = true;
  }
  if (budgetBytes) settings.budgetBytes = *budgetBytes;
  if (noDiskCache) settings.enabled = false;
  if (offline) settings.offline = true;
}

void applyStoreOptionKey(StoreOptions& o, const std::string& key, const std::string& value) {
  o.extra[key] = value;
  if (key == "aws_access_key_id" || key == "key") o.awsAccessKeyId = value;
  if (key == "aws_secret_access_key" || key == "secret") o.awsSecretAccessKey = value;
  if (key == "aws_session_token" || key == "token") o.awsSessionToken = value;
  if (key == "account_name") o.azureAccount = value;
  if (key == "account_key") o.azureKey = value;
  if (key == "sas_token") o.azureSas = value;
  if (key == "connection_string") o.azureConnectionString = value;
  if (key == "region" || key == "region_name") o.awsRegion = value;
  if (key == "endpoint_url") o.endpointUrl = value;
  if (key == "profile") o.awsProfile = value;
  if (key == "max_concurrency") {
    o.maxConcurrency =
        static_cast<int>(parseIntInRange(value, 1, 4096, "--option max_concurrency"));
  }
}

bool parseStoreFlag(const std::vector<std::string>& args, std::size_t& i, StoreOptions& o,
                    CacheFlags& cache) {
  std::string name = args[i];
  std::optional<std::string> inlineValue;
  if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
    inlineValue = name.substr(eq + 1);
    name.resize(eq);
  }
  const StoreFlag* flag = findStoreFlag(name);
  if (!flag) return false;
  if (!*flag->metavar) {
    if (inlineValue) throw Error(ErrorKind::InvalidArgument, "option " + name + " takes no value");
    if (name == "--anonymous") o.anonymous = true;
    if (name == "--insecure") o.insecure = true;
    if (name == "--no-disk-cache") cache.noDiskCache = true;
    if (name == "--offline") cache.offline = true;
    return true;
  }
  if (!inlineValue && i + 1 >= args.size())
    throw Error(ErrorKind::InvalidArgument, "option " + name + " needs a value");
  const std::string v = inlineValue ? *inlineValue : args[++i];
  if (name == "--azure-account") {
    o.azureAccount = v;
  } else if (name == "--azure-key") {
    o.azureKey = v;
  } else if (name == "--azure-sas") {
    o.azureSas = v;
  } else if (name == "--azure-connection-string") {
    o.azureConnectionString = v;
  } else if (name == "--azure-endpoint") {
    o.azureEndpoint = v;
  } else if (name == "--aws-profile") {
    o.awsProfile = v;
  } else if (name == "--aws-region") {
    o.awsRegion = v;
  } else if (name == "--endpoint-url") {
    o.endpointUrl = v;
  } else if (name == "--gcs-credentials") {
    o.gcsCredentialsFile = v;
  } else if (name == "--cacert") {
    o.caFile = v;
  } else if (name == "--header") {
    if (v.find(':') == std::string::npos)
      throw Error(ErrorKind::InvalidArgument, "--header needs the form 'Name: value'");
    o.headers.push_back(v);
  } else if (name == "--option") {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorKind::InvalidArgument, "--option needs the form key=value");
    applyStoreOptionKey(o, v.substr(0, eq), v.substr(eq + 1));
  } else if (name == "--cache-dir") {
    if (v.empty()) throw Error(ErrorKind::InvalidArgument, "--cache-dir needs a directory");
    cache.dir = v;
  } else if (name == "--cache-size") {
    cache.budgetBytes = parseByteSize(v, "--cache-size");
  }
  return true;
}

std::string storeFlagsHelp(std::size_t column) {
  std::string out;
  for (const StoreFlag& f : storeFlags()) {
    std::string left =
        std::string("  ") + f.name + (*f.metavar ? std::string(" ") + f.metavar : "");
    left += std::string(left.size() < column ? column - left.size() : 1, ' ');
    out += left + f.help + "\n";
  }
  return out;
}

}  // namespace nz
