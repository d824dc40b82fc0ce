// RAII transaction (after Chromium's sql::Transaction).
//
//   sql::Transaction tx(db);
//   if (absl::Status s = tx.Begin(); !s.ok()) return s;
//   ... statements; an early return rolls everything back ...
//   return tx.Commit();
//
// Transactions do not nest: Begin() fails while the connection is already
// inside one. The Transaction must not outlive its Database.
#pragma once

#include "absl/status/status.h"

namespace dyad::sql {

class Database;

class Transaction {
 public:
  explicit Transaction(Database* db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back unless Commit() succeeded.
  ~Transaction();

  // BEGIN IMMEDIATE (the default) takes the write lock now, waiting up to the
  // busy timeout and failing with Unavailable: use it for writers, so that a
  // conflict shows up here and not half-way through. BEGIN (deferred) takes
  // locks as the statements need them: enough for a consistent read.
  absl::Status Begin(bool immediate = true);

  // COMMIT. If it fails the transaction is still open (or was already undone
  // by sqlite) and the destructor rolls it back.
  absl::Status Commit();

  // ROLLBACK, if a transaction is open; errors are ignored (there is nothing
  // left to undo when sqlite has already rolled back on its own).
  void Rollback();

 private:
  Database* db_;
  bool open_ = false;
};

}  // namespace dyad::sql
