#include "common/pg/connection.h"

#include <arpa/inet.h>
#include <poll.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/sqlite/call_limits.h"

namespace dyad::pg {
namespace {

std::string ErrorText(PGconn* conn, const PGresult* res) {
  const char* m = res ? PQresultErrorMessage(res) : nullptr;
  if (m == nullptr || *m == '\0') m = conn ? PQerrorMessage(conn) : "no connection";
  return std::string(absl::StripTrailingAsciiWhitespace(m));
}

// Waits until the socket is readable (or writable), the call's deadline
// passes or the caller goes away; in slices so cancellation is noticed.
absl::Status WaitSocket(PGconn* conn, bool for_write) {
  const absl::Time deadline = sql::CallDeadline();
  for (;;) {
    if (auto s = sql::CheckCallLimits(); !s.ok()) return s;
    const absl::Duration left = deadline - absl::Now();
    const int ms = static_cast<int>(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(left), 0, 100));
    pollfd p{PQsocket(conn), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int n = poll(&p, 1, ms);
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) return absl::UnavailableError(strerror(errno));
  }
}

}  // namespace

absl::Status StatusFromPg(PGconn* conn, const PGresult* res, const std::string& what) {
  const std::string message = absl::StrCat(what, ": ", ErrorText(conn, res));
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  if (code == "23505") return absl::AlreadyExistsError(message);
  if (code == "40001" || code == "40P01") return absl::AbortedError(message);
  if (code == "57014") return absl::DeadlineExceededError(message);
  // Connection exceptions, shutdowns, too many connections: the database is
  // (for now) not there for us.
  if (absl::StartsWith(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" ||
      code == "53300") {
    return absl::UnavailableError(message);
  }
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return absl::UnavailableError(message);
  if (absl::StartsWith(code, "22") || absl::StartsWith(code, "23")) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
}

Params& Params::Text(std::string value) {
  values_.push_back(std::move(value));
  formats_.push_back(0);
  return *this;
}
Params& Params::Int(int64_t value) { return Text(std::to_string(value)); }
Params& Params::Bool(bool value) { return Text(value ? "t" : "f"); }
Params& Params::Bytes(std::string value) {
  values_.push_back(std::move(value));
  formats_.push_back(1);
  return *this;
}
Params& Params::TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return Text(out + "}");
}

std::string Result::Text(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col), PQgetlength(res_.get(), row, col));
}

int64_t Result::Int64(int row, int col) const {
  const char* v = PQgetvalue(res_.get(), row, col);
  const int len = PQgetlength(res_.get(), row, col);
  uint64_t n = 0;
  for (int i = 0; i < len; ++i) n = (n << 8) | static_cast<unsigned char>(v[i]);
  // Sign-extend the shorter integer types.
  if (len > 0 && len < 8 && (static_cast<unsigned char>(v[0]) & 0x80)) n |= ~uint64_t{0} << (8 * len);
  return static_cast<int64_t>(n);
}

