#pragma once
// nzview-cli subcommands. Each takes the arguments after the subcommand name and returns the
// process exit code; errors are printed as one line on stderr.
#include <string>
#include <vector>

namespace nzcli {

using Args = std::vector<std::string>;

int cmdInfo(const Args& args);
int cmdExport(const Args& args);
int cmdConvert(const Args& args);
int cmdManifest(const Args& args);
int cmdDoctor(const Args& args);
int cmdPrefetch(const Args& args);  // cmd_prefetch.cpp
int cmdCache(const Args& args);     // cmd_prefetch.cpp
int cmdStats(const Args& args);     // cmd_stats.cpp

}  // namespace nzcli
