#include "common/sqlite/statement.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/sqlite/call_limits.h"

namespace dyad::sql {
namespace {

// sqlite3_bind_{text,blob} bind NULL when given a null pointer, which an
// empty std::string_view may carry; point at a real empty string instead.
const char* NonNull(std::string_view v) { return v.data() ? v.data() : ""; }

}  // namespace

absl::Status SqliteError(int rc, sqlite3* db, std::string_view sql) {
  // The connection has extended result codes on, so `rc` may be extended
  // (SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY_SNAPSHOT, ...); the low byte is
  // the primary code.
  constexpr size_t kMaxSql = 80;
  std::string message =
      absl::StrCat(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), " (sqlite error ", rc, ")");
  if (!sql.empty()) {
    absl::StrAppend(&message, " in \"", std::string(sql.substr(0, kMaxSql)),
                    sql.size() > kMaxSql ? "...\"" : "\"");
  }
  switch (rc & 0xff) {
    case SQLITE_INTERRUPT: {
      // Interrupted by the progress handler (database.cc) because the call
      // it serves is over: say which way.
      absl::Status limits = CheckCallLimits();
      if (!limits.ok()) return limits;
      return absl::AbortedError(message);
    }
    case SQLITE_BUSY:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement::Statement(sqlite3_stmt* stmt, std::string sql) : stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::CheckBind(int rc, int index) {
  if (rc == SQLITE_OK || !bind_status_.ok()) return;  // keep the first error
  absl::Status s = SqliteError(rc, sqlite3_db_handle(stmt_), sql_);
  bind_status_ = absl::Status(s.code(), absl::StrCat("bind parameter ", index, ": ", s.message()));
}

Statement& Statement::BindInt64(int index, int64_t value) {
  CheckBind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  CheckBind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  // SQLITE_TRANSIENT: sqlite copies the bytes, so `value` may be a temporary.
  CheckBind(sqlite3_bind_text64(stmt_, index, NonNull(value), value.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8),
            index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view value) {
  CheckBind(sqlite3_bind_blob64(stmt_, index, NonNull(value), value.size(), SQLITE_TRANSIENT),
            index);
  return *this;
}

Statement& Statement::BindTextRef(int index, std::string_view value) {
  CheckBind(sqlite3_bind_text64(stmt_, index, NonNull(value), value.size(), SQLITE_STATIC,
                                SQLITE_UTF8),
            index);
  return *this;
}

Statement& Statement::BindBlobRef(int index, std::string_view value) {
  CheckBind(sqlite3_bind_blob64(stmt_, index, NonNull(value), value.size(), SQLITE_STATIC), index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  CheckBind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::BindBool(int index, bool value) { return BindInt64(index, value ? 1 : 0); }

bool Statement::Step() {
  if (!status_.ok()) return false;
  if (!bind_status_.ok()) {
    status_ = bind_status_;
    return false;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Build the error before sqlite3_reset(), which may overwrite the message.
  status_ = SqliteError(rc, sqlite3_db_handle(stmt_), sql_);
  sqlite3_reset(stmt_);
  return false;
}

absl::Status Statement::Run() {
  while (Step()) {
  }
  return status_;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);  // its result repeats the last Step() error: already reported
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
  status_ = absl::OkStatus();
}

std::string JsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (unsigned char c : values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out + "]";
}

std::string JsonArray(const std::vector<int>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? "," : "", values[i]);
  return out + "]";
}

int64_t Statement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  // Per the sqlite docs: fetch the pointer first, then the size.
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, n) : std::string();
}

std::string Statement::ColumnBlob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, n) : std::string();
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

bool Statement::ColumnBool(int col) const { return ColumnInt64(col) != 0; }

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

}  // namespace dyad::sql
