// libFuzzer target: Azure connection-string parsing (io/cloud/azure_credentials.h) and the
// redaction of connection strings in free text (io/uri/uri.h).
// Property: when the parse finds an AccountKey (long and unique enough to look for, and not
// itself containing the placeholder "REDACTED"), the redacted text does not contain it
// (secrets never reach messages).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cloud/azure_credentials.h"
#include "core/error.h"
#include "fuzz_common.h"
#include "uri/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = nzfuzz::asString(data, size);
  const std::string redacted = nz::redactSecrets(text);
  try {
    const nz::AzureConnectionString cs = nz::parseAzureConnectionString(text, "fuzz input");
    const std::string& key = cs.accountKey;
    const bool unique = text.find(key) != std::string::npos && text.find(key) == text.rfind(key);
    const bool placeholder = key.find("REDACTED") != std::string::npos;
    if (key.size() >= 12 && unique && !placeholder &&
        text.find("AccountKey=" + key) != std::string::npos &&
        redacted.find(key) != std::string::npos) {
      std::abort();  // secret leaked through redactSecrets
    }
  } catch (const nz::Error&) {
  }
  return 0;
}
