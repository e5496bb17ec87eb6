#include "cli/cli_options.h"

#include <iostream>
#include <sstream>

#include "cache/cache_config.h"
#include "core/error.h"
#include "core/parse_number.h"
#include "uri/uri.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

struct CredFlag {
  const char* name;
  const char* metavar;
  const char* help;
};

constexpr CredFlag kCredFlags[] = {
    {"--azure-account", "NAME", "Azure storage account name"},
    {"--azure-key", "KEY", "Azure storage account key"},
    {"--azure-sas", "TOKEN", "Azure SAS token"},
    {"--azure-connection-string", "STR", "Azure connection string"},
    {"--azure-endpoint", "URL", "Azure blob endpoint (e.g. Azurite)"},
    {"--aws-profile", "NAME", "profile in ~/.aws/credentials and ~/.aws/config"},
    {"--aws-region", "REGION", "AWS region"},
    {"--endpoint-url", "URL", "S3-compatible endpoint (path-style)"},
    {"--gcs-credentials", "FILE", "GCS service_account or authorized_user JSON"},
    {"--anonymous", "", "send no credentials"},
    {"--header", "'K: V'", "extra HTTP header (repeatable)"},
    {"--cacert", "FILE", "CA bundle for TLS verification"},
    {"--insecure", "", "do not verify TLS certificates"},
    {"--option", "KEY=VALUE", "any other store option (repeatable)"},
    {"--cache-dir", "DIR", "disk cache directory (default ~/.cache/nzview/chunks)"},
    {"--cache-size", "SIZE", "disk cache budget, e.g. 4G (default; LRU beyond it)"},
    {"--no-disk-cache", "", "do not read or write the disk cache"},
    {"--offline", "", "use the disk cache alone; never touch the network"},
};

// Splits "--name=value"; returns the name part.
std::string flagName(const std::string& arg, std::optional<std::string>& inlineValue) {
  auto eq = arg.find('=');
  if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
    inlineValue = arg.substr(eq + 1);
    return arg.substr(0, eq);
  }
  inlineValue.reset();
  return arg;
}

std::string takeValue(const Args& args, std::size_t& i, const std::string& name,
                      const std::optional<std::string>& inlineValue) {
  if (inlineValue) return *inlineValue;
  if (i + 1 >= args.size())
    throw Error(ErrorKind::InvalidArgument, "option " + name + " needs a value");
  return args[++i];
}

void applyExtra(nz::StoreOptions& o, const std::string& key, const std::string& value) {
  o.extra[key] = value;
  // Well-known keys also fill the typed fields (fsspec / TorchIO reader_kwargs names).
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
        static_cast<int>(nz::parseIntInRange(value, 1, 4096, "--option max_concurrency"));
  }
}

}  // namespace

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

long long ParsedArgs::intValue(const std::string& name, long long fallback, long long min,
                               long long max) const {
  auto v = value(name);
  if (!v) return fallback;
  // The whole text, in range: "4294967297" is never level 1, "99999999999" never wraps.
  return nz::parseIntInRange(*v, min, max, name);
}

double ParsedArgs::doubleValue(const std::string& name, double fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    double r = std::stod(*v, &used);
    if (used == v->size()) return r;
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::InvalidArgument, name + " needs a number, got '" + *v + "'");
}

bool parseStoreOption(const Args& args, std::size_t& i, nz::StoreOptions& o) {
  std::optional<std::string> inl;
  std::string name = flagName(args[i], inl);
  bool known = false;
  for (const auto& f : kCredFlags) known = known || name == f.name;
  if (!known) return false;
  if (name == "--no-disk-cache" || name == "--offline") {
    if (inl) throw Error(ErrorKind::InvalidArgument, "option " + name + " takes no value");
    auto& c = o.diskCache ? *o.diskCache : o.diskCache.emplace(nz::diskCacheFromEnvironment());
    if (name == "--offline")
      c.offline = true;
    else
      c.enabled = false;
    return true;
  }
  if (name == "--cache-dir" || name == "--cache-size") {
    const std::string v = takeValue(args, i, name, inl);
    auto& c = o.diskCache ? *o.diskCache : o.diskCache.emplace(nz::diskCacheFromEnvironment());
    if (name == "--cache-dir") {
      if (v.empty()) throw Error(ErrorKind::InvalidArgument, "--cache-dir needs a directory");
      c.dir = v;
      c.enabled = true;  // naming a directory asks for the cache, even where it is off
    } else {
      c.budgetBytes = nz::parseByteSize(v, "--cache-size");
    }
    return true;
  }
  if (name == "--anonymous" || name == "--insecure") {
    if (inl) throw Error(ErrorKind::InvalidArgument, "option " + name + " takes no value");
    (name == "--anonymous" ? o.anonymous : o.insecure) = true;
    return true;
  }
  std::string v = takeValue(args, i, name, inl);
  if (name == "--azure-account")
    o.azureAccount = v;
  else if (name == "--azure-key")
    o.azureKey = v;
  else if (name == "--azure-sas")
    o.azureSas = v;
  else if (name == "--azure-connection-string")
    o.azureConnectionString = v;
  else if (name == "--azure-endpoint")
    o.azureEndpoint = v;
  else if (name == "--aws-profile")
    o.awsProfile = v;
  else if (name == "--aws-region")
    o.awsRegion = v;
  else if (name == "--endpoint-url")
    o.endpointUrl = v;
  else if (name == "--gcs-credentials")
    o.gcsCredentialsFile = v;
  else if (name == "--cacert")
    o.caFile = v;
  else if (name == "--header") {
    if (v.find(':') == std::string::npos)
      throw Error(ErrorKind::InvalidArgument, "--header needs the form 'Name: value'");
    o.headers.push_back(v);
  } else if (name == "--option") {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorKind::InvalidArgument, "--option needs the form key=value");
    applyExtra(o, v.substr(0, eq), v.substr(eq + 1));
  }
  return true;
}

