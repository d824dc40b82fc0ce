#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/checkpointer.h"
#include "common/sqlite/database.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"

namespace dyad::sql {
namespace {

// ---- Status helpers (absl 20220623 has no status matchers) ----------------
// Each takes the value once, so the expression under test runs once.

::testing::AssertionResult IsOk(const absl::Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s;
}
template <typename T>
::testing::AssertionResult IsOk(const absl::StatusOr<T>& s) {
  return IsOk(s.status());
}

// The status has `code` and its message contains `part`.
::testing::AssertionResult HasStatus(const absl::Status& s, absl::StatusCode code,
                                     std::string_view part) {
  if (s.code() == code && std::string(s.message()).find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << s << "; want code " << absl::StatusCodeToString(code) << " and \"" << part
         << "\" in the message";
}
template <typename T>
::testing::AssertionResult HasStatus(const absl::StatusOr<T>& s, absl::StatusCode code,
                                     std::string_view part) {
  return HasStatus(s.status(), code, part);
}

#define CONCAT_INNER(a, b) a##b
#define CONCAT(a, b) CONCAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(CONCAT(status_or_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  ASSERT_TRUE(IsOk(tmp));                          \
  lhs = std::move(tmp).value()

// ---- Query helpers ---------------------------------------------------------

// First column of the first row of `sql` as text ("<error>" / "<no row>").
// Step() as one value, for asserting on a single step: the row flag, or
// the statement's error.
absl::StatusOr<bool> StepResult(Statement* s) {
  const bool row = s->Step();
  if (!s->Succeeded()) return s->status();
  return row;
}

absl::StatusOr<bool> StepResult(const std::unique_ptr<Statement>& s) { return StepResult(s.get()); }

std::string QueryText(Database* db, std::string_view sql) {
  auto st = db->Prepare(sql);
  if (!st.ok()) return "<error: " + st.status().ToString() + ">";
  auto row = StepResult(*st);
  if (!row.ok()) return "<error: " + row.status().ToString() + ">";
  return *row ? (*st)->ColumnText(0) : "<no row>";
}

int64_t QueryInt(Database* db, std::string_view sql) {
  auto st = db->Prepare(sql);
  EXPECT_TRUE(IsOk(st)) << sql;
  if (!st.ok()) return -1;
  auto row = StepResult(*st);
  EXPECT_TRUE(IsOk(row)) << sql;
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? (*st)->ColumnInt64(0) : -1;
}

std::unique_ptr<Database> OpenMemory() {
  auto db = Database::Open(":memory:");
  EXPECT_TRUE(IsOk(db));
  return db.ok() ? std::move(*db) : nullptr;
}

// A fresh directory per test, removed afterwards.
class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "dyad_sqlite_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/test.db";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<Database> OpenFile(const DatabaseOptions& options = {}) {
    auto db = Database::Open(path_, options);
    EXPECT_TRUE(IsOk(db));
    return db.ok() ? std::move(*db) : nullptr;
  }

  std::string dir_;
  std::string path_;
};

// ---- Database ----------------------------------------------------------------

TEST(DatabaseTest, OpensInMemoryWithSettings) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->path(), ":memory:");
  EXPECT_NE(db->raw(), nullptr);
  EXPECT_EQ(QueryText(db.get(), "PRAGMA journal_mode"), "memory");
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA busy_timeout"), 5000);
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA synchronous"), 2);  // FULL
}

TEST_F(SqliteFileTest, FileDatabaseUsesWalAndOptions) {
  DatabaseOptions options;
  options.busy_timeout_ms = 1234;
  auto db = OpenFile(options);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->path(), path_);
  EXPECT_EQ(QueryText(db.get(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA busy_timeout"), 1234);
  EXPECT_EQ(QueryInt(db.get(), "PRAGMA foreign_keys"), 1);
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(SqliteFileTest, WalCanBeTurnedOff) {
  DatabaseOptions options;
  options.wal = false;
  auto db = OpenFile(options);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryText(db.get(), "PRAGMA journal_mode"), "delete");
}

TEST_F(SqliteFileTest, OpenErrorsNameThePath) {
  const std::string missing_dir = dir_ + "/no/such/dir/x.db";
  EXPECT_TRUE(HasStatus(Database::Open(missing_dir), absl::StatusCode::kInternal, missing_dir));

  DatabaseOptions read_only;
  read_only.read_only = true;
  EXPECT_TRUE(HasStatus(Database::Open(path_, read_only), absl::StatusCode::kInternal, path_));
  EXPECT_FALSE(std::filesystem::exists(path_));  // read-only never creates

  const std::string garbage = dir_ + "/garbage.db";
  {
    FILE* f = fopen(garbage.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("this is definitely not an sqlite database, just some text...........", f);
    fclose(f);
  }
  auto db = Database::Open(garbage);
  EXPECT_TRUE(HasStatus(db, absl::StatusCode::kInternal, garbage));
  EXPECT_TRUE(HasStatus(db, absl::StatusCode::kInternal, "not a database"));
}

TEST_F(SqliteFileTest, ReadOnlyReadsButDoesNotWrite) {
  {
    auto db = OpenFile();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);")));
  }
  DatabaseOptions options;
  options.read_only = true;
  auto db = OpenFile(options);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryInt(db.get(), "SELECT x FROM t"), 42);
  EXPECT_TRUE(
      HasStatus(db->Execute("INSERT INTO t VALUES (1)"), absl::StatusCode::kInternal, "readonly"));
}

TEST(DatabaseTest, ExecuteRunsSeveralStatementsAndQuotesTheFailingOne) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(IsOk(db->Execute(
      "-- a comment\n CREATE TABLE a (x);\n\nCREATE TABLE b (y); INSERT INTO a VALUES (1);;  ")));
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM a"), 1);
  EXPECT_TRUE(IsOk(db->Execute("")));
  EXPECT_TRUE(IsOk(db->Execute("  -- only a comment")));

  absl::Status s = db->Execute("INSERT INTO a VALUES (2); INSERT INTO nope VALUES (3);");
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInternal, "no such table: nope"));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kInternal, "in \"INSERT INTO nope"));
}

