// libFuzzer target: URI parsing (every scheme), redaction, percent encoding (io/uri/uri.h).
// Property checked beyond "no crash": percentDecode(percentEncode(s)) == s (object keys with
// any bytes survive the trip to a URL and back).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "fuzz_common.h"
#include "uri/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = nzfuzz::asString(data, size);
  try {
    const nz::Uri uri = nz::parseUri(text);
    (void)nz::schemeName(uri.scheme);
    (void)uri.redacted();
    (void)uri.basename();
  } catch (const nz::Error&) {
  }
  (void)nz::redactSecrets(text);
  for (bool keepSlash : {false, true}) {
    if (nz::percentDecode(nz::percentEncode(text, keepSlash)) != text) std::abort();
  }
  try {
    (void)nz::percentDecode(text);
  } catch (const nz::Error&) {
  }
  return 0;
}
