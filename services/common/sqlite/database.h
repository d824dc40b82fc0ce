// One SQLite connection with absl::Status errors (after Chromium's
// sql::Database).
//
//   auto db = dyad::sql::Database::Open("/var/lib/dyad/events.db");
//   if (!db.ok()) return db.status();
//
// Durability: file databases run in WAL mode with synchronous=FULL, so a
// committed transaction survives both a killed process and a power loss.
// Foreign keys are enforced. A writer waits up to busy_timeout_ms for
// another connection's lock, then fails with Unavailable.
//
// Interruptible: a statement run on a thread whose call is past its deadline
// or cancelled (call_limits.h) stops and fails with DEADLINE_EXCEEDED or
// CANCELLED.
//
// Not thread-safe: callers serialize all use of a Database and of its
// statements (e.g. with a mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sqlite/statement.h"

struct sqlite3;

namespace dyad::sql {

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  bool wal = true;  // ignored for ":memory:" and read-only databases
  bool read_only = false;
};

class Database {
 public:
  // Opens (and, unless read_only, creates) the database at `path`;
  // ":memory:" gives a private in-memory database. Errors name the path and
  // carry sqlite's message.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const DatabaseOptions& options = {});

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  // Finalizes the cached statements and closes the connection. Statements
  // from Prepare() should be destroyed first; if one is not, the connection
  // lingers (sqlite3_close_v2) until it is.
  ~Database();

  // Runs one or more ;-separated statements without parameters. For schema
  // and pragmas; use statements with bindings for data.
  absl::Status Execute(std::string_view sql);

  // The statement for `sql`, prepared on first use and kept until the
  // Database is destroyed; returned reset with its bindings cleared. Meant
  // for `static constexpr char kFooSql[]` constants. Asking again for the
  // same text resets the same Statement, so do not nest two uses of one SQL.
  absl::StatusOr<Statement*> GetCachedStatement(const char* sql);

  // A fresh statement owned by the caller (for SQL built at run time).
  // `sql` must hold exactly one statement.
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(std::string_view sql);

  // Makes every committed transaction durable by syncing the WAL, for
  // writers that commit with PRAGMA synchronous=NORMAL (each commit atomic,
  // but the last ones may be lost on power failure) and need durability at
  // a point of their choosing. OK when there is no WAL.
  absl::Status SyncWal();

  int64_t LastInsertRowId() const;  // of the last successful INSERT
  int Changes() const;              // rows changed by the last statement

  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

  // PRAGMA integrity_check: "ok", or the problems found, one per line.
  absl::StatusOr<std::string> IntegrityCheck();

 private:
  Database(sqlite3* db, std::string path);
  absl::StatusOr<std::unique_ptr<Statement>> PrepareImpl(std::string_view sql, bool persistent);
  // Runs one statement and returns the first column of its first row ("" if
  // there is none).
  absl::StatusOr<std::string> QueryValue(std::string_view sql);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::unordered_map<const char*, Statement*> by_address_;  // front of cache_
};

// ---- Health checks (used by the backends' start-up and periodic checks) ----

// Checks on the database file before a backend opens it, so that it is not
// served in a state it cannot keep. FAILED_PRECONDITION, naming the path and
// what to do, for: a 0-byte file (not a database; sqlite would quietly start
// an empty one over it — remove the file to start fresh), a file without
// write permission (even for root: the operator marked it read-only), and a
// path that is not a regular file. A missing file, ":memory:" and "" are OK.
absl::Status CheckDatabaseFile(const std::string& path);

// Opens a separate connection to the existing database at `path` (never
// creating it) and runs PRAGMA quick_check and a write probe (one committed
// transaction that rewrites user_version with its own value). OK when both
// pass; otherwise DATA_LOSS for integrity failures and FAILED_PRECONDITION /
// sqlite's mapped code for read-only, I/O or full-disk errors, naming the
// path. A lock held by another writer past `busy_timeout_ms` is not a
// failure. ":memory:" and "" are always OK.
absl::Status CheckDatabaseHealth(const std::string& path, int busy_timeout_ms = 5000);

// True for sqlite result codes (primary or extended) that mean the database
// cannot be trusted or written: CORRUPT, NOTADB, IOERR*, READONLY*, FULL.
bool IsStorageFault(int sqlite_code);

// Calls `listener(code, message)` for every storage fault sqlite reports
// in this process (through SQLITE_CONFIG_LOG), from the thread that hit it;
// the listener must not call sqlite. Must run before the first connection
// is opened; FAILED_PRECONDITION otherwise. The listener lives until exit.
absl::Status InstallStorageFaultListener(std::function<void(int, const char*)> listener);

}  // namespace dyad::sql