TEST(DatabaseTest, IntegrityCheckSaysOk) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x TEXT UNIQUE); INSERT INTO t VALUES ('a');")));
  auto result = db->IntegrityCheck();
  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(*result, "ok");
}

TEST(DatabaseTest, Fts5IsAvailable) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute(
      "CREATE VIRTUAL TABLE docs USING fts5 (title, body, tokenize = 'unicode61 "
      "remove_diacritics 2');"
      "INSERT INTO docs (title, body) VALUES ('Treaty of Westphalia', 'Peace signed in Münster');"
      "INSERT INTO docs (title, body) VALUES ('Congress of Vienna', 'Europe redrawn');")));
  static constexpr char kMatchSql[] = "SELECT title FROM docs WHERE docs MATCH ? ORDER BY rank";
  ASSERT_OK_AND_ASSIGN(Statement * st, db->GetCachedStatement(kMatchSql));
  st->BindText(1, "munster");  // diacritics removed
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(st));
  ASSERT_TRUE(row);
  EXPECT_EQ(st->ColumnText(0), "Treaty of Westphalia");
  ASSERT_OK_AND_ASSIGN(row, StepResult(st));
  EXPECT_FALSE(row);
}

// ---- Statement ---------------------------------------------------------------

TEST(StatementTest, BindsAndReadsEveryType) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE v (i INTEGER, d REAL, t TEXT, b BLOB, n, f)")));
  static constexpr char kInsertSql[] = "INSERT INTO v (i, d, t, b, n, f) VALUES (?, ?, ?, ?, ?, ?)";
  static constexpr char kSelectSql[] = "SELECT i, d, t, b, n, f FROM v ORDER BY rowid";

  const std::string utf8 = "Zürich — 東京 🌍";
  const std::string blob("a\0b\xff\0", 5);
  ASSERT_OK_AND_ASSIGN(Statement * ins, db->GetCachedStatement(kInsertSql));
  ins->BindInt64(1, std::numeric_limits<int64_t>::min())
      .BindDouble(2, 2.5)
      .BindText(3, utf8)
      .BindBlob(4, blob)
      .BindNull(5)
      .BindBool(6, true);
  ASSERT_TRUE(IsOk(ins->Run()));
  EXPECT_EQ(db->Changes(), 1);
  EXPECT_EQ(db->LastInsertRowId(), 1);

  // Empty text and blob are values, not NULL; unbound parameters are NULL.
  ASSERT_OK_AND_ASSIGN(ins, db->GetCachedStatement(kInsertSql));
  ins->BindInt64(1, std::numeric_limits<int64_t>::max())
      .BindText(3, std::string_view())
      .BindBlob(4, "")
      .BindBool(6, false);
  ASSERT_TRUE(IsOk(ins->Run()));
  EXPECT_EQ(db->LastInsertRowId(), 2);

  ASSERT_OK_AND_ASSIGN(Statement * sel, db->GetCachedStatement(kSelectSql));
  EXPECT_EQ(sel->ColumnCount(), 6);
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(sel));
  ASSERT_TRUE(row);
  EXPECT_EQ(sel->ColumnInt64(0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(sel->ColumnDouble(1), 2.5);
  EXPECT_EQ(sel->ColumnText(2), utf8);
  EXPECT_EQ(sel->ColumnBlob(3), blob);
  EXPECT_EQ(sel->ColumnBlob(3).size(), 5u);
  EXPECT_TRUE(sel->ColumnIsNull(4));
  EXPECT_EQ(sel->ColumnInt64(4), 0);
  EXPECT_EQ(sel->ColumnText(4), "");
  EXPECT_EQ(sel->ColumnBlob(4), "");
  EXPECT_TRUE(sel->ColumnBool(5));
  EXPECT_FALSE(sel->ColumnIsNull(0));

  ASSERT_OK_AND_ASSIGN(row, StepResult(sel));
  ASSERT_TRUE(row);
  EXPECT_EQ(sel->ColumnInt64(0), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(sel->ColumnIsNull(1));  // never bound
  EXPECT_EQ(sel->ColumnDouble(1), 0.0);
  EXPECT_FALSE(sel->ColumnIsNull(2));
  EXPECT_EQ(sel->ColumnText(2), "");
  EXPECT_FALSE(sel->ColumnIsNull(3));
  EXPECT_EQ(sel->ColumnBlob(3), "");
  EXPECT_FALSE(sel->ColumnBool(5));
  EXPECT_FALSE(sel->ColumnIsNull(5));

  ASSERT_OK_AND_ASSIGN(row, StepResult(sel));
  EXPECT_FALSE(row);

  // The stored types are the ones bound.
  EXPECT_EQ(QueryText(db.get(), "SELECT typeof(t) || typeof(b) || typeof(n) FROM v LIMIT 1"),
            "textblobnull");
  EXPECT_EQ(QueryInt(db.get(), "SELECT length(CAST(b AS BLOB)) FROM v LIMIT 1"), 5);
}

TEST(StatementTest, CachedStatementIsReusedAndReset) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);")));
  static constexpr char kSql[] = "SELECT x, ? FROM t ORDER BY x";

  ASSERT_OK_AND_ASSIGN(Statement * first, db->GetCachedStatement(kSql));
  first->BindInt64(1, 7);
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(first));
  ASSERT_TRUE(row);
  ASSERT_OK_AND_ASSIGN(row, StepResult(first));
  ASSERT_TRUE(row);
  EXPECT_EQ(first->ColumnInt64(0), 2);
  EXPECT_EQ(first->ColumnInt64(1), 7);

  // Same pointer, rewound to the first row, binding cleared. The key is the
  // text, so an equal string at another address finds it too.
  const std::string copy = kSql;
  ASSERT_OK_AND_ASSIGN(Statement * second, db->GetCachedStatement(copy.c_str()));
  EXPECT_EQ(second, first);
  EXPECT_EQ(second->sql(), kSql);
  ASSERT_OK_AND_ASSIGN(row, StepResult(second));
  ASSERT_TRUE(row);
  EXPECT_EQ(second->ColumnInt64(0), 1);
  EXPECT_TRUE(second->ColumnIsNull(1));

  // Uncached statements are distinct objects.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Statement> other, db->Prepare(kSql));
  EXPECT_NE(other.get(), first);
}

