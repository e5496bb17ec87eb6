#include "viewer/roi/store_speed.h"

#include <algorithm>
#include <cmath>

namespace nzviewer {

namespace {
// Weight of a new busy second against what was measured before (smooths bursts, follows a
// store that got slower within a few seconds of work).
constexpr double kNewWeight = 0.3;
}  // namespace

void StoreSpeed::reset() { *this = StoreSpeed{}; }

void StoreSpeed::sample(const nz::LoaderMetrics& m, double seconds) {
  if (havePrev_ && (m.completed < prev_.completed || m.bytesFetched < prev_.bytesFetched))
    reset();  // a new loader (another dataset)
  if (!havePrev_) {
    prev_ = m;
    prevSeconds_ = seconds;
    havePrev_ = true;
    return;
  }
  const double dt = seconds - prevSeconds_;
  const auto done = static_cast<double>(m.completed - prev_.completed);
  const auto bytes = static_cast<double>(m.bytesFetched - prev_.bytesFetched);
  const auto decoded = static_cast<double>(m.bytesDecoded - prev_.bytesDecoded);
  if (dt > 0 && done > 0) {
    // Requests in flight over the interval: the mean of both ends, at least one (a request
    // completed, so one was running).
    const double inFlight =
        std::max(1.0, (static_cast<double>(prev_.inFlight) + static_cast<double>(m.inFlight)) / 2);
    const double latency = inFlight * dt / done;
    const double bandwidth = bytes / dt;
    const double w = busySeconds_ > 0 ? kNewWeight : 1.0;
    latency_ = (1 - w) * latency_ + w * latency;
    bandwidth_ = (1 - w) * bandwidth_ + w * bandwidth;
    if (bytes > 0 && decoded > 0) ratio_ = (1 - w) * ratio_ + w * std::max(1.0, decoded / bytes);
    busySeconds_ += dt;
  }
  prev_ = m;
  prevSeconds_ = seconds;
}

nz::ThroughputModel StoreSpeed::model(bool local) const {
  nz::ThroughputModel t;
  if (local) {
    t.roundTripSeconds = 0;
    t.bytesPerSecond = 1e9;
  }
  if (measured()) {
    t.roundTripSeconds = latency_;
    if (bandwidth_ > 0) t.bytesPerSecond = bandwidth_ * ratio_;  // planExport counts decoded bytes
  }
  return t;
}

std::pair<double, double> StoreSpeed::range(const nz::ExportPlan& plan, bool local,
                                            int inFlight) const {
  const nz::ThroughputModel t = model(local);
  const double waves = std::ceil(static_cast<double>(plan.chunks) / std::max(inFlight, 1));
  const double wait = t.roundTripSeconds * waves;
  const double transfer =
      static_cast<double>(plan.bytesToFetchEstimate) / std::max(t.bytesPerSecond, 1.0);
  return {std::max(wait, transfer), wait + transfer};
}

}  // namespace nzviewer
