#pragma once
// Where credentials come from on this machine: environment variables, the home directory and
// small text files (~/.aws/credentials, service-account keys), shown as "~/..." in messages.
#include <optional>
#include <string>

namespace nz::cloud {

// Environment variable or nullopt when unset or empty.
std::optional<std::string> env(const char* name);
std::string homeDir();
// Whole file, or nullopt when it cannot be opened.
std::optional<std::string> readTextFile(const std::string& path);
// Replaces a leading "$HOME" prefix by "~" for messages.
std::string tildePath(const std::string& path);

}  // namespace nz::cloud