// The cache is looked up by the text's address first: a buffer reused for
// other SQL must still get the statement of its new text.
TEST(StatementTest, CachedStatementFollowsTheTextNotTheAddress) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  std::string sql = "SELECT 1";
  ASSERT_OK_AND_ASSIGN(Statement * one, db->GetCachedStatement(sql.c_str()));
  const char* address = sql.c_str();
  sql[7] = '2';  // same buffer, other statement
  ASSERT_EQ(sql.c_str(), address);
  ASSERT_OK_AND_ASSIGN(Statement * two, db->GetCachedStatement(sql.c_str()));
  EXPECT_NE(two, one);
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(two));
  ASSERT_TRUE(row);
  EXPECT_EQ(two->ColumnInt64(0), 2);
  sql[7] = '1';
  ASSERT_OK_AND_ASSIGN(Statement * again, db->GetCachedStatement(sql.c_str()));
  EXPECT_EQ(again, one);
}

TEST(StatementTest, BindByReferenceReadsTheCallersBytes) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Statement> st, db->Prepare("SELECT ?, ?, length(?2)"));
  const std::string text = "Zürich";
  const std::string blob("a\0b", 3);
  st->BindTextRef(1, text).BindBlobRef(2, blob);
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(st));
  ASSERT_TRUE(row);
  EXPECT_EQ(st->ColumnText(0), text);
  EXPECT_EQ(st->ColumnBlob(1), blob);
  EXPECT_EQ(st->ColumnInt64(2), 3);
  st->Reset();
  st->BindTextRef(1, "");
  ASSERT_OK_AND_ASSIGN(row, StepResult(st));
  EXPECT_FALSE(st->ColumnIsNull(0));  // "" is not NULL
}

TEST(StatementTest, ResetRewindsAndClearsBindings) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Statement> st, db->Prepare("SELECT ?"));
  st->BindText(1, "x");
  ASSERT_OK_AND_ASSIGN(bool row, StepResult(st));
  ASSERT_TRUE(row);
  EXPECT_EQ(st->ColumnText(0), "x");
  st->Reset();
  ASSERT_OK_AND_ASSIGN(row, StepResult(st));
  ASSERT_TRUE(row);
  EXPECT_TRUE(st->ColumnIsNull(0));
}

