#pragma once
// Helpers for the convert tests: temp folders, the manifest, running the Python oracle,
// comparing volumes, peak RSS.
#include <sys/resource.h>

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dataset/dataset.h"

namespace nzconv {

inline std::string refdir() { return std::string(NZ_TEST_DATA_DIR) + "/refdata"; }

inline nlohmann::json manifest() {
  std::ifstream f(refdir() + "/manifest.json");
  return nlohmann::json::parse(f);
}

// Peak resident set size of this process so far, in bytes.
inline std::uint64_t peakRssBytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
}

// Runs tests/convert/check_v2.py; returns its JSON line (empty object on a crash).
inline nlohmann::json runOracle(const QStringList& args, int* exitCode) {
  QProcess p;
  p.start(NZ_PYTHON, QStringList{QString(NZ_CONVERT_TEST_DIR) + "/check_v2.py"} + args);
  p.waitForFinished(120000);
  *exitCode = p.exitCode();
  const QByteArray out = p.readAllStandardOutput().trimmed();
  if (out.isEmpty()) {
    qWarning() << p.readAllStandardError();
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(out.toStdString(), nullptr, false);
}

// Max |a-b| over finite pairs; NaN positions must agree (else returns +inf).
inline double maxAbsDiff(const nz::Volume& a, const nz::Volume& b) {
  if (a.shape != b.shape) return INFINITY;
  double m = 0;
  const std::size_t n = a.voxelCount();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = nz::readAsDouble(a.data.data(), a.dtype, i);
    const double y = nz::readAsDouble(b.data.data(), b.dtype, i);
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) != std::isnan(y)) return INFINITY;
      continue;
    }
    m = std::max(m, std::fabs(x - y));
  }
  return m;
}

inline nz::Box wholeBox(const nz::LevelInfo& l) {
  nz::Box b;
  b.end = l.shape;
  return b;
}

}  // namespace nzconv
