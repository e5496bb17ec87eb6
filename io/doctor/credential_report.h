#pragma once
// The credential chain of a URI's scheme in the product's order, each source with what the
// doctor found: used, skipped (and why: flag not given, variable unset or empty, file or
// profile missing, tool not installed...), or not tried because an earlier one was used. It
// looks only at the presence of things, never prints a value that could be a secret.
#include <string>
#include <vector>

#include "store/store_options.h"
#include "uri/uri.h"

namespace nz::doctor {

struct CredentialCandidate {
  std::string name;  // "--azure-key", "AZURE_STORAGE_CONNECTION_STRING", "~/.aws/credentials"
  bool present = false;
  std::string why;  // when not present: the reason it is skipped
};

// The candidates in chain order for uri's scheme (empty for file/http: no chain).
std::vector<CredentialCandidate> credentialChain(const Uri& uri, const StoreOptions& options);

// The SAS that an Azure URI would use (explicit, URI query, connection string, environment),
// or empty. Only to read its se=/st= times.
std::string azureSasInUse(const Uri& uri, const StoreOptions& options);
// A query parameter (percent-decoded) of a SAS, or empty.
std::string sasParameter(const std::string& sas, const std::string& name);

}  // namespace nz::doctor
