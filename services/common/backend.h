#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/pg/pool.h"
#include "common/plugin_host.h"

// Flags of the three backend services (events, economics, institutions).
ABSL_DECLARE_FLAG(std::string, db);
ABSL_DECLARE_FLAG(std::string, plugins);
ABSL_DECLARE_FLAG(std::string, plugin_allowlist);
ABSL_DECLARE_FLAG(std::string, write_token_file);
ABSL_DECLARE_FLAG(int, result_cache_entries);
ABSL_DECLARE_FLAG(int, result_cache_mib);
ABSL_DECLARE_FLAG(absl::Duration, db_check_interval);
ABSL_DECLARE_FLAG(std::string, db_password_file);
ABSL_DECLARE_FLAG(int, db_pool_size);

namespace dyad {

// What every backend needs before it builds its service.
struct BackendEnv {
  std::unique_ptr<PluginSet> plugins;
  WriteAuthorizer auth;
  std::string db;
  // Set when --db is a PostgreSQL URI (and the backend accepts one): the
  // connection pool its store uses, wired to the process's store health.
  std::shared_ptr<pg::Pool> pg_pool;
};

// Which engines a backend's store can run on (--db chooses among them).
enum class StoreEngines { kSqliteOnly, kSqliteOrPostgres };

// Sets up logging as `binary`, loads the plugins from --plugins (with
// --plugin_allowlist) and the write token. Errors are one line each.
// --db selects the engine: a file path or ":memory:" is SQLite, a
// "postgresql://" or "postgres://" URI is PostgreSQL (password from
// --db_password_file, else PGPASSWORD/~/.pgpass through libpq; the URI is
// only ever logged with its password masked). A URI given to a backend
// that is SQLite-only is INVALID_ARGUMENT.
absl::StatusOr<BackendEnv> PrepareBackend(const std::string& binary,
                                          StoreEngines engines = StoreEngines::kSqliteOnly);

// The --db value fit for logs (password masked).
std::string DbForLogs(const std::string& db);

// --result_cache_entries, never negative.
size_t ResultCacheEntries();
// --result_cache_mib in bytes, never negative.
size_t ResultCacheBytes();

// Serves `service` until SIGTERM/SIGINT, logging one "serving" line with
// the address and the plugins. Returns the process exit code.
int ServeBackend(const std::string& binary, int default_port, grpc::Service* service,
                 const std::string& service_name, const PluginSet& plugins);

// Logs `status` as the one line of a failed start-up and returns exit code 1.
int FailStartup(const std::string& binary, const absl::Status& status);

}  // namespace dyad
