#include "stats/rank_select.h"

#include <algorithm>

#include "core/error.h"

namespace nz {

RankSelector::RankSelector(int keyBits) : keyBits_(keyBits) {
  if (keyBits != 8 && keyBits != 16 && keyBits != 32 && keyBits != 64)
    throw Error(ErrorKind::InvalidArgument, "RankSelector: key width must be 8, 16, 32 or 64");
  setUpPass(0, {0});
}

void RankSelector::setUpPass(int depth, std::vector<std::uint64_t> prefixes) {
  depth_ = depth;
  const int bits = std::min(16, keyBits_ - depth);
  shift_ = keyBits_ - depth - bits;
  mask_ = (std::uint64_t{1} << bits) - 1;
  prefixes_ = std::move(prefixes);
  tables_.assign(prefixes_.size(), Table{});
  for (Table& t : tables_) {
    t.count.assign(std::size_t{1} << bits, 0);
    t.minKey.assign(std::size_t{1} << bits, 0);
    t.maxKey.assign(std::size_t{1} << bits, 0);
  }
}

std::size_t RankSelector::findPrefix(std::uint64_t p) const {
  auto it = std::lower_bound(prefixes_.begin(), prefixes_.end(), p);
  if (it == prefixes_.end() || *it != p) return kNone;
  return static_cast<std::size_t>(it - prefixes_.begin());
}

void RankSelector::endPass() {
  ++passes_;
  if (passes_ == 1) {
    for (std::uint64_t c : tables_[0].count) total_ += c;
  }
  if (wanted_) resolve();
}

void RankSelector::want(const std::vector<std::uint64_t>& ranks) {
  if (passes_ < 1) throw Error(ErrorKind::InvalidArgument, "RankSelector: want() before a pass");
  targets_.clear();
  for (std::uint64_t r : ranks) {
    if (r >= total_) throw Error(ErrorKind::InvalidArgument, "RankSelector: rank past the end");
    Target t;
    t.rank = r;
    t.rankInPrefix = r;
    targets_.push_back(t);
  }
  wanted_ = true;
  resolve();
}

void RankSelector::resolve() {
  const int bits = std::min(16, keyBits_ - depth_);
  for (Target& t : targets_) {
    if (t.resolved || t.depth != depth_) continue;
    const std::size_t h = depth_ == 0 ? 0 : findPrefix(t.prefix);
    if (h == kNone) throw Error(ErrorKind::Io, "RankSelector: the data changed between passes");
    const Table& tab = tables_[h];
    std::uint64_t before = 0;
    std::size_t digit = 0;
    for (; digit < tab.count.size(); ++digit) {
      if (before + tab.count[digit] > t.rankInPrefix) break;
      before += tab.count[digit];
    }
    if (digit == tab.count.size())
      throw Error(ErrorKind::Io, "RankSelector: the data changed between passes");
    t.rankInPrefix -= before;
    t.prefix = (t.prefix << bits) | digit;
    t.depth = depth_ + bits;
    if (t.depth == keyBits_) {
      t.key = t.prefix;
      t.resolved = true;
    } else if (tab.minKey[digit] == tab.maxKey[digit]) {
      t.key = tab.minKey[digit];
      t.resolved = true;
    }
  }
  std::vector<std::uint64_t> next;
  for (const Target& t : targets_)
    if (!t.resolved) next.push_back(t.prefix);
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  if (next.empty()) {
    tables_.clear();
    prefixes_.clear();
    return;
  }
  setUpPass(depth_ + bits, std::move(next));
}

bool RankSelector::done() const {
  if (!wanted_) return false;
  for (const Target& t : targets_)
    if (!t.resolved) return false;
  return true;
}

std::uint64_t RankSelector::keyOfRank(std::uint64_t rank) const {
  for (const Target& t : targets_)
    if (t.rank == rank && t.resolved) return t.key;
  throw Error(ErrorKind::InvalidArgument, "RankSelector: rank not wanted or not resolved");
}

}  // namespace nz
