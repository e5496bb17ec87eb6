#include "cli/cli_options.h"

#include <iostream>
#include <sstream>

#include "cache/cache_config.h"
#include "core/error.h"
#include "core/parse_number.h"
#include "open/store_flags.h"
#include "uri/uri.h"
#include "zarr/codec_registry.h"

namespace nzcli {

namespace {

using nz::Error;
using nz::ErrorKind;

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
  nz::CacheFlags cache;
  if (!nz::parseStoreFlag(args, i, o, cache)) return false;
  // Each cache flag applies over the environment's settings (or the earlier flags').
  if (cache.any())
    cache.applyTo(o.diskCache ? *o.diskCache : o.diskCache.emplace(nz::diskCacheFromEnvironment()));
  return true;
}

std::string storeOptionsHelp() {
  std::ostringstream s;
  s << "Credential and cache options (explicit flags win over the environment, then config\n"
       "files, then anonymous; the disk cache is described in the README, \"Disk cache\"):\n";
  s << nz::storeFlagsHelp(34);
  s << "\nLimits (--option KEY=VALUE): http.stall_timeout=30, http.min_speed=256 (bytes/s),\n"
       "http.deadline=600, http.max_retry_time=60, http.max_retry_after=30 (seconds),\n"
       "http.max_body_bytes, metadata.max_bytes=16777216, json.max_depth=128,\n"
       "nifti.max_header_bytes=67108864. Per-host ramp: http.initial_host_concurrency=6,\n"
       "http.adaptive=1 (0: every host gets max_concurrency at once), http.warm_connections=32\n"
       "(pre-connect N connections to a keep-alive http host after its first answer; 0: off),\n"
       "http.first_burst=1 (complete an http host's first burst of connects with spares).\n";
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

std::string withCodecLists(std::string text) {
  const std::pair<std::string, std::string> lists[] = {
      {"{compressors}", nz::joinWritableCompressors("|")},
      {"{compressors-or}", nz::joinWritableCompressors(", ", " or ")}};
  for (const auto& [token, list] : lists)
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at))
      text.replace(at, token.size(), list);
  return text;
}

std::string OptionParser::help(const std::string& usage, const std::string& description) const {
  std::ostringstream s;
  s << "Usage: " << withCodecLists(usage) << "\n\n"
    << withCodecLists(description) << "\n\nOptions:\n";
  for (const auto& o : options_) {
    std::string left = "  " + o.name + (o.alias.empty() ? "" : ", " + o.alias) +
                       (o.takesValue ? " " + o.metavar : "");
    s << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << withCodecLists(o.help)
      << "\n";
  }
  s << "  --help" << std::string(28, ' ') << "this help\n\n" << storeOptionsHelp();
  return s.str();
}

int runOneOperandCommand(const OptionParser& parser, const char* usage, const char* description,
                         const std::string& operand, const Args& args,
                         const std::function<int(const ParsedArgs&)>& run) {
  try {
    const ParsedArgs a = parser.parse(args);
    if (a.help) {
      std::cout << parser.help(usage, description);
      return 0;
    }
    if (a.positional.size() != 1) {
      const std::string& cmd = parser.command();
      throw Error(ErrorKind::InvalidArgument,
                  cmd + (a.positional.empty() ? " needs a " : " takes one ") + operand +
                      " (see nzview-cli " + cmd + " --help)");
    }
    return run(a);
  } catch (const std::exception& e) {
    return reportError(e);
  }
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
      std::string message = option + " needs " + std::to_string(count);
      message += " comma-separated integers from -2^40 to 2^40, got '" + text + "'";
      throw Error(ErrorKind::InvalidArgument, message);
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
