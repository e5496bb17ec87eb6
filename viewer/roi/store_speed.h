#pragma once
// How fast the open store answers, measured from the viewer's chunk loader while it is busy:
// the mean time one request is in flight (Little's law: requests in flight / completions per
// second) and the stored bytes per second. Idle seconds (nothing completed) change nothing, so
// the numbers are kept while the user looks at the panel instead of decaying to zero. The
// export estimate is a range: from "latency and transfer overlap" (the larger of the two) to
// "they add up" (their sum).
#include <cstdint>
#include <utility>

#include "loader/loader_metrics.h"
#include "roi/export_plan.h"

namespace nzviewer {

class StoreSpeed {
 public:
  void reset();
  // One reading of the loader's counters at `seconds` (any monotonic clock). A loader that
  // restarted (a new dataset: counters went down) starts a new measurement.
  void sample(const nz::LoaderMetrics& m, double seconds);

  bool measured() const { return busySeconds_ > 0; }
  double latencySeconds() const { return latency_; }    // per request (0 until measured)
  double bytesPerSecond() const { return bandwidth_; }  // stored bytes (0 until measured)
  // Decoded voxel bytes per stored byte seen so far (>= 1; 1 until measured).
  double decodedPerStored() const { return ratio_; }

  // The model planExport uses (measured values, or defaults: local files ~ a fast disk,
  // remote stores 50 ms and 100 MB/s).
  nz::ThroughputModel model(bool local) const;
  // Seconds an export of `plan` should take, fastest and slowest, with `inFlight` requests at
  // a time (the export loader's default is 128).
  std::pair<double, double> range(const nz::ExportPlan& plan, bool local, int inFlight = 128) const;

 private:
  bool havePrev_ = false;
  nz::LoaderMetrics prev_;
  double prevSeconds_ = 0;
  double busySeconds_ = 0;
  double latency_ = 0, bandwidth_ = 0, ratio_ = 1;
};

}  // namespace nzviewer