TEST(StatementTest, BadSqlFailsWithSqliteMessageAndText) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(HasStatus(db->Prepare("SELEC 1"), absl::StatusCode::kInternal, "syntax error"));
  EXPECT_TRUE(HasStatus(db->Prepare("SELEC 1"), absl::StatusCode::kInternal, "\"SELEC 1\""));
  EXPECT_TRUE(HasStatus(db->GetCachedStatement("SELECT * FROM missing"),
                        absl::StatusCode::kInternal, "no such table: missing"));
  EXPECT_TRUE(HasStatus(db->Prepare("SELECT 1; SELECT 2"), absl::StatusCode::kInvalidArgument,
                        "more than one"));
  EXPECT_TRUE(HasStatus(db->Prepare("  "), absl::StatusCode::kInvalidArgument, "no SQL"));
  EXPECT_TRUE(IsOk(db->Prepare("SELECT 1;  ")));

  // A failure at run time: the message, the SQL, cut after 80 characters.
  const std::string long_sql =
      "SELECT abs(?) /* padding padding padding padding padding padding padding */ AS overflowing";
  ASSERT_GT(long_sql.size(), 80u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Statement> st, db->Prepare(long_sql));
  st->BindInt64(1, std::numeric_limits<int64_t>::min());
  absl::StatusOr<bool> row = StepResult(st);
  EXPECT_TRUE(HasStatus(row, absl::StatusCode::kInternal, "integer overflow"));
  EXPECT_TRUE(HasStatus(row, absl::StatusCode::kInternal, long_sql.substr(0, 80) + "...\""));
  EXPECT_EQ(row.status().message().find("AS overflowing"), std::string_view::npos);
  // The statement is usable again after the error.
  st->Reset();
  st->BindInt64(1, -3);
  ASSERT_OK_AND_ASSIGN(bool ok_row, StepResult(st));
  ASSERT_TRUE(ok_row);
  EXPECT_EQ(st->ColumnInt64(0), 3);
}

TEST(StatementTest, BindErrorsAreReportedByStep) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Statement> st, db->Prepare("SELECT ?"));
  st->BindInt64(1, 1).BindInt64(3, 3).BindText(4, "x");
  EXPECT_TRUE(HasStatus(StepResult(st), absl::StatusCode::kInternal, "bind parameter 3"));
  EXPECT_TRUE(HasStatus(st->Run(), absl::StatusCode::kInternal, "out of range"));
  st->Reset();  // forgets the error
  EXPECT_TRUE(IsOk(st->Run()));
}

// The loop shape of the house style: a failed step ends the loop like the
// last row does, and the error waits on the statement to be checked once.
TEST(StatementTest, StepLoopEndsOnErrorCheckedOnceAfter) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x INTEGER);"
                               "INSERT INTO t VALUES (1), (2), (-9223372036854775808);")));
  // Rows in rowid order: abs() fails on the third.
  ASSERT_OK_AND_ASSIGN(Statement * st, db->GetCachedStatement("SELECT abs(x) FROM t"));
  std::vector<int64_t> seen;
  while (st->Step()) seen.push_back(st->ColumnInt64(0));
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(st->Succeeded());
  EXPECT_TRUE(HasStatus(st->status(), absl::StatusCode::kInternal, "integer overflow"));
  EXPECT_FALSE(st->Step());  // stays failed until Reset()
  EXPECT_TRUE(HasStatus(st->Run(), absl::StatusCode::kInternal, "integer overflow"));
  // A statement that ran to its end succeeded.
  ASSERT_OK_AND_ASSIGN(Statement * ok, db->GetCachedStatement("SELECT x FROM t WHERE x > 0"));
  int rows = 0;
  while (ok->Step()) ++rows;
  EXPECT_EQ(rows, 2);
  EXPECT_TRUE(ok->Succeeded());
  // GetCachedStatement resets: the error is forgotten.
  ASSERT_OK_AND_ASSIGN(st, db->GetCachedStatement("SELECT abs(x) FROM t"));
  EXPECT_TRUE(st->Succeeded());
  EXPECT_TRUE(st->Step());
}

