// A prepared SQLite statement with absl::Status errors (after Chromium's
// sql::Statement).
//
//   auto st = db->GetCachedStatement(kFindSql);       // or db->Prepare(...)
//   if (!st.ok()) return st.status();
//   sql::Statement& s = **st;
//   s.BindText(1, name).BindInt64(2, limit);
//   while (s.Step()) Use(s.ColumnText(0));
//   if (!s.Succeeded()) return s.status();
//
// As in Chromium, Step() is a bool and the error is checked once, after the
// loop: a failed step ends the loop like the last row does, and the error
// stays on the statement until Reset().
//
// Statements come from a Database and must not outlive it. A statement
// stopped in the middle of its rows keeps its read snapshot (and, outside
// an explicit transaction, the connection's implicit transaction) open until
// it is stepped to the end or Reset(); GetCachedStatement() resets for you.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dyad::sql {

class Database;

class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();  // sqlite3_finalize

  // Parameters use 1-based indexes. Text and blobs are copied, so temporaries
  // are fine. A failed bind (index out of range, value too big) is remembered:
  // the next Step() fails with it (and Run() returns it); Reset() forgets it.
  Statement& BindInt64(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view value);  // UTF-8; "" is not NULL
  Statement& BindBlob(int index, std::string_view value);  // any bytes; "" is not NULL
  // Without the copy, for bulk writes: `value` must stay alive and
  // unchanged until the statement is stepped for the last time and reset
  // (or the parameter bound again).
  Statement& BindTextRef(int index, std::string_view value);
  Statement& BindBlobRef(int index, std::string_view value);
  Statement& BindNull(int index);
  Statement& BindBool(int index, bool value);  // stored as 0 / 1

  // Advances to the next row: true when a row is available; false when the
  // rows are done or the step failed, which Succeeded() / status() tell
  // apart. Errors carry sqlite's message and the start of the SQL text:
  //   SQLITE_BUSY (after the busy timeout)         -> Unavailable
  //   UNIQUE / PRIMARY KEY constraint violations   -> AlreadyExists
  //   other constraint violations (NOT NULL, ...)  -> FailedPrecondition
  //   anything else                                -> Internal
  // After an error the statement is reset (bindings are kept), and further
  // Step() calls return false without running it until Reset().
  bool Step();

  // False once a Step() (or a bind before it) failed, until Reset().
  bool Succeeded() const { return status_.ok(); }
  // That error; OK while Succeeded().
  const absl::Status& status() const { return status_; }

  // Steps until done, ignoring any rows; for INSERT / UPDATE / DELETE.
  // Returns status().
  absl::Status Run();

  // Rewinds to before the first row, clears the bindings (all NULL) and
  // forgets an error.
  void Reset();

  // Columns of the current row use 0-based indexes. NULL reads as 0 / 0.0 /
  // "" / false; use ColumnIsNull() to tell NULL apart.
  int64_t ColumnInt64(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;  // may hold NUL bytes
  bool ColumnIsNull(int col) const;
  bool ColumnBool(int col) const;  // non-zero integer
  int ColumnCount() const;

  // The SQL text the statement was prepared from.
  const std::string& sql() const { return sql_; }

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, std::string sql);

  // Records the first failed bind so Step() can report it.
  void CheckBind(int rc, int index);

  sqlite3_stmt* stmt_;
  std::string sql_;
  absl::Status bind_status_;  // the first failed bind since Reset()
  absl::Status status_;       // the first failed step since Reset()
};

// A JSON array of strings (or integers) for json_each(), so that a
// statement takes a whole list as one bound parameter:
//   "... WHERE kind IN (SELECT value FROM json_each(?))", BindText(1, JsonArray(kinds))
// Strings are escaped as JSON requires (quote, backslash, control bytes);
// other bytes, UTF-8 included, pass as they are.
std::string JsonArray(const std::vector<std::string>& values);
std::string JsonArray(const std::vector<int>& values);

// Turns a failed SQLite result code into a Status carrying sqlite's message
// for `db` and, unless empty, the first 80 characters of `sql` (mapping
// described at Statement::Step). Shared by Database and Statement.
absl::Status SqliteError(int rc, sqlite3* db, std::string_view sql);

// Resets a (cached) statement when the scope ends, so one left mid-rows
// does not keep its read snapshot open:
//   auto st = db->GetCachedStatement(kSql);  ...  ScopedReset reset(*st);
class ScopedReset {
 public:
  explicit ScopedReset(Statement* s) : s_(s) {}
  ~ScopedReset() { s_->Reset(); }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  Statement* s_;
};

}  // namespace dyad::sql
