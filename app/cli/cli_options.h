#pragma once
// Command-line parsing shared by every nzview-cli subcommand: the credential flags (which
// mirror the open dialog) become an nz::StoreOptions; command options are declared per
// command. Values are never echoed in errors (they may be secrets).
//
//   nzcli::OptionParser p("export", {{"-o", true, "OUT"}, {"--dry-run", false, ""}});
//   nzcli::ParsedArgs a = p.parse(args);          // throws nz::Error(InvalidArgument)
//   if (a.help) { std::cout << p.help(kSummary); return 0; }
//   auto ds = nz::openDataset(a.positional[0], a.store);
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "store/store_options.h"

namespace nzcli {

struct OptionSpec {
  std::string name;  // "--level" or "-o"
  bool takesValue = false;
  std::string metavar;  // "N", "FILE" (help text)
  std::string help;     // one line
  std::string alias;    // e.g. "--output" for "-o"
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // by OptionSpec::name; last occurrence wins
  std::map<std::string, int> flags;           // flag name -> count
  nz::StoreOptions store;
  bool help = false;

  bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
  std::optional<std::string> value(const std::string& name) const;
  // Typed accessors: throw nz::Error(InvalidArgument) naming the option.
  // The value of `name` as a whole number in [min, max] (an error naming the option and the
  // range otherwise), or `fallback` when absent.
  long long intValue(const std::string& name, long long fallback, long long min = -(1LL << 40),
                     long long max = 1LL << 40) const;
  double doubleValue(const std::string& name, double fallback) const;
};

// Consumes one credential flag at args[i] (advancing i past its value). Returns false when
// args[i] is not a credential flag. Accepts "--flag value" and "--flag=value".
bool parseStoreOption(const Args& args, std::size_t& i, nz::StoreOptions& options);
// Help lines for the credential flags.
std::string storeOptionsHelp();

class OptionParser {
 public:
  OptionParser(std::string command, std::vector<OptionSpec> options);
  ParsedArgs parse(const Args& args) const;
  // "Usage: nzview-cli CMD ..." + the command's options + the credential flags.
  std::string help(const std::string& usage, const std::string& description) const;
  const std::string& command() const { return command_; }

 private:
  const OptionSpec* find(const std::string& name) const;
  std::string command_;
  std::vector<OptionSpec> options_;
};

// `text` with {compressors} replaced by the codec registry's writable compressors
// ("blosc|zstd|gzip|none") and {compressors-or} by "blosc, zstd, gzip or none": help texts list
// them from io/zarr/codec_registry.h, never by hand.
std::string withCodecLists(std::string text);

// The shape of the commands that take one operand (info URI, doctor URI, manifest DIR): parses
// `args`, prints --help (exit 0), requires exactly one positional operand ("info needs a URI",
// "info takes one URI", naming --help), runs `run(parsed)`, and turns any exception into one
// line on stderr with reportError's exit code. `operand` names it in messages ("URI").
int runOneOperandCommand(const OptionParser& parser, const char* usage, const char* description,
                         const std::string& operand, const Args& args,
                         const std::function<int(const ParsedArgs&)>& run);

// Parses "a,b,c" into integers (exactly `count`). Throws nz::Error(InvalidArgument).
std::vector<long long> parseIntList(const std::string& text, std::size_t count,
                                    const std::string& option);

// Prints "nzview-cli: <message>" as one line on stderr (newlines folded) and returns the exit
// code for the error kind.
int reportError(const std::exception& e);

}  // namespace nzcli
