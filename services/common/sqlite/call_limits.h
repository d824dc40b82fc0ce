// The deadline and cancellation of the call a thread is serving, so that
// storage code can give up when nobody waits for its answer any more.
//
// A gRPC handler installs them for the duration of its work:
//
//   sql::CallLimitsScope limits(deadline, [ctx] { return ctx->IsCancelled(); });
//   ... store calls ...
//
// Every Database interrupts its running statement (sqlite3_progress_handler)
// once the installing thread's limits are exceeded; the statement then fails
// with DEADLINE_EXCEEDED or CANCELLED. Stores that serialize access with a
// mutex wait for it with LockUntilCallLimits() and give up the same way.
// Threads without a scope (start-up, tests, imports) run without limits.
#pragma once

#include <functional>
#include <mutex>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace dyad::sql {

class CallLimitsScope {
 public:
  // `cancelled` may be empty; it is called on the installing thread only.
  explicit CallLimitsScope(absl::Time deadline, std::function<bool()> cancelled = nullptr);
  ~CallLimitsScope();
  CallLimitsScope(const CallLimitsScope&) = delete;
  CallLimitsScope& operator=(const CallLimitsScope&) = delete;

 private:
  friend absl::Status CheckCallLimits();
  friend absl::Time CallDeadline();
  absl::Time deadline_;
  std::function<bool()> cancelled_;
  CallLimitsScope* previous_;
};

// OK while this thread's call may go on; DEADLINE_EXCEEDED once its
// deadline has passed, CANCELLED once the caller has gone.
absl::Status CheckCallLimits();

// This thread's call deadline (InfiniteFuture without a scope).
absl::Time CallDeadline();

// Locks `mu`, waiting at most until this thread's call deadline (and
// noticing cancellation every few milliseconds). Returns the status of
// CheckCallLimits() when it gives up; `lock` is then not held.
absl::Status LockUntilCallLimits(std::timed_mutex& mu, std::unique_lock<std::timed_mutex>* lock);

}  // namespace dyad::sql