int64_t Result::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& uri,
                                                             const std::string& password,
                                                             absl::Duration connect_timeout) {
  const absl::Duration left = std::min(connect_timeout, sql::CallDeadline() - absl::Now());
  // libpq's connect_timeout is whole seconds, at least 2.
  const std::string timeout =
      std::to_string(std::max<int64_t>(2, absl::ToInt64Seconds(left + absl::Milliseconds(999))));
  std::vector<const char*> keys = {"dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {uri.c_str(), timeout.c_str(), "dyad"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname: the URI in dbname supplies everything it names; the
  // keywords after it (timeout, password) override.
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = ErrorText(conn, nullptr);
    PQfinish(conn);
    if (!password.empty()) {
      for (size_t p = message.find(password); p != std::string::npos; p = message.find(password))
        message.replace(p, password.size(), "****");
    }
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  PQsetnonblocking(conn, 1);
  // Server notices ("relation already exists, skipping") are not errors;
  // libpq would print them to stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return abandoned_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::reusable() const {
  return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::StillAlive() {
  if (broken()) return false;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (poll(&p, 1, 0) <= 0) return true;  // nothing arrived while idle: fine
  // Something arrived on an idle connection: a termination notice or EOF.
  if (!PQconsumeInput(conn_)) return false;
  while (PGresult* r = PQgetResult(conn_)) PQclear(r);
  return PQstatus(conn_) == CONNECTION_OK;
}

absl::Status Connection::Flush() {
  for (;;) {
    const int f = PQflush(conn_);
    if (f == 0) return absl::OkStatus();
    if (f < 0) return StatusFromPg(conn_, nullptr, "sending to PostgreSQL");
    if (auto s = WaitSocket(conn_, true); !s.ok()) {
      abandoned_ = true;
      return s;
    }
  }
}

absl::StatusOr<Result> Connection::Collect(const std::string& what) {
  if (auto s = Flush(); !s.ok()) return s;
  Result last;
  absl::Status error;
  for (;;) {
    while (PQisBusy(conn_)) {
      if (auto s = WaitSocket(conn_, false); !s.ok()) {
        // Nobody waits for the answer any more: ask the server to stop and
        // give the connection up (it is mid-protocol).
        if (PGcancel* c = PQgetCancel(conn_)) {
          char buf[256];
          PQcancel(c, buf, sizeof buf);
          PQfreeCancel(c);
        }
        abandoned_ = true;
        return s;
      }
      if (!PQconsumeInput(conn_)) return StatusFromPg(conn_, nullptr, what);
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (error.ok() && st != PGRES_NONFATAL_ERROR) error = StatusFromPg(conn_, r, what);
      PQclear(r);
      continue;
    }
    last.res_.reset(r);
  }
  if (!error.ok()) return error;
  if (PQstatus(conn_) != CONNECTION_OK) return StatusFromPg(conn_, nullptr, what);
  return last;
}

absl::Status Connection::Execute(const std::string& sql) {
  if (broken()) return absl::UnavailableError("PostgreSQL connection lost");
  if (!PQsendQuery(conn_, sql.c_str())) return StatusFromPg(conn_, nullptr, "query");
  return Collect("query").status();
}

absl::StatusOr<Result> Connection::Run(const std::string& sql, const Params& params) {
  if (auto s = Send(sql, params); !s.ok()) return s;
  return Receive();
}

absl::Status Connection::Send(const std::string& sql, const Params& params) {
  if (broken()) return absl::UnavailableError("PostgreSQL connection lost");
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = absl::StrCat("dyad_", prepared_.size() + 1);
    if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)) {
      return StatusFromPg(conn_, nullptr, "prepare");
    }
    if (auto r = Collect(absl::StrCat("prepare \"", sql.substr(0, 60), "\"")); !r.ok()) {
      return r.status();
    }
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& v : params.values_) {
    values.push_back(v.data());
    lengths.push_back(static_cast<int>(v.size()));
  }
  if (!PQsendQueryPrepared(conn_, it->second.c_str(), params.size(), values.data(),
                           lengths.data(), params.formats_.data(), /*resultFormat=*/1)) {
    return StatusFromPg(conn_, nullptr, "execute");
  }
  sent_ = absl::StrCat("statement \"", sql.substr(0, 60), "\"");
  // On its way now: the server starts while the caller goes on.
  return Flush();
}

absl::StatusOr<Result> Connection::Receive() { return Collect(sent_); }

Transaction::~Transaction() {
  if (open_ && !conn_->broken()) (void)conn_->Execute("ROLLBACK");
}

absl::Status Transaction::Begin(const std::string& begin) {
  if (auto s = conn_->Execute(begin); !s.ok()) return s;
  open_ = true;
  return absl::OkStatus();
}

absl::Status Transaction::Commit() {
  auto s = conn_->Execute("COMMIT");
  open_ = false;
  return s;
}

}  // namespace dyad::pg
