#pragma once
// What the bad-input tests (tests/io/tst_reader_bad_input, tests/hardening) share: a refdata
// group copied into a MemoryStore to break, JSON edits of its metadata, and a check that a call
// fails with one nz::Error whose message names what it should. Header-only.
#include <QtGlobal>

#include <functional>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.h"
#include "io/io_test_util.h"
#include "store/memory_store.h"

namespace nztest {

// tests/data/refdata/NAME.nii.zarr in a MemoryStore described as "PREFIX-NAME".
inline std::shared_ptr<nz::MemoryStore> refdataCopy(const std::string& name,
                                                    const std::string& prefix) {
  auto s = std::make_shared<nz::MemoryStore>(prefix + "-" + name);
  loadDir(dataDir() + "/refdata/" + name + ".nii.zarr", *s);
  return s;
}

inline std::string textOf(nz::MemoryStore& s, const std::string& key) {
  const nz::ReadResult r = s.read(key);
  return std::string(r.data.begin(), r.data.end());
}

inline void editJson(nz::MemoryStore& s, const std::string& key,
                     const std::function<void(nlohmann::json&)>& f) {
  nlohmann::json j = nlohmann::json::parse(textOf(s, key));
  f(j);
  s.put(key, j.dump());
}

// Runs `f`, expecting an nz::Error (of `kind` when given) whose message contains every `parts`
// entry; says what came instead.
template <typename F>
bool expectErrorOf(F&& f, std::optional<nz::ErrorKind> kind,
                   std::initializer_list<const char*> parts) {
  try {
    f();
  } catch (const nz::Error& e) {
    const std::string msg = e.what();
    bool ok = !kind || e.kind() == *kind;
    for (const char* p : parts) ok = ok && msg.find(p) != std::string::npos;
    if (!ok) qWarning("unexpected error (%s): %s", nz::errorKindName(e.kind()), msg.c_str());
    return ok;
  } catch (const std::exception& e) {
    qWarning("not an nz::Error: %s", e.what());
    return false;
  }
  qWarning("no error thrown");
  return false;
}

}  // namespace nztest
