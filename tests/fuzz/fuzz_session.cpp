// libFuzzer target: the three parsers a stranger's text reaches through "Open session", a
// clicked link or a pasted Neuroglancer URL (io/session). Every input goes through all three.
// Properties beyond "no crash": whatever parses survives its own writer (session file, both
// link forms, Neuroglancer export) unchanged in its layers, and no written form keeps a query
// string or userinfo password of a layer URI.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "fuzz_common.h"
#include "session/neuroglancer.h"
#include "session/session.h"
#include "session/session_link.h"
#include "session/shareable_uri.h"

namespace {

void checkRoundTrips(const nz::Session& s) {
  const nz::Session again = nz::parseSession(nz::sessionJson(s), "again.json");
  if (again.layers.size() != s.layers.size()) std::abort();
  for (std::size_t i = 0; i < s.layers.size(); ++i)
    if (again.layers[i].uri != nz::shareableUri(s.layers[i].uri)) std::abort();
  for (const std::string& link : {nz::sessionLinkReadable(s), nz::sessionLinkCompact(s)}) {
    const nz::Session back = nz::parseSessionLink(link);
    if (back.layers.size() != s.layers.size()) std::abort();
    for (std::size_t i = 0; i < s.layers.size(); ++i)
      if (back.layers[i].uri != again.layers[i].uri || back.layers[i].kind != s.layers[i].kind)
        std::abort();
  }
  (void)nz::neuroglancerExport(s, "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = nzfuzz::asString(data, size);
  (void)nz::looksLikeSession(text);
  (void)nz::looksLikeNeuroglancer(text);
  (void)nz::shareableUri(text);
  try {
    checkRoundTrips(nz::parseSession(text, "fuzz.nzview.json"));
  } catch (const nz::Error&) {
  }
  try {
    checkRoundTrips(nz::parseSessionLink(text));
  } catch (const nz::Error&) {
  }
  try {
    checkRoundTrips(nz::parseNeuroglancerState(text, "fuzz state").session);
  } catch (const nz::Error&) {
  }
  return 0;
}
