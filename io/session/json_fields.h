#pragma once
// Typed reads of JSON fields for the session, link and Neuroglancer parsers: each failure is
// one nz::Error(InvalidData) "<what>: <path>: <problem>", so a user sees which field is wrong.
// Templates over nlohmann::json and nlohmann::ordered_json (Neuroglancer's `dimensions` keep
// their order).
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace nz::session_detail {

// Largest absolute world coordinate accepted (mm): 1000 km, far beyond any scanner.
constexpr double kMaxMm = 1e9;
// Longest URI or path accepted anywhere in a session or link.
constexpr std::size_t kMaxUriBytes = 8192;
constexpr std::size_t kMaxNameBytes = 1000;

[[noreturn]] inline void fail(const std::string& what, const std::string& path,
                              const std::string& problem) {
  throw Error(ErrorKind::InvalidData, what + ": " + path + ": " + problem);
}

template <class J>
const J* member(const J& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

template <class J>
double number(const J& v, const std::string& what, const std::string& path) {
  if (!v.is_number()) fail(what, path, "must be a number");
  const double d = v.template get<double>();
  if (!std::isfinite(d)) fail(what, path, "must be a finite number");
  return d;
}

template <class J>
double numberIn(const J& v, double lo, double hi, const std::string& what,
                const std::string& path) {
  const double d = v.is_number() ? v.template get<double>() : NAN;
  if (!(d >= lo && d <= hi)) {
    char range[96];
    std::snprintf(range, sizeof range, "must be a number in [%g, %g]", lo, hi);
    fail(what, path, range);
  }
  return d;
}

template <class J>
std::int64_t integerIn(const J& v, std::int64_t lo, std::int64_t hi, const std::string& what,
                       const std::string& path) {
  std::int64_t i = 0;
  bool ok = false;
  if (v.is_number_unsigned()) {
    const auto u = v.template get<std::uint64_t>();
    ok = u <= static_cast<std::uint64_t>(INT64_MAX);
    i = static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    i = v.template get<std::int64_t>();
    ok = true;
  }
  if (!ok || i < lo || i > hi)
    fail(what, path,
         "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return i;
}

template <class J>
bool boolean(const J& v, const std::string& what, const std::string& path) {
  if (!v.is_boolean()) fail(what, path, "must be true or false");
  return v.template get<bool>();
}

// A string of at most maxBytes bytes without NUL.
template <class J>
std::string stringField(const J& v, std::size_t maxBytes, const std::string& what,
                        const std::string& path) {
  if (!v.is_string()) fail(what, path, "must be a string");
  const auto& s = v.template get_ref<const std::string&>();
  if (s.size() > maxBytes)
    fail(what, path,
         "is " + std::to_string(s.size()) + " bytes (at most " + std::to_string(maxBytes) + ")");
  if (s.find('\0') != std::string::npos) fail(what, path, "contains a NUL byte");
  return s;
}

template <class J>
std::array<double, 3> point3(const J& v, const std::string& what, const std::string& path) {
  if (!v.is_array() || v.size() != 3) fail(what, path, "must be an array of 3 numbers (mm)");
  std::array<double, 3> p{};
  for (std::size_t i = 0; i < 3; ++i)
    p[i] = numberIn(v[i], -kMaxMm, kMaxMm, what, path + "[" + std::to_string(i) + "]");
  return p;
}

}  // namespace nz::session_detail
