// A thin C++ layer over libpq, in the spirit of the sqlite layer next door:
// a Connection that prepares each statement text once (a per-connection
// cache) and runs it with bound parameters, a Result of typed rows, and a
// Transaction that rolls back unless committed. Errors are absl::Status:
//   connection lost / server shutting down  → UNAVAILABLE (broken() is then true)
//   serialization failure, deadlock         → ABORTED (the caller may retry)
//   unique violation                        → ALREADY_EXISTS
//   statement_timeout / the call's deadline → DEADLINE_EXCEEDED
// Every wait on the server is bounded by the calling thread's deadline
// (sql::CallDeadline, see common/sqlite/call_limits.h): when it passes, the
// running statement is cancelled and the connection is discarded.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace dyad::pg {

// Positional parameters $1, $2, ... in order. Values travel as text (the
// server parses them as the statement's parameter types) except Bytes,
// which travels binary.
class Params {
 public:
  Params& Text(std::string value);
  Params& Int(int64_t value);
  Params& Bool(bool value);
  Params& Bytes(std::string value);
  // A text[] value (array literal with every element quoted).
  Params& TextArray(const std::vector<std::string>& values);

  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Connection;
  std::vector<std::string> values_;
  std::vector<int> formats_;
};

// The rows of one statement. Columns come back in binary format, so text
// is the bytes as stored and integers are decoded from network order.
class Result {
 public:
  int rows() const { return res_ ? PQntuples(res_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col); }
  std::string Text(int row, int col) const;   // text, varchar, bytea
  int64_t Int64(int row, int col) const;      // int2, int4, int8, bool
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;

 private:
  friend class Connection;
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> res_;
};

class Connection {
 public:
  // Connects to `uri` (a libpq URI or keyword string). `password`, when
  // not empty, is passed as the password (else libpq's own sources apply:
  // PGPASSWORD, ~/.pgpass). Gives up at the calling thread's deadline and
  // after `connect_timeout` at most. Errors never contain the password.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& uri,
                                                          const std::string& password,
                                                          absl::Duration connect_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one statement or several, no parameters) with the simple
  // query protocol: for migrations and BEGIN/COMMIT.
  absl::Status Execute(const std::string& sql);
  // Runs `sql` ($n placeholders) as a prepared statement, preparing it on
  // first use on this connection.
  absl::StatusOr<Result> Run(const std::string& sql, const Params& params = Params());
  // Run in two halves, so that the caller can work while the server runs
  // the statement: Send() hands it over (preparing it on first use) and
  // returns once the server has it; Receive() waits for its result. One
  // statement at a time: every Send() is followed by its Receive() before
  // anything else runs on the connection.
  absl::Status Send(const std::string& sql, const Params& params = Params());
  absl::StatusOr<Result> Receive();

  // True once the connection is unusable (lost, or abandoned mid-call).
  bool broken() const;
  // Fit to go back to the pool: not broken, and no transaction left open.
  bool reusable() const;
  // For an idle connection: false when the server has closed it meanwhile
  // (e.g. restarted). Does not block.
  bool StillAlive();

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  // Waits for the result of what was sent; the last result wins, errors first.
  absl::StatusOr<Result> Collect(const std::string& what);
  absl::Status Flush();

  PGconn* conn_;
  bool abandoned_ = false;
  std::string sent_;  // what Receive() waits for, in its errors
  std::map<std::string, std::string> prepared_;  // statement text → name
};

// Maps a failed result (or a connection failure when `res` is null).
absl::Status StatusFromPg(PGconn* conn, const PGresult* res, const std::string& what);

// BEGIN … COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // `begin` may name an isolation level ("BEGIN ISOLATION LEVEL ...").
  absl::Status Begin(const std::string& begin = "BEGIN");
  absl::Status Commit();

 private:
  Connection* conn_;
  bool open_ = false;
};

}  // namespace dyad::pg
