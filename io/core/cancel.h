#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace nz {

class CancelGroup;

// Cooperative cancellation: the owner keeps a CancelSource, workers poll the token. A token of
// a CancelGroup is cancelled once every member of the group is.
class CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(std::shared_ptr<std::atomic<bool>> flag) : flag_(std::move(flag)) {}
  bool cancelled() const;

 private:
  friend class CancelGroup;
  struct GroupState;
  std::shared_ptr<std::atomic<bool>> flag_;
  std::shared_ptr<GroupState> group_;
};

class CancelSource {
 public:
  CancelSource() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_->load(std::memory_order_relaxed); }
  CancelToken token() const { return CancelToken(flag_); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// One piece of work shared by several callers (a shard index wanted by many inner chunks): it
// should stop when none of them still wants it, and only then. Members may join while it runs;
// a default (never-cancelled) member keeps it alive for good. An empty group is not cancelled.
class CancelGroup {
 public:
  CancelGroup();
  void add(const CancelToken& member);
  CancelToken token() const;

 private:
  std::shared_ptr<CancelToken::GroupState> state_;
};

struct CancelToken::GroupState {
  mutable std::mutex mutex;
  std::vector<CancelToken> members;
  bool allCancelled() const {
    std::lock_guard lock(mutex);
    if (members.empty()) return false;
    for (const CancelToken& m : members)
      if (!m.cancelled()) return false;
    return true;
  }
};

inline bool CancelToken::cancelled() const {
  if (flag_ && flag_->load(std::memory_order_relaxed)) return true;
  return group_ && group_->allCancelled();
}

inline CancelGroup::CancelGroup() : state_(std::make_shared<CancelToken::GroupState>()) {}

inline void CancelGroup::add(const CancelToken& member) {
  std::lock_guard lock(state_->mutex);
  // Members that can never be cancelled make the group uncancellable: keep just one of them.
  if (!member.flag_ && !member.group_) {
    for (const CancelToken& m : state_->members)
      if (!m.flag_ && !m.group_) return;
  }
  state_->members.push_back(member);
}

inline CancelToken CancelGroup::token() const {
  CancelToken t;
  t.group_ = state_;
  return t;
}

}  // namespace nz
