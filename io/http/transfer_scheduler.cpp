#include "http/transfer_scheduler.h"

#include <algorithm>
#include <cmath>

namespace nz::http {

namespace {
// A clean answer whose first byte took longer than this over the host's best does not grow
// the limit (the server or the path is queueing).
bool latencyFlat(double ttfb, double best) { return ttfb < 0 || ttfb <= 2 * best + 0.005; }
}  // namespace

TransferScheduler::TransferScheduler(int maxConcurrency, int initialHostConcurrency, bool adaptive)
    : maxConcurrency_(std::max(1, maxConcurrency)),
      initialHostConcurrency_(std::clamp(initialHostConcurrency, 1, std::max(1, maxConcurrency))),
      adaptive_(adaptive) {}

TransferScheduler::Host& TransferScheduler::host(const std::string& origin) {
  auto [it, inserted] = hosts_.try_emplace(origin);
  if (inserted) it->second.limit = adaptive_ ? initialHostConcurrency_ : maxConcurrency_;
  return it->second;
}

int TransferScheduler::hostLimit(const std::string& origin) const {
  auto it = hosts_.find(origin);
  if (it == hosts_.end()) return adaptive_ ? initialHostConcurrency_ : maxConcurrency_;
  return std::max(1, static_cast<int>(it->second.limit));
}

bool TransferScheduler::hostLearnt(const std::string& origin) const {
  auto it = hosts_.find(origin);
  return it != hosts_.end() && it->second.learnt;
}

void TransferScheduler::enqueue(TransferPtr t) {
  t->queuedAt = ++sequence_;
  host(t->origin).waiting.push_back(std::move(t));
}

void TransferScheduler::enqueueRetry(TransferPtr t, double delaySeconds) {
  t->readyAt = Clock::now() + std::chrono::microseconds(static_cast<long long>(delaySeconds * 1e6));
  delayed_.push_back(std::move(t));
}

void TransferScheduler::promoteDue(Clock::time_point now) {
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if ((*it)->readyAt <= now) {
      enqueue(std::move(*it));
      it = delayed_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<TransferPtr> TransferScheduler::takeCancelled() {
  std::vector<TransferPtr> out;
  for (auto& [origin, h] : hosts_) {
    for (auto it = h.waiting.begin(); it != h.waiting.end();) {
      if ((*it)->cancel.cancelled()) {
        out.push_back(std::move(*it));
        it = h.waiting.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if ((*it)->cancel.cancelled()) {
      out.push_back(std::move(*it));
      it = delayed_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<TransferPtr> TransferScheduler::takeAll() {
  std::vector<TransferPtr> out;
  for (auto& [origin, h] : hosts_) {
    for (auto& t : h.waiting) out.push_back(std::move(t));
    h.waiting.clear();
  }
  for (auto& t : delayed_) out.push_back(std::move(t));
  delayed_.clear();
  return out;
}

bool TransferScheduler::hostMayStart(const Host& h) const {
  return h.inFlight < std::max(1, static_cast<int>(h.limit));
}

bool TransferScheduler::anyMayStart() const {
  if (inFlight_ >= maxConcurrency_) return false;
  for (const auto& [origin, h] : hosts_)
    if (!h.waiting.empty() && hostMayStart(h)) return true;
  return false;
}

TransferPtr TransferScheduler::next() {
  if (inFlight_ >= maxConcurrency_) return nullptr;
  Host* best = nullptr;
  for (auto& [origin, h] : hosts_) {
    if (h.waiting.empty() || !hostMayStart(h)) continue;
    if (!best || h.waiting.front()->queuedAt < best->waiting.front()->queuedAt) best = &h;
  }
  if (!best) return nullptr;
  TransferPtr t = std::move(best->waiting.front());
  best->waiting.pop_front();
  return t;
}

void TransferScheduler::started(const Transfer& t) {
  ++inFlight_;
  peakInFlight_ = std::max(peakInFlight_, inFlight_);
  ++host(t.origin).inFlight;
}

void TransferScheduler::ended(const Transfer& t, const HostSignal& s) {
  inFlight_ = std::max(0, inFlight_ - 1);
  Host& h = host(t.origin);
  h.inFlight = std::max(0, h.inFlight - 1);
  if (!adaptive_) {
    if (s.answered) h.learnt = true;
    return;
  }
  const auto now = Clock::now();
  if (s.congested) {
    // One halving per round trip: the answers of one burst all report the same congestion.
    const double round = std::max(0.1, std::isfinite(h.bestTtfb) ? 2 * h.bestTtfb : 0.1);
    if (now - h.lastBackoff > std::chrono::duration<double>(round)) {
      // Congestion before any good answer says little about the host's capacity (only the
      // first burst was out): grow back by slow start. Later, above half the limit that
      // congested, grow by one per round only.
      h.slowStartUntil = h.learnt ? std::max(2.0, h.limit / 2) : maxConcurrency_;
      h.limit = std::max(1.0, h.limit / 2);
      h.lastBackoff = now;
    }
    h.learnt = true;  // never jump to the full limit after congestion
    return;
  }
  if (!s.answered) return;
  if (s.ttfbSeconds >= 0) h.bestTtfb = std::min(h.bestTtfb, s.ttfbSeconds);
  if (!h.learnt) {
    h.learnt = true;
    // A server that keeps connections alive takes the whole wave; one that closes every
    // connection pays a connect per request, so it keeps the initial burst size.
    if (s.keepsAlive) h.limit = maxConcurrency_;
    return;
  }
  if (s.keepsAlive && latencyFlat(s.ttfbSeconds, h.bestTtfb)) {
    // Slow start (doubles per round) below the threshold, one per round above it.
    const double step = h.limit < h.slowStartUntil ? 1.0 : 1 / std::max(1.0, h.limit);
    h.limit = std::min<double>(maxConcurrency_, h.limit + step);
  }
}

long TransferScheduler::pollTimeoutMs(Clock::time_point now) const {
  // Wake at least every 50 ms while anything is pending so cancellation is seen quickly.
  long timeoutMs = 1000;
  bool waiting = false;
  for (const auto& [origin, h] : hosts_) waiting = waiting || !h.waiting.empty();
  if (inFlight_ > 0 || waiting) timeoutMs = 50;
  for (const auto& d : delayed_) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d->readyAt - now).count();
    timeoutMs = std::min<long>(timeoutMs, std::max<long>(0, static_cast<long>(ms)));
  }
  if (anyMayStart()) timeoutMs = 0;
  return timeoutMs;
}

}  // namespace nz::http
