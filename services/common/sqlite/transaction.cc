#include "common/sqlite/transaction.h"

#include <sqlite3.h>

#include "common/sqlite/call_limits.h"
#include "common/sqlite/database.h"

namespace dyad::sql {
namespace {

constexpr char kBeginImmediateSql[] = "BEGIN IMMEDIATE";
constexpr char kBeginDeferredSql[] = "BEGIN";
constexpr char kCommitSql[] = "COMMIT";
constexpr char kRollbackSql[] = "ROLLBACK";

}  // namespace

Transaction::Transaction(Database* db) : db_(db) {}

Transaction::~Transaction() { Rollback(); }

absl::Status Transaction::Begin(bool immediate) {
  if (open_) return absl::FailedPreconditionError("Transaction::Begin: already begun");
  absl::Status s = db_->Execute(immediate ? kBeginImmediateSql : kBeginDeferredSql);
  open_ = s.ok();
  return s;
}

absl::Status Transaction::Commit() {
  if (!open_) return absl::FailedPreconditionError("Transaction::Commit: not begun");
  absl::Status s = db_->Execute(kCommitSql);
  // On success the connection is back in autocommit mode. On some errors
  // (I/O, disk full) sqlite has already rolled back, which also shows as
  // autocommit; otherwise (e.g. SQLITE_BUSY) the transaction is still open.
  open_ = !sqlite3_get_autocommit(db_->raw());
  return s;
}

void Transaction::Rollback() {
  if (!open_) return;
  open_ = false;
  if (sqlite3_get_autocommit(db_->raw())) return;  // sqlite rolled back already
  // Undoing is never interrupted, even for a call that is over.
  CallLimitsScope unlimited(absl::InfiniteFuture());
  (void)db_->Execute(kRollbackSql);
}

}  // namespace dyad::sql
