#include "common/sqlite/database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  // NOMUTEX: callers serialize all use of a connection (see the header), so
  // sqlite's own lock per call is pure cost; so is its count of memory in
  // use (a global lock per allocation), which nothing reads. The latter can
  // only be set before sqlite starts, i.e. before the first connection.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
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
  by_address_.clear();
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
  // Bulk writes ask for a handful of statements several times per row:
  // look the constant up by its address first (no copy, no hash of the
  // text), confirming the text so a reused buffer cannot alias.
  if (auto hit = by_address_.find(sql); hit != by_address_.end() && hit->second->sql() == sql) {
    hit->second->Reset();
    return hit->second;
  }
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    by_address_[sql] = it->second.get();
    return it->second.get();
  }
  absl::StatusOr<std::unique_ptr<Statement>> st = PrepareImpl(sql, /*persistent=*/true);
  if (!st.ok()) return st.status();
  Statement* raw = st->get();
  cache_.emplace(sql, std::move(*st));
  by_address_[sql] = raw;
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

absl::Status Database::SyncWal() {
  sqlite3_file* wal = nullptr;
  int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc != SQLITE_OK) return WithPath(SqliteError(rc, db_, ""), path_);
  if (wal == nullptr || wal->pMethods == nullptr) return absl::OkStatus();  // no WAL open
  rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) return WithPath(SqliteError(rc, nullptr, "sync of the WAL"), path_);
  return absl::OkStatus();
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Database::Changes() const { return sqlite3_changes(db_); }

absl::StatusOr<std::string> Database::QueryValue(std::string_view sql) {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare(sql);
  if (!st.ok()) return st.status();
  Statement& s = **st;
  const bool row = s.Step();
  if (!s.Succeeded()) return s.status();
  return row ? s.ColumnText(0) : std::string();
}

absl::StatusOr<std::string> Database::IntegrityCheck() {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare(kIntegrityCheckSql);
  if (!st.ok()) return st.status();
  std::string result;
  Statement& s = **st;
  while (s.Step()) {
    if (!result.empty()) result += '\n';
    result += s.ColumnText(0);
  }
  if (!s.Succeeded()) return s.status();
  return result;
}

// ---- Health checks ----

namespace {

constexpr char kQuickCheckSql[] = "PRAGMA quick_check";
constexpr char kUserVersionSql[] = "PRAGMA user_version";
constexpr char kBeginImmediateSql[] = "BEGIN IMMEDIATE";
constexpr char kCommitSql[] = "COMMIT";
constexpr char kRollbackSql[] = "ROLLBACK";

bool IsMemoryPath(const std::string& path) { return path.empty() || path == ":memory:"; }

absl::Status FileError(const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat("sqlite database \"", path, "\": ", what));
}

// Steps `stmt` to the end; the first column of each row, one per line.
absl::StatusOr<std::string> RunCheckStatement(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db, sql);
  std::string out;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!out.empty()) out += '\n';
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out += reinterpret_cast<const char*>(text);
  }
  absl::Status s = rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(rc, db, sql);
  sqlite3_finalize(stmt);
  if (!s.ok()) return s;
  return out;
}

bool IsBusy(sqlite3* db) {
  const int code = sqlite3_extended_errcode(db) & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// The database's own check, on an open connection.
absl::Status RunHealthChecks(sqlite3* db, const std::string& path) {
  if (sqlite3_db_readonly(db, "main") == 1) {
    return FileError(path, "opened read-only (file or directory not writable): writes would fail");
  }
  absl::StatusOr<std::string> quick = RunCheckStatement(db, kQuickCheckSql);
  if (!quick.ok()) {
    if (IsBusy(db)) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat("sqlite database \"", path,
                                            "\": integrity check failed: ", quick.status().message()));
  }
  if (*quick != "ok") {
    std::string first = quick->substr(0, quick->find('\n'));
    return absl::DataLossError(absl::StrCat("sqlite database \"", path,
                                            "\": integrity check failed: ", first));
  }
  // Write probe: a committed transaction that changes nothing a reader sees.
  absl::StatusOr<std::string> version = RunCheckStatement(db, kUserVersionSql);
  if (!version.ok()) return WithPath(version.status(), path);
  if (absl::StatusOr<std::string> b = RunCheckStatement(db, kBeginImmediateSql); !b.ok()) {
    if (IsBusy(db)) return absl::OkStatus();  // another writer is busy: not a fault
    return absl::Status(b.status().code(),
                        absl::StrCat("sqlite database \"", path,
                                     "\": write probe failed: ", b.status().message()));
  }
  const std::string set_version = absl::StrCat("PRAGMA user_version = ", *version);
  absl::StatusOr<std::string> w = RunCheckStatement(db, set_version.c_str());
  if (w.ok()) w = RunCheckStatement(db, kCommitSql);
  if (!w.ok()) {
    (void)RunCheckStatement(db, kRollbackSql);
    return absl::Status(w.status().code(),
                        absl::StrCat("sqlite database \"", path,
                                     "\": write probe failed: ", w.status().message()));
  }
  return absl::OkStatus();
}

std::function<void(int, const char*)>* g_fault_listener = nullptr;

void SqliteLogCallback(void*, int code, const char* message) {
  if (g_fault_listener != nullptr && IsStorageFault(code)) {
    (*g_fault_listener)(code, message != nullptr ? message : "");
  }
}

}  // namespace

absl::Status CheckDatabaseFile(const std::string& path) {
  if (IsMemoryPath(path)) return absl::OkStatus();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();  // created on open
    return FileError(path, absl::StrCat("cannot stat: ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) return FileError(path, "not a regular file");
  if (st.st_size == 0) {
    // A 0-byte file with a non-empty WAL beside it is a database whose pages
    // are all still in the WAL; a lone 0-byte file is not a database.
    struct stat wal;
    const std::string wal_path = path + "-wal";
    if (stat(wal_path.c_str(), &wal) != 0 || wal.st_size == 0) {
      return FileError(path,
                       "the file exists but is empty (0 bytes), so it holds no Dyad data; "
                       "refusing to start over it. To start fresh, remove the file (a missing "
                       "file is created); otherwise restore it from a backup");
    }
  }
  if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || access(path.c_str(), W_OK) != 0) {
    return FileError(path,
                     "the file is read-only, and a backend writes to its database: make it "
                     "writable (chmod u+w) for the service's user");
  }
  return absl::OkStatus();
}

absl::Status CheckDatabaseHealth(const std::string& path, int busy_timeout_ms) {
  if (IsMemoryPath(path)) return absl::OkStatus();
  sqlite3* db = nullptr;
  // No SQLITE_OPEN_CREATE: a file deleted under a running server is a fault,
  // not a reason to create an empty one.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = WithPath(SqliteError(rc, db, ""), path);
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  absl::Status s = RunHealthChecks(db, path);
  sqlite3_close_v2(db);
  return s;
}

bool IsStorageFault(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_FULL:
      return true;
    default:
      return false;
  }
}

absl::Status InstallStorageFaultListener(std::function<void(int, const char*)> listener) {
  auto* owned = new std::function<void(int, const char*)>(std::move(listener));
  const int rc = sqlite3_config(SQLITE_CONFIG_LOG, &SqliteLogCallback, nullptr);
  if (rc != SQLITE_OK) {
    delete owned;
    return absl::FailedPreconditionError(
        "InstallStorageFaultListener: sqlite is already initialized (call before opening any "
        "database)");
  }
  g_fault_listener = owned;  // intentionally never freed: sqlite may log until exit
  return absl::OkStatus();
}

}  // namespace dyad::sql
