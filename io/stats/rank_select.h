#pragma once
// Exact order statistics (median, percentiles) of a stream of values in bounded memory.
//
// Every value is first mapped to an unsigned "key" of its type's width whose unsigned order is
// the values' order (unsigned ints as they are, signed ints with the sign bit flipped, IEEE
// floats with the usual sign-magnitude flip; NaNs are never added). The selector then performs a
// most-significant-digit radix selection with 16-bit digits: pass 1 counts every key's top
// digit (65536 bins, plus each bin's smallest and largest key); a rank whose bin holds one
// distinct key, or whose key has no bits left, is resolved; for the others, the next pass counts
// the next digit of only the keys sharing the resolved prefix. 8- and 16-bit data therefore
// need one pass, 32-bit data at most two, 64-bit data at most four, and memory is at most one
// 65536-bin table per distinct prefix still wanted (never more than twice the number of ranks).
//
//   nz::RankSelector sel(32);
//   for (key : data) sel.add(key);  sel.endPass();       // pass 1 (with the moments)
//   sel.want({r0, r1, ...});                              // sorted positions, 0-based
//   while (!sel.done()) { for (key : data) sel.add(key); sel.endPass(); }
//   sel.keyOfRank(r0);
#include <cstdint>
#include <vector>

namespace nz {

class RankSelector {
 public:
  explicit RankSelector(int keyBits);  // 8, 16, 32 or 64

  // One key of the current pass. Hot path: no allocation.
  void add(std::uint64_t key) {
    std::size_t h = 0;
    if (depth_ > 0) {
      const std::uint64_t p = key >> (keyBits_ - depth_);
      if (prefixes_.size() == 1) {
        if (p != prefixes_[0]) return;
      } else {
        h = findPrefix(p);
        if (h == kNone) return;
      }
    }
    const std::uint64_t digit = (key >> shift_) & mask_;
    Table& t = tables_[h];
    if (t.count[digit]++ == 0) {
      t.minKey[digit] = t.maxKey[digit] = key;
    } else {
      if (key < t.minKey[digit]) t.minKey[digit] = key;
      if (key > t.maxKey[digit]) t.maxKey[digit] = key;
    }
  }
  void endPass();
  // After the first endPass(): the sorted positions whose keys are wanted (each < total()).
  void want(const std::vector<std::uint64_t>& ranks);
  bool done() const;
  std::uint64_t keyOfRank(std::uint64_t rank) const;  // after done()
  std::uint64_t total() const { return total_; }      // keys of the first pass
  int passes() const { return passes_; }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};
  struct Table {
    std::vector<std::uint64_t> count, minKey, maxKey;
  };
  struct Target {
    std::uint64_t rank = 0;
    std::uint64_t prefix = 0;  // known top `depth` bits
    int depth = 0;
    std::uint64_t rankInPrefix = 0;
    bool resolved = false;
    std::uint64_t key = 0;
  };
  std::size_t findPrefix(std::uint64_t p) const;
  void resolve();
  void setUpPass(int depth, std::vector<std::uint64_t> prefixes);

  int keyBits_;
  int depth_ = 0;  // bits known before the current pass's digit
  int shift_ = 0;
  std::uint64_t mask_ = 0;
  std::vector<std::uint64_t> prefixes_;  // sorted; tables_[i] counts keys with prefix i
  std::vector<Table> tables_;
  std::vector<Target> targets_;
  bool wanted_ = false;
  std::uint64_t total_ = 0;
  int passes_ = 0;
};

}  // namespace nz
