#include "common/pg/pool.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/sqlite/call_limits.h"

namespace dyad::pg {

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Return(std::move(conn_));
}

void Pool::ReportFault(const absl::Status& s) {
  if (options_.on_fault) options_.on_fault(s);
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  const bool lost = conn == nullptr || !conn->reusable();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_one();
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  const absl::Time deadline = sql::CallDeadline();
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Idle connections the server closed meanwhile (a restart) are dropped
    // here rather than failing the call that would have used them.
    while (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      if (c->StillAlive()) return Lease(this, std::move(c));
      --open_;
    }
    if (open_ < options_.size) break;
    if (auto s = sql::CheckCallLimits(); !s.ok()) return s;
    // Wake in slices so that cancellation is noticed.
    const absl::Time until = std::min(deadline, absl::Now() + absl::Milliseconds(100));
    cv_.wait_until(lock, absl::ToChronoTime(until));
  }
  ++open_;
  lock.unlock();
  auto c = Connection::Open(options_.uri, options_.password, options_.connect_timeout);
  if (!c.ok()) {
    {
      std::lock_guard<std::mutex> relock(mu_);
      --open_;
    }
    cv_.notify_one();
    ReportFault(c.status());
    return c.status();
  }
  if (options_.on_ok) options_.on_ok();
  return Lease(this, std::move(*c));
}

absl::Status Pool::With(const std::function<absl::Status(Connection&)>& fn, bool retry_on_loss) {
  for (int attempt = 0;; ++attempt) {
    auto lease = Acquire();
    if (!lease.ok()) return lease.status();
    absl::Status s = fn(**lease);
    if (s.ok() || !(*lease)->broken()) return s;
    // The connection went away under this call (or was abandoned at the
    // call's deadline, which says nothing about the database).
    if (absl::IsUnavailable(s)) ReportFault(s);
    if (!retry_on_loss || attempt > 0 || !absl::IsUnavailable(s)) return s;
  }
}

absl::Status Pool::Probe() {
  absl::Status s = With([](Connection& c) { return c.Execute("SELECT 1"); }, true);
  if (s.ok()) {
    if (options_.on_ok) options_.on_ok();
  } else {
    ReportFault(s);
  }
  return s;
}

}  // namespace dyad::pg