std::string storeOptionsHelp() {
  std::ostringstream s;
  s << "Credential and cache options (explicit flags win over the environment, then config\n"
       "files, then anonymous; the disk cache is described in the README, \"Disk cache\"):\n";
  for (const auto& f : kCredFlags) {
    std::string left =
        std::string("  ") + f.name + (f.metavar[0] ? std::string(" ") + f.metavar : "");
    s << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << f.help << "\n";
  }
  s << "\nLimits (--option KEY=VALUE): http.stall_timeout=30, http.min_speed=256 (bytes/s),\n"
       "http.deadline=600, http.max_retry_time=60, http.max_retry_after=30 (seconds),\n"
       "http.max_body_bytes, metadata.max_bytes=16777216, json.max_depth=128,\n"
       "nifti.max_header_bytes=67108864.\n";
  return s.str();
}

OptionParser::OptionParser(std::string command, std::vector<OptionSpec> options)
    : command_(std::move(command)), options_(std::move(options)) {}

const OptionSpec* OptionParser::find(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

ParsedArgs OptionParser::parse(const Args& args) const {
  ParsedArgs r;
  bool onlyPositional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (onlyPositional || a.empty() || a[0] != '-' || a == "-") {
      r.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      onlyPositional = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      r.help = true;
      continue;
    }
    if (parseStoreOption(args, i, r.store)) continue;
    std::optional<std::string> inl;
    std::string name = flagName(a, inl);
    const OptionSpec* spec = find(name);
    if (!spec) {
      // Numbers like "-5" are not options only where a value is expected; here it is unknown.
      throw Error(ErrorKind::InvalidArgument, "unknown option '" + name + "' for '" + command_ +
                                                  "' (see nzview-cli " + command_ + " --help)");
    }
    if (spec->takesValue) {
      r.values[spec->name] = takeValue(args, i, name, inl);
    } else {
      if (inl) throw Error(ErrorKind::InvalidArgument, "option " + name + " takes no value");
      r.flags[spec->name]++;
    }
  }
  return r;
}

std::string OptionParser::help(const std::string& usage, const std::string& description) const {
  std::ostringstream s;
  s << "Usage: " << usage << "\n\n" << description << "\n\nOptions:\n";
  for (const auto& o : options_) {
    std::string left = "  " + o.name + (o.alias.empty() ? "" : ", " + o.alias) +
                       (o.takesValue ? " " + o.metavar : "");
    s << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << o.help << "\n";
  }
  s << "  --help" << std::string(28, ' ') << "this help\n\n" << storeOptionsHelp();
  return s.str();
}

std::vector<long long> parseIntList(const std::string& text, std::size_t count,
                                    const std::string& option) {
  std::vector<long long> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    // Bounded so that sums and products of these numbers (boxes, voxel counts) cannot wrap.
    constexpr long long kLimit = 1LL << 40;
    try {
      out.push_back(nz::parseIntInRange(part, -kLimit, kLimit, option));
    } catch (const Error&) {
      throw Error(ErrorKind::InvalidArgument,
                  option + " needs " + std::to_string(count) +
                      " comma-separated integers from -2^40 to 2^40, got '" + text + "'");
    }
  }
  if (out.size() != count)
    throw Error(ErrorKind::InvalidArgument, option + " needs " + std::to_string(count) +
                                                " comma-separated integers, got '" + text + "'");
  return out;
}

int reportError(const std::exception& e) {
  std::string msg = nz::redactSecrets(e.what());
  for (auto& c : msg)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "nzview-cli: " << msg << "\n";
  if (const auto* ne = dynamic_cast<const nz::Error*>(&e)) {
    switch (ne->kind()) {
      case ErrorKind::InvalidArgument:
        return 2;
      case ErrorKind::Cancelled:
        return 130;
      default:
        return 1;
    }
  }
  return 1;
}

}  // namespace nzcli