// A list bound as one parameter reads back through json_each() as it was,
// quotes, backslashes, control bytes and UTF-8 included.
TEST(StatementTest, JsonArrayRoundTripsThroughJsonEach) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  const std::vector<std::string> values = {"plain", "quo\"te", "back\\slash", "tab\tnl\n\x01",
                                           "Bak\xc4\xb1", ""};
  ASSERT_OK_AND_ASSIGN(Statement * st,
                       db->GetCachedStatement("SELECT value FROM json_each(?) ORDER BY key"));
  st->BindText(1, JsonArray(values));
  std::vector<std::string> back;
  while (st->Step()) back.push_back(st->ColumnText(0));
  ASSERT_TRUE(st->Succeeded()) << st->status();
  EXPECT_EQ(back, values);
  ASSERT_OK_AND_ASSIGN(Statement * ints,
                       db->GetCachedStatement("SELECT SUM(value), COUNT(*) FROM json_each(?)"));
  ints->BindText(1, JsonArray(std::vector<int>{3, -4, 40}));
  ASSERT_TRUE(ints->Step());
  EXPECT_EQ(ints->ColumnInt64(0), 39);
  EXPECT_EQ(ints->ColumnInt64(1), 3);
  EXPECT_EQ(JsonArray(std::vector<int>{}), "[]");
}

TEST(StatementTest, ConstraintViolationsMapToStatusCodes) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      IsOk(db->Execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                       "                     n INTEGER CHECK (n >= 0));"
                       "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));"
                       "CREATE TABLE pair (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;"
                       "INSERT INTO parent (id, name, n) VALUES (1, 'one', 1);"
                       "INSERT INTO pair VALUES ('x', 'y');")));
  static constexpr char kInsertSql[] = "INSERT INTO parent (id, name, n) VALUES (?, ?, ?)";
  auto insert = [&](int64_t id, const char* name, int64_t n) -> absl::Status {
    auto st = db->GetCachedStatement(kInsertSql);
    if (!st.ok()) return st.status();
    (*st)->BindInt64(1, id).BindInt64(3, n);
    if (name) (*st)->BindText(2, name);
    return (*st)->Run();
  };
  EXPECT_TRUE(HasStatus(insert(2, "one", 1), absl::StatusCode::kAlreadyExists,
                        "UNIQUE constraint failed: parent.name"));
  EXPECT_TRUE(HasStatus(insert(1, "uno", 1), absl::StatusCode::kAlreadyExists, "parent.id"));
  EXPECT_TRUE(HasStatus(db->Execute("INSERT INTO pair VALUES ('x', 'y')"),
                        absl::StatusCode::kAlreadyExists, "pair.a, pair.b"));
  EXPECT_TRUE(HasStatus(insert(3, nullptr, 1), absl::StatusCode::kFailedPrecondition,
                        "NOT NULL constraint failed"));
  EXPECT_TRUE(HasStatus(insert(4, "four", -1), absl::StatusCode::kFailedPrecondition,
                        "CHECK constraint failed"));
  // Foreign keys are enforced.
  EXPECT_TRUE(HasStatus(db->Execute("INSERT INTO child VALUES (99)"),
                        absl::StatusCode::kFailedPrecondition, "FOREIGN KEY constraint failed"));
  EXPECT_TRUE(IsOk(insert(5, "five", 5)));
}

// ---- Transaction -----------------------------------------------------------

TEST(TransactionTest, RollsBackOnDestructionAndOnRequest) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x)")));
  {
    Transaction tx(db.get());
    ASSERT_TRUE(IsOk(tx.Begin()));
    ASSERT_TRUE(IsOk(db->Execute("INSERT INTO t VALUES (1)")));
    EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 1);
  }
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 0);
  EXPECT_TRUE(sqlite3_get_autocommit(db->raw()));

  Transaction tx(db.get());
  ASSERT_TRUE(IsOk(tx.Begin(/*immediate=*/false)));
  ASSERT_TRUE(IsOk(db->Execute("INSERT INTO t VALUES (1)")));
  tx.Rollback();
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM t"), 0);
  EXPECT_TRUE(HasStatus(tx.Commit(), absl::StatusCode::kFailedPrecondition, "not begun"));
}

TEST(TransactionTest, MisuseIsReported) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  Transaction tx(db.get());
  EXPECT_TRUE(HasStatus(tx.Commit(), absl::StatusCode::kFailedPrecondition, "not begun"));
  ASSERT_TRUE(IsOk(tx.Begin()));
  EXPECT_TRUE(HasStatus(tx.Begin(), absl::StatusCode::kFailedPrecondition, "already begun"));
  Transaction nested(db.get());
  EXPECT_TRUE(HasStatus(nested.Begin(), absl::StatusCode::kInternal,
                        "cannot start a transaction within a transaction"));
  EXPECT_TRUE(IsOk(tx.Commit()));
}

