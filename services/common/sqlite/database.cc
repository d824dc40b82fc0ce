#include "common/sqlite/database.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/sqlite/call_limits.h"

namespace dyad::sql {
namespace {

constexpr char kCheckReadableSql[] = "SELECT count(*) FROM sqlite_master";
constexpr char kJournalModeWalSql[] = "PRAGMA journal_mode=WAL";
constexpr char kSettingsSql[] = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON";
constexpr char kIntegrityCheckSql[] = "PRAGMA integrity_check";

// Prefixes an error with the database it concerns.
absl::Status WithPath(const absl::Status& s, const std::string& path) {
  return absl::Status(s.code(), absl::StrCat("sqlite database \"", path, "\": ", s.message()));
}

// What is left of `sql` after whitespace and stray semicolons.
std::string_view SkipBlank(std::string_view sql) {
  while (!sql.empty() && (absl::ascii_isspace(sql.front()) || sql.front() == ';')) {
    sql.remove_prefix(1);
  }
  return sql;
}

// sqlite calls this every kProgressOps virtual-machine instructions of a
// running statement; non-zero interrupts it (SQLITE_INTERRUPT).
constexpr int kProgressOps = 1000;
int InterruptWhenCallIsOver(void*) { return CheckCallLimits().ok() ? 0 : 1; }

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const DatabaseOptions& options) {
  // "" is sqlite's private temporary database; like ":memory:" it has no
  // use for WAL.
  const bool in_memory = path == ":memory:" || path.empty();
  const int flags =
      options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, /*zVfs=*/nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = WithPath(SqliteError(rc, raw, ""), path);
    sqlite3_close_v2(raw);  // sqlite may hand out a handle even on failure
    return s;
  }
  // Extended codes let SqliteError tell UNIQUE violations from others.
  sqlite3_extended_result_codes(raw, 1);
  // Statements stop when the call they serve is past its deadline or
  // cancelled (call_limits.h).
  sqlite3_progress_handler(raw, kProgressOps, InterruptWhenCallIsOver, nullptr);
  std::unique_ptr<Database> db(new Database(raw, path));

  // Set first: switching to WAL may itself wait for another connection.
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // sqlite opens lazily; reading the schema makes a file that is not a
  // database (or unreadable) fail here, naming the path.
  if (absl::Status s = db->QueryValue(kCheckReadableSql).status(); !s.ok()) {
    return WithPath(s, path);
  }
  if (options.wal && !in_memory && !options.read_only) {
    absl::StatusOr<std::string> mode = db->QueryValue(kJournalModeWalSql);
    if (!mode.ok()) return WithPath(mode.status(), path);
    // sqlite quietly keeps the old mode where WAL is impossible (e.g. some
    // network file systems); say so rather than run without it.
    if (*mode != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "sqlite database \"", path, "\": could not enable WAL, journal_mode is ", *mode));
    }
  }
  // synchronous=FULL syncs the WAL at every commit: acknowledged writes
  // survive power loss, not just a crash of the process (NORMAL would only
  // guarantee the latter).
  if (absl::Status s = db->Execute(kSettingsSql); !s.ok()) return WithPath(s, path);
  return db;
}

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Database::~Database() {
  cache_.clear();  // finalize cached statements first
  sqlite3_close_v2(db_);
}

absl::Status Database::Execute(std::string_view sql) {
  // Statement by statement (rather than sqlite3_exec) so that an error can
  // quote the statement that failed, not just the start of the script.
  for (std::string_view rest = SkipBlank(sql); !rest.empty();) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &stmt, &tail);
    if (rc != SQLITE_OK) return SqliteError(rc, db_, rest);
    if (stmt == nullptr) break;  // only comments were left
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    absl::Status s = rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(rc, db_, sqlite3_sql(stmt));
    sqlite3_finalize(stmt);
    if (!s.ok()) return s;
    rest = SkipBlank(rest.substr(tail - rest.data()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement*> Database::GetCachedStatement(const char* sql) {
  if (sql == nullptr) return absl::InvalidArgumentError("GetCachedStatement: null SQL");
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  absl::StatusOr<std::unique_ptr<Statement>> st = PrepareImpl(sql, /*persistent=*/true);
  if (!st.ok()) return st.status();
  Statement* raw = st->get();
  cache_.emplace(sql, std::move(*st));
  return raw;
}

absl::StatusOr<std::unique_ptr<Statement>> Database::Prepare(std::string_view sql) {
  return PrepareImpl(sql, /*persistent=*/false);
}

absl::StatusOr<std::unique_ptr<Statement>> Database::PrepareImpl(std::string_view sql,
                                                                 bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, sql);
  if (stmt == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no SQL statement in \"", std::string(sql), "\""));
  }
  // A second statement would be silently ignored by sqlite3_step.
  if (!SkipBlank(sql.substr(tail - sql.data())).empty()) {
    sqlite3_finalize(stmt);
    return absl::InvalidArgumentError(
        absl::StrCat("more than one SQL statement in \"", std::string(sql.substr(0, 80)), "\""));
  }
  return std::unique_ptr<Statement>(new Statement(stmt, std::string(sql)));
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::Changes() const { return sqlite3_changes(db_); }

absl::StatusOr<std::string> Database::QueryValue(std::string_view sql) {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare(sql);
  if (!st.ok()) return st.status();
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  return *row ? (*st)->ColumnText(0) : std::string();
}

absl::StatusOr<std::string> Database::IntegrityCheck() {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare(kIntegrityCheckSql);
  if (!st.ok()) return st.status();
  std::string result;
  for (;;) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!result.empty()) result += '\n';
    result += (*st)->ColumnText(0);
  }
  return result;
}

}  // namespace dyad::sql
