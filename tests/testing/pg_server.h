// A real PostgreSQL 15 for tests: one server per test process, started on
// first use by tests/testing/pg.sh (initdb into a temporary directory, as
// the unprivileged user dyadpg when running as root) and stopped at exit;
// each test takes a fresh database from it.
//
//   DYAD_PG_OR_SKIP(pg);              // skips when PostgreSQL is absent
//   ASSERT_OK_AND_ASSIGN(std::string uri, pg->CreateDatabase());
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace dyad::testing {

class PgServer {
 public:
  // The process's server, started on first call; nullptr (with the reason
  // in *why_not) when PostgreSQL is not installed or would not start.
  static PgServer* Shared(std::string* why_not);

  // A new, empty database (CREATE DATABASE … TEMPLATE template0); returns
  // its URI over the Unix socket (no password needed).
  absl::StatusOr<std::string> CreateDatabase();
  // The same database over TCP on 127.0.0.1, which needs password().
  std::string TcpUri(const std::string& socket_uri) const;
  const std::string& password() const { return password_; }
  const std::string& password_file() const { return password_file_; }

  // An outage: stops the server keeping its data / starts it again.
  absl::Status Halt();
  absl::Status Resume();

  void Stop();

 private:
  std::string dir_;
  std::string port_;
  std::string password_;
  std::string password_file_;
  int next_db_ = 0;
};

}  // namespace dyad::testing

// Declares `var` (PgServer*) or skips the test, naming why.
#define DYAD_PG_OR_SKIP(var)                                                         \
  std::string var##_why_not;                                                         \
  ::dyad::testing::PgServer* var = ::dyad::testing::PgServer::Shared(&var##_why_not); \
  if (var == nullptr) GTEST_SKIP() << "PostgreSQL tests skipped: " << var##_why_not