TEST_F(SqliteFileTest, CommitPersistsAcrossReopen) {
  {
    auto db = OpenFile();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (x TEXT)")));
    Transaction tx(db.get());
    ASSERT_TRUE(IsOk(tx.Begin()));
    ASSERT_OK_AND_ASSIGN(Statement * st, db->GetCachedStatement("INSERT INTO t VALUES (?)"));
    ASSERT_TRUE(IsOk(st->BindText(1, "kept").Run()));
    ASSERT_TRUE(IsOk(tx.Commit()));

    Transaction dropped(db.get());
    ASSERT_TRUE(IsOk(dropped.Begin()));
    ASSERT_OK_AND_ASSIGN(st, db->GetCachedStatement("INSERT INTO t VALUES (?)"));
    ASSERT_TRUE(IsOk(st->BindText(1, "dropped").Run()));
  }
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryText(db.get(), "SELECT group_concat(x) FROM t"), "kept");
  ASSERT_OK_AND_ASSIGN(std::string check, db->IntegrityCheck());
  EXPECT_EQ(check, "ok");
}

TEST_F(SqliteFileTest, LockedDatabaseIsUnavailableAfterTimeout) {
  DatabaseOptions options;
  options.busy_timeout_ms = 50;
  auto a = OpenFile(options);
  auto b = OpenFile(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(IsOk(a->Execute("CREATE TABLE t (x)")));

  Transaction writer(a.get());
  ASSERT_TRUE(IsOk(writer.Begin()));
  Transaction blocked(b.get());
  EXPECT_TRUE(HasStatus(blocked.Begin(), absl::StatusCode::kUnavailable, "locked"));
  EXPECT_TRUE(
      HasStatus(b->Execute("INSERT INTO t VALUES (1)"), absl::StatusCode::kUnavailable, "locked"));
  // WAL: readers are not blocked by the writer.
  EXPECT_EQ(QueryInt(b.get(), "SELECT count(*) FROM t"), 0);
  ASSERT_TRUE(IsOk(writer.Commit()));
  EXPECT_TRUE(IsOk(blocked.Begin()));
}

// ---- Migrations ------------------------------------------------------------

constexpr Migration kV1 = {1,
                           "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
                           "INSERT INTO notes (body) VALUES ('from v1');"};
constexpr Migration kV2 = {2,
                           "ALTER TABLE notes ADD COLUMN tag TEXT;"
                           "INSERT INTO notes (body, tag) VALUES ('from v2', 't');"};
constexpr Migration kV3 = {3, "CREATE INDEX notes_by_tag ON notes (tag);"};

std::string Meta(Database* db, const std::string& key) {
  return QueryText(db, "SELECT value FROM meta WHERE key = '" + key + "'");
}

TEST(MigrationTest, FreshDatabaseGetsEverythingAndRerunIsANoOp) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 0);

  const Migration all[] = {kV1, kV2};
  ASSERT_TRUE(IsOk(Migrate(db.get(), all, 1)));
  ASSERT_OK_AND_ASSIGN(version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 2);
  EXPECT_EQ(Meta(db.get(), "version"), "2");
  EXPECT_EQ(Meta(db.get(), "compatible_version"), "1");
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM notes"), 2);

  ASSERT_TRUE(IsOk(Migrate(db.get(), all, 1)));
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM notes"), 2);  // nothing re-run
  ASSERT_OK_AND_ASSIGN(version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 2);
}

TEST_F(SqliteFileTest, LaterMigrationsApplyOnlyTheNewOnes) {
  {
    auto db = OpenFile();
    ASSERT_NE(db, nullptr);
    const Migration v1_only[] = {kV1};
    ASSERT_TRUE(IsOk(Migrate(db.get(), v1_only, 1)));
  }
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 1);
  const Migration all[] = {kV1, kV2, kV3};
  ASSERT_TRUE(IsOk(Migrate(db.get(), all, 2)));
  ASSERT_OK_AND_ASSIGN(version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 3);
  EXPECT_EQ(Meta(db.get(), "compatible_version"), "2");
  // v1's insert ran once, v2's once.
  EXPECT_EQ(QueryText(db.get(),
                      "SELECT group_concat(body, '|') FROM (SELECT body FROM notes ORDER BY id)"),
            "from v1|from v2");
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'notes_by_tag'"),
            1);
}

TEST(MigrationTest, FailingMigrationRollsBackAndKeepsTheVersion) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  const Migration v1_only[] = {kV1};
  ASSERT_TRUE(IsOk(Migrate(db.get(), v1_only, 1)));

  const Migration broken[] = {
      kV1, {2, "CREATE TABLE half (x); INSERT INTO notes (body) VALUES (NULL);"}};
  absl::Status s = Migrate(db.get(), broken, 1);
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kFailedPrecondition, "migration to version 2"));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kFailedPrecondition, "NOT NULL"));
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
  EXPECT_TRUE(sqlite3_get_autocommit(db->raw()));

  // A failing first migration leaves a fresh database fresh.
  auto fresh = OpenMemory();
  ASSERT_NE(fresh, nullptr);
  const Migration bad_first[] = {{1, "CREATE TABLE x (a); SELECT nonsense FROM x;"}};
  EXPECT_TRUE(HasStatus(Migrate(fresh.get(), bad_first, 1), absl::StatusCode::kInternal,
                        "no such column: nonsense"));
  ASSERT_OK_AND_ASSIGN(version, SchemaVersion(fresh.get()));
  EXPECT_EQ(version, 0);
  EXPECT_EQ(QueryInt(fresh.get(), "SELECT count(*) FROM sqlite_master"), 0);
}

