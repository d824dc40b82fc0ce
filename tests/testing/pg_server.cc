#include "testing/pg_server.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "testing/process.h"

namespace dyad::testing {
namespace {

// Runs pg.sh with `args`; returns its stdout, or the exit code as an error.
absl::StatusOr<std::string> RunScript(const std::string& args, int* exit_code = nullptr) {
  const std::string cmd = absl::StrCat("bash ", SourcePath("tests/testing/pg.sh"), " ", args);
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return absl::InternalError("popen failed");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  const int status = pclose(f);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (exit_code) *exit_code = code;
  if (code != 0) return absl::InternalError(absl::StrCat("pg.sh ", args, " exited ", code));
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::string(absl::StripTrailingAsciiWhitespace(s));
}

PgServer* g_server = nullptr;
std::string g_why_not;
std::once_flag g_once;

}  // namespace

PgServer* PgServer::Shared(std::string* why_not) {
  std::call_once(g_once, [] {
    int code = 0;
    if (!RunScript("available", &code).ok()) {
      g_why_not = "PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin/initdb); "
                  "scripts/install-deps.sh installs it";
      return;
    }
    char tmpl[] = "/tmp/dyad-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      g_why_not = "mkdtemp failed";
      return;
    }
    auto server = std::make_unique<PgServer>();
    server->dir_ = tmpl;
    auto uri = RunScript(absl::StrCat("start ", server->dir_));
    if (!uri.ok()) {
      // Installed but not startable is a failure, not a skip.
      ADD_FAILURE() << "PostgreSQL did not start: " << uri.status();
      g_why_not = "PostgreSQL did not start";
      return;
    }
    server->port_ = ReadFile(server->dir_ + "/port");
    server->password_file_ = server->dir_ + "/password";
    server->password_ = ReadFile(server->password_file_);
    g_server = server.release();
    std::atexit([] { g_server->Stop(); });
  });
  if (why_not) *why_not = g_why_not;
  return g_server;
}

absl::StatusOr<std::string> PgServer::CreateDatabase() {
  const std::string name = absl::StrCat("t", getpid(), "_", ++next_db_);
  const std::string admin =
      absl::StrCat("postgresql:///postgres?host=", dir_, "&port=", port_, "&user=dyad");
  PGconn* c = PQconnectdb(admin.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    return absl::UnavailableError(m);
  }
  // The name is ours (digits and letters only), not user input.
  PGresult* r = PQexec(c, absl::StrCat("CREATE DATABASE ", name, " TEMPLATE template0").c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string m = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) return absl::InternalError(m);
  return absl::StrCat("postgresql:///", name, "?host=", dir_, "&port=", port_, "&user=dyad");
}

std::string PgServer::TcpUri(const std::string& socket_uri) const {
  const size_t start = std::string("postgresql:///").size();
  const std::string db = socket_uri.substr(start, socket_uri.find('?') - start);
  return absl::StrCat("postgresql://dyad@127.0.0.1:", port_, "/", db);
}

absl::Status PgServer::Halt() { return RunScript(absl::StrCat("halt ", dir_)).status(); }
absl::Status PgServer::Resume() { return RunScript(absl::StrCat("resume ", dir_)).status(); }

void PgServer::Stop() {
  if (dir_.empty()) return;
  (void)RunScript(absl::StrCat("stop ", dir_));
  dir_.clear();
}

}  // namespace dyad::testing
