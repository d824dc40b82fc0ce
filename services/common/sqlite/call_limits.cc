#include "common/sqlite/call_limits.h"

#include <chrono>
#include <utility>

namespace dyad::sql {
namespace {

thread_local CallLimitsScope* t_scope = nullptr;

// How often a waiter for a store's mutex looks at cancellation.
constexpr auto kLockPoll = std::chrono::milliseconds(5);

}  // namespace

CallLimitsScope::CallLimitsScope(absl::Time deadline, std::function<bool()> cancelled)
    : deadline_(deadline), cancelled_(std::move(cancelled)), previous_(t_scope) {
  t_scope = this;
}

CallLimitsScope::~CallLimitsScope() { t_scope = previous_; }

absl::Status CheckCallLimits() {
  const CallLimitsScope* scope = t_scope;
  if (scope == nullptr) return absl::OkStatus();
  if (scope->cancelled_ && scope->cancelled_()) {
    return absl::CancelledError("the call was cancelled; its storage work was stopped");
  }
  if (absl::Now() >= scope->deadline_) {
    return absl::DeadlineExceededError(
        "the call's deadline passed; its storage work was stopped");
  }
  return absl::OkStatus();
}

absl::Time CallDeadline() {
  return t_scope == nullptr ? absl::InfiniteFuture() : t_scope->deadline_;
}

absl::Status LockUntilCallLimits(std::timed_mutex& mu, std::unique_lock<std::timed_mutex>* lock) {
  *lock = std::unique_lock<std::timed_mutex>(mu, std::defer_lock);
  if (t_scope == nullptr) {
    lock->lock();
    return absl::OkStatus();
  }
  for (;;) {
    if (absl::Status s = CheckCallLimits(); !s.ok()) return s;
    auto wait = kLockPoll;
    const absl::Duration left = CallDeadline() - absl::Now();
    if (left < absl::FromChrono(wait)) {
      wait = std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(left)));
    }
    if (lock->try_lock_for(wait)) return absl::OkStatus();
  }
}

}  // namespace dyad::sql