TEST(MigrationTest, MigrationThatCommitsItselfIsRejected) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  const Migration sneaky[] = {{1, "CREATE TABLE x (a); COMMIT;"}};
  EXPECT_TRUE(HasStatus(Migrate(db.get(), sneaky, 1), absl::StatusCode::kInvalidArgument,
                        "ended its own transaction"));
}

TEST(MigrationTest, DatabaseFromNewerCode) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  // Newer code went to v3 and declared that v1-only code can no longer cope.
  const Migration newer[] = {kV1, kV2, kV3};
  ASSERT_TRUE(IsOk(Migrate(db.get(), newer, 3)));
  const Migration older[] = {kV1, kV2};
  absl::Status s = Migrate(db.get(), older, 1);
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kFailedPrecondition, "compatible_version 3"));
  EXPECT_TRUE(HasStatus(s, absl::StatusCode::kFailedPrecondition, "up to 2"));

  // Had it declared compatibility with v2, the older code proceeds and leaves
  // the database as it is.
  auto db2 = OpenMemory();
  ASSERT_NE(db2, nullptr);
  ASSERT_TRUE(IsOk(Migrate(db2.get(), newer, 2)));
  EXPECT_TRUE(IsOk(Migrate(db2.get(), older, 1)));
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db2.get()));
  EXPECT_EQ(version, 3);
  EXPECT_EQ(Meta(db2.get(), "compatible_version"), "2");
}

TEST(MigrationTest, BadMigrationListsAreRejected) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  const Migration unsorted[] = {kV2, kV1};
  const Migration duplicate[] = {kV1, kV1};
  const Migration not_from_one[] = {kV2, kV3};
  const Migration null_sql[] = {{1, nullptr}};
  const Migration fine[] = {kV1, kV2};
  EXPECT_TRUE(HasStatus(Migrate(db.get(), unsorted, 1), absl::StatusCode::kInvalidArgument,
                        "increase strictly"));
  EXPECT_TRUE(HasStatus(Migrate(db.get(), duplicate, 1), absl::StatusCode::kInvalidArgument,
                        "increase strictly"));
  EXPECT_TRUE(
      HasStatus(Migrate(db.get(), not_from_one, 2), absl::StatusCode::kInvalidArgument, "from 1"));
  EXPECT_TRUE(
      HasStatus(Migrate(db.get(), null_sql, 1), absl::StatusCode::kInvalidArgument, "no SQL"));
  EXPECT_TRUE(
      HasStatus(Migrate(db.get(), {}, 1), absl::StatusCode::kInvalidArgument, "no migrations"));
  EXPECT_TRUE(HasStatus(Migrate(db.get(), fine, 3), absl::StatusCode::kInvalidArgument,
                        "compatible_version 3"));
  EXPECT_TRUE(HasStatus(Migrate(db.get(), fine, 0), absl::StatusCode::kInvalidArgument,
                        "compatible_version 0"));
  // Nothing was touched.
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db.get()));
  EXPECT_EQ(version, 0);
  EXPECT_EQ(QueryInt(db.get(), "SELECT count(*) FROM sqlite_master"), 0);
}

TEST(MigrationTest, CorruptVersionIsDataLoss) {
  auto db = OpenMemory();
  ASSERT_NE(db, nullptr);
  const Migration v1_only[] = {kV1};
  ASSERT_TRUE(IsOk(Migrate(db.get(), v1_only, 1)));
  ASSERT_TRUE(IsOk(db->Execute("UPDATE meta SET value = 'two' WHERE key = 'version'")));
  EXPECT_TRUE(HasStatus(SchemaVersion(db.get()), absl::StatusCode::kDataLoss, "\"two\""));
}


// ---- Call limits: statements stop when the call they serve is over -------

// Counts to 10^10: minutes of work unless something interrupts it.
constexpr char kEndlessSql[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000)"
    " SELECT COUNT(*) FROM c";

