#include "core/json_parse.h"

#include "core/error.h"
#include "core/limits.h"

namespace nz {

std::size_t jsonNestingDepth(std::string_view text, std::size_t stopAt) {
  std::size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest >= stopAt) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

namespace {

std::string checkBounds(std::string_view text, const std::string& what) {
  const InputLimits limits = inputLimits();
  if (text.size() > limits.metadataMaxBytes) {
    return what + ": JSON of " + std::to_string(text.size()) + " bytes is larger than the " +
           std::to_string(limits.metadataMaxBytes) +
           "-byte limit (raise it with --option metadata.max_bytes=N)";
  }
  const auto maxDepth = static_cast<std::size_t>(limits.jsonMaxDepth);
  if (jsonNestingDepth(text, maxDepth + 1) > maxDepth) {
    return what + ": JSON nested deeper than " + std::to_string(maxDepth) +
           " levels (raise the limit with --option json.max_depth=N)";
  }
  return {};
}

template <typename Json>
Json parseChecked(std::string_view text, const std::string& what) {
  if (auto problem = checkBounds(text, what); !problem.empty())
    throw Error(ErrorKind::InvalidData, problem);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::InvalidData, what + ": malformed JSON (" + e.what() + ")");
  }
}

}  // namespace

nlohmann::json parseJson(std::string_view text, const std::string& what) {
  return parseChecked<nlohmann::json>(text, what);
}

nlohmann::ordered_json parseOrderedJson(std::string_view text, const std::string& what) {
  return parseChecked<nlohmann::ordered_json>(text, what);
}

std::optional<nlohmann::json> tryParseJson(std::string_view text, const std::string& what,
                                           std::string* error) {
  try {
    return parseJson(text, what);
  } catch (const Error& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

std::string toValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF (nlohmann does too).
      std::uint32_t cp = c & (0x7F >> len);
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
      const std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= minimum[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));  // the byte as Latin-1
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      ++i;
    }
  }
  return out;
}

}  // namespace nz
