#pragma once
// Which transfer starts next: transfers ready to start (first come, first served across hosts),
// retries waiting for their backoff, and the concurrency gates: the client's maxConcurrency
// and a per-host limit that adapts to what the host shows it can take.
//
// Per-host ramp (polite, adaptive bursts): a host nothing is known about gets
// initialHostConcurrency transfers at once (6, as browsers open per host), so a small server
// (Python's http.server: a listen backlog of 5, one connection per request) never sees a burst
// of connects overflow its accept queue, where each dropped SYN costs a 1 s retransmission.
// Once a host answers and keeps its connections alive (HTTP/1.1 keep-alive or HTTP/2: nginx,
// S3, GCS, Azure, CDNs), it gets the full maxConcurrency for the next wave. A host that closes
// every connection stays at the initial limit (each of its requests is a new connect). Congestion
// (a connect that took a SYN retransmission, connect failures and timeouts, resets, 429 and 503)
// halves the host's limit, at most once per round trip; it then grows back while the time to
// first byte of clean answers stays near the host's best: by slow start (doubling per round) up
// to half the limit that congested, by one per round above that. Congestion before any good
// answer (only the first burst was out) is followed by slow start up to the full limit.
// Internal to the HttpClient (its loop thread only).
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "http/transfer.h"

namespace nz::http {

// What one finished attempt tells about its host.
struct HostSignal {
  bool answered = false;    // an HTTP status arrived (any, 429/503 included)
  bool keepsAlive = false;  // ... and the connection stays open (HTTP/1.1 keep-alive, HTTP/2)
  bool congested = false;   // lost SYN, connect failure/timeout, reset, 429, 503
  double ttfbSeconds = -1;  // request sent -> first response byte (-1: unknown)
};

class TransferScheduler {
 public:
  TransferScheduler(int maxConcurrency, int initialHostConcurrency, bool adaptive);

  void enqueue(TransferPtr t);  // ready now (after any earlier ones)
  void enqueueRetry(TransferPtr t, double delaySeconds);
  void promoteDue(Clock::time_point now);    // retries whose backoff is over become ready
  std::vector<TransferPtr> takeCancelled();  // waiting or delayed ones whose token fired
  std::vector<TransferPtr> takeAll();        // shutdown

  // The next transfer allowed to start (oldest first among hosts below their limit), or nullptr.
  TransferPtr next();
  // Bookkeeping of transfers in flight (an attempt or a redirect hop), by t.origin.
  void started(const Transfer& t);
  void ended(const Transfer& t, const HostSignal& signal = {});

  int inFlight() const { return inFlight_; }
  int peakInFlight() const { return peakInFlight_; }
  // Whether an answer already showed if the origin keeps connections alive.
  bool hostLearnt(const std::string& origin) const;
  // The current limit for an origin (maxConcurrency when not adaptive).
  int hostLimit(const std::string& origin) const;

  // How long the loop may sleep: short while anything is pending, until the next retry, and
  // zero when a ready transfer may start.
  long pollTimeoutMs(Clock::time_point now) const;

 private:
  struct Host {
    double limit = 1;
    int inFlight = 0;
    bool learnt = false;  // an answer said whether the host keeps connections alive
    double bestTtfb = std::numeric_limits<double>::infinity();
    Clock::time_point lastBackoff{};
    double slowStartUntil = 0;        // below this limit, clean answers grow it by one each
    std::deque<TransferPtr> waiting;  // ready to start, FIFO
  };
  Host& host(const std::string& origin);
  bool hostMayStart(const Host& h) const;
  bool anyMayStart() const;

  int maxConcurrency_;
  int initialHostConcurrency_;
  bool adaptive_;
  int inFlight_ = 0;
  int peakInFlight_ = 0;
  std::uint64_t sequence_ = 0;  // arrival order across hosts
  std::map<std::string, Host> hosts_;
  std::vector<TransferPtr> delayed_;  // retries waiting for their backoff
};

}  // namespace nz::http