TEST(CallLimitsTest, ExpiredDeadlineInterruptsAStatement) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(IsOk(db));
  auto st = (*db)->Prepare(kEndlessSql);
  ASSERT_TRUE(IsOk(st));
  const absl::Time start = absl::Now();
  CallLimitsScope limits(start + absl::Milliseconds(100));
  EXPECT_TRUE(HasStatus(StepResult(*st).status(), absl::StatusCode::kDeadlineExceeded, "deadline"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(CallLimitsTest, CancellationInterruptsAStatement) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(IsOk(db));
  auto st = (*db)->Prepare(kEndlessSql);
  ASSERT_TRUE(IsOk(st));
  const absl::Time start = absl::Now();
  CallLimitsScope limits(absl::InfiniteFuture(),
                         [start] { return absl::Now() - start > absl::Milliseconds(50); });
  EXPECT_TRUE(HasStatus(StepResult(*st).status(), absl::StatusCode::kCancelled, "cancelled"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(CallLimitsTest, WithoutAScopeOrWithinTheDeadlineStatementsRun) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(IsOk(db));
  constexpr char kCountSql[] =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)"
      " SELECT COUNT(*) FROM c";
  auto st = (*db)->Prepare(kCountSql);
  ASSERT_TRUE(IsOk(st));
  {
    CallLimitsScope limits(absl::Now() + absl::Seconds(60));
    auto row = StepResult(*st);
    ASSERT_TRUE(IsOk(row));
    EXPECT_EQ((*st)->ColumnInt64(0), 100000);
  }
  (*st)->Reset();
  auto row = StepResult(*st);  // the scope is gone: no limits
  ASSERT_TRUE(IsOk(row));
  EXPECT_EQ((*st)->ColumnInt64(0), 100000);
}

TEST(CallLimitsTest, WaitingForALockGivesUpAtTheDeadline) {
  std::timed_mutex mu;
  std::unique_lock<std::timed_mutex> held(mu);
  std::thread waiter([&mu] {
    CallLimitsScope limits(absl::Now() + absl::Milliseconds(100));
    std::unique_lock<std::timed_mutex> lock;
    const absl::Time start = absl::Now();
    EXPECT_TRUE(HasStatus(LockUntilCallLimits(mu, &lock), absl::StatusCode::kDeadlineExceeded,
                          "deadline"));
    EXPECT_FALSE(lock.owns_lock());
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  });
  waiter.join();
  held.unlock();
  CallLimitsScope limits(absl::Now() + absl::Seconds(60));
  std::unique_lock<std::timed_mutex> lock;
  EXPECT_TRUE(IsOk(LockUntilCallLimits(mu, &lock)));
  EXPECT_TRUE(lock.owns_lock());
}

// ---- WAL sync and checkpoints ---------------------------------------------

TEST_F(SqliteFileTest, SyncWalWorksWithAndWithoutAWal) {
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("PRAGMA synchronous = NORMAL; CREATE TABLE t (x); "
                               "INSERT INTO t VALUES (1)")));
  EXPECT_TRUE(IsOk(db->SyncWal()));
  auto memory = OpenMemory();
  ASSERT_NE(memory, nullptr);
  EXPECT_TRUE(IsOk(memory->SyncWal()));
}

namespace {

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

// Commits `n` transactions of a few pages each.
void WritePages(Database& db, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(IsOk(db.Execute("INSERT INTO t SELECT randomblob(3000) FROM "
                                "(SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)")));
  }
}

}  // namespace

TEST_F(SqliteFileTest, CheckpointsRunOnTheirOwnThread) {
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (b BLOB)")));
  ASSERT_OK_AND_ASSIGN(auto ckpt, BackgroundCheckpointer::Start(db.get(), /*frames=*/8,
                                                                /*max_frames=*/1 << 30));
  const int64_t before = FileSize(path_);
  WritePages(*db, 10);
  // The writer's commits only signal; the pages reach the database file
  // when the thread has run.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (ckpt->checkpoints() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_GT(ckpt->checkpoints(), 0);
  EXPECT_GT(FileSize(path_), before + 20 * 1024);
  // Stopped, the writer checkpoints by itself again; the hook is gone.
  ckpt.reset();
  WritePages(*db, 2);
}

TEST_F(SqliteFileTest, WriterCheckpointsWhenTheThreadFallsBehind) {
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (b BLOB)")));
  // The thread is never woken (frames out of reach): only the writer's
  // own checkpoint at max_frames moves pages into the file.
  ASSERT_OK_AND_ASSIGN(auto ckpt, BackgroundCheckpointer::Start(db.get(), /*frames=*/1 << 30,
                                                                /*max_frames=*/8));
  const int64_t before = FileSize(path_);
  WritePages(*db, 10);
  EXPECT_GT(FileSize(path_), before + 20 * 1024);
  EXPECT_EQ(ckpt->checkpoints(), 0);
}

TEST_F(SqliteFileTest, WithoutCheckpointsTheFileStaysPut) {
  // The control for the two above: with automatic checkpoints off, the
  // same writes leave the database file as it was.
  auto db = OpenFile();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(IsOk(db->Execute("CREATE TABLE t (b BLOB); PRAGMA wal_autocheckpoint = 0")));
  const int64_t before = FileSize(path_);
  WritePages(*db, 10);
  EXPECT_EQ(FileSize(path_), before);
}

}  // namespace
}  // namespace dyad::sql
