#include "common/backend.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "common/health.h"
#include "common/pg/uri.h"
#include "common/sqlite/database.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/server.h"

ABSL_FLAG(std::string, db, "",
          "SQLite database file (created if missing); \":memory:\" keeps everything in memory; "
          "or a PostgreSQL URI postgresql://user@host:port/dbname (see docs/storage.md). "
          "Required");
ABSL_FLAG(std::string, db_password_file, "",
          "File holding the PostgreSQL password (trailing newline ignored); else libpq's own "
          "PGPASSWORD or ~/.pgpass. Never logged");
ABSL_FLAG(int, db_pool_size, 4,
          "PostgreSQL connections this process keeps at most (calls wait for a free one until "
          "their deadline)");
ABSL_FLAG(std::string, plugins, "", "Directory of domain plugins (*.so) to load at start-up");
ABSL_FLAG(std::string, plugin_allowlist, "",
          "Optional allowlist in sha256sum format; when set, only the listed plugin files with "
          "matching SHA-256 are loaded");
ABSL_FLAG(std::string, write_token_file, "",
          "File holding the bearer token that write methods require (else env DYAD_WRITE_TOKEN; "
          "without either, writes are refused)");

ABSL_FLAG(int, result_cache_entries, 1024,
          "Answers of the hottest read methods kept in memory, cleared by every write; 0 disables "
          "the cache");
ABSL_FLAG(int, result_cache_mib, 64,
          "Memory for those cached answers, in MiB (keys and answers counted); an answer bigger "
          "than an eighth of it is not kept; 0 disables the cache");

ABSL_FLAG(absl::Duration, db_check_interval, absl::Minutes(1),
          "How often the database is re-checked (PRAGMA quick_check and a write probe); a "
          "failing check makes health NOT_SERVING and refuses writes, a passing one restores "
          "SERVING. 0 disables the periodic check (start-up checks still run)");

namespace dyad {
namespace {

// The store's health in this process (one database per backend). Created by
// PrepareBackend, never freed: sqlite's fault listener may use it until exit.
StoreHealth* g_store_health = nullptr;
// The PostgreSQL pool when --db names one (checked by the periodic probe).
std::shared_ptr<pg::Pool> g_pg_pool;

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--db_password_file: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(text.str()));
}

// During start-up SIGINT/SIGTERM are blocked (so that the serving loop can
// sigwait them later); this thread takes them meanwhile, so a slow or hung
// start-up still ends promptly.
class StartupSignalWatcher {
 public:
  void Start(const std::string& binary) {
    binary_ = binary;
    thread_ = std::thread([this] { Run(); });
  }
  // Stops watching; a signal that arrives afterwards stays pending for the
  // serving loop's sigwait.
  void Stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    thread_.join();
  }

 private:
  void Run() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 50 * 1000 * 1000};
    while (!stop_.load()) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        Log().error("startup interrupted by {}: exiting before serving",
                    sig == SIGTERM ? "SIGTERM" : "SIGINT");
        Log().flush();
        std::fflush(nullptr);
        std::_Exit(128 + sig);
      }
    }
  }

  std::string binary_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

StartupSignalWatcher& StartupWatcher() {
  static auto* w = new StartupSignalWatcher();  // never destroyed: may outlive main
  return *w;
}

// Re-checks the database every `interval` until stopped.
class PeriodicDbCheck {
 public:
  PeriodicDbCheck(std::string path, absl::Duration interval, StoreHealth* health,
                  std::shared_ptr<pg::Pool> pool)
      : path_(std::move(path)), interval_(interval), health_(health), pool_(std::move(pool)) {
    if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
  }
  ~PeriodicDbCheck() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_; })) {
      lock.unlock();
      // PostgreSQL: one SELECT 1 (the pool reports the outcome to health_,
      // so a database that came back is noticed without waiting for a call).
      absl::Status s = pool_ ? pool_->Probe() : sql::CheckDatabaseHealth(path_);
      if (s.ok()) health_->MarkHealthy();
      else health_->MarkUnhealthy(std::string(s.message()));
      lock.lock();
    }
  }

  const std::string path_;
  const absl::Duration interval_;
  StoreHealth* health_;
  std::shared_ptr<pg::Pool> pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// dyad_plugins_loaded and dyad_plugin_records: what each plugin contributes
// to this service.
void RecordPluginMetrics(const std::string& service_name, const PluginSet& plugins) {
  metrics::SetPluginsLoaded(static_cast<int>(plugins.plugins().size()));
  for (const auto& p : plugins.plugins()) {
    const auto& b = p.bundle;
    if (service_name == "dyad.events.v1.EventService" && p.Contributes("events")) {
      metrics::SetPluginRecords(p.name, p.version, "events", b.events_size());
    } else if (service_name == "dyad.economics.v1.EconomicsService" &&
               p.Contributes("economics")) {
      metrics::SetPluginRecords(p.name, p.version, "observations", b.observations_size());
    } else if (service_name == "dyad.institutions.v1.InstitutionService" &&
               p.Contributes("institutions")) {
      metrics::SetPluginRecords(p.name, p.version, "institutions", b.institutions_size());
      metrics::SetPluginRecords(p.name, p.version, "memberships", b.memberships_size());
    }
  }
}

}  // namespace

size_t ResultCacheEntries() {
  return static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_result_cache_entries)));
}

size_t ResultCacheBytes() {
  return static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_result_cache_mib))) << 20;
}

int FailStartup(const std::string& binary, const absl::Status& status) {
  StartupWatcher().Stop();
  Log().error("startup failed: {}", std::string(status.message()));
  return 1;
}

std::string DbForLogs(const std::string& db) {
  return pg::IsPostgresUri(db) ? pg::MaskPassword(db) : db;
}

absl::StatusOr<BackendEnv> PrepareBackend(const std::string& binary, StoreEngines engines) {
  if (auto s = InitLogging(binary, absl::GetFlag(FLAGS_log_level), absl::GetFlag(FLAGS_log_format));
      !s.ok()) {
    return s;
  }
  StartupWatcher().Start(binary);
  BackendEnv env;
  env.db = absl::GetFlag(FLAGS_db);
  if (env.db.empty()) {
    return absl::InvalidArgumentError("--db is required (a file path, or :memory:)");
  }
  if (absl::GetFlag(FLAGS_db_check_interval) < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--db_check_interval: must not be negative");
  }
  if (pg::IsPostgresUri(env.db)) {
    if (engines != StoreEngines::kSqliteOrPostgres) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--db: ", binary, " cannot use PostgreSQL yet (give a SQLite file path or :memory:)"));
    }
    if (absl::GetFlag(FLAGS_db_pool_size) < 1) {
      return absl::InvalidArgumentError("--db_pool_size: must be at least 1");
    }
    auto password = ReadPasswordFile(absl::GetFlag(FLAGS_db_password_file));
    if (!password.ok()) return password.status();
    if (g_store_health == nullptr) g_store_health = new StoreHealth(pg::MaskPassword(env.db));
    StoreHealth* health = g_store_health;
    pg::PoolOptions options;
    options.uri = env.db;
    options.password = *password;
    options.size = absl::GetFlag(FLAGS_db_pool_size);
    options.on_fault = [health](const absl::Status& s) {
      health->MarkUnhealthy(std::string(s.message()));
    };
    options.on_ok = [health] { health->MarkHealthy(); };
    env.pg_pool = std::make_shared<pg::Pool>(std::move(options));
    g_pg_pool = env.pg_pool;
    Log().info("store PostgreSQL {} pool_size={}", pg::MaskPassword(env.db),
               absl::GetFlag(FLAGS_db_pool_size));
  }
  // Refuse what cannot be served before sqlite touches it (a 0-byte file
  // would silently become an empty database).
  if (!env.pg_pool) {
    if (auto s = sql::CheckDatabaseFile(env.db); !s.ok()) return s;
  }
  if (g_store_health == nullptr) {
    g_store_health = new StoreHealth(env.db);
    StoreHealth* health = g_store_health;
    // Corruption, I/O, read-only and full-disk errors met while serving flip
    // health at once (the periodic check may bring it back).
    if (auto s = sql::InstallStorageFaultListener([health](int code, const char* message) {
          health->MarkUnhealthy(absl::StrCat("sqlite error ", code, ": ", message));
        });
        !s.ok()) {
      return s;
    }
  }
  PluginHostOptions options;
  options.dir = absl::GetFlag(FLAGS_plugins);
  options.allowlist_file = absl::GetFlag(FLAGS_plugin_allowlist);
  if (options.dir.empty()) Log().warn("no --plugins directory: serving without plugins");
  auto plugins = PluginSet::Load(options);
  if (!plugins.ok()) return plugins.status();
  env.plugins = std::move(*plugins);
  auto auth = WriteAuthorizer::FromConfig(absl::GetFlag(FLAGS_write_token_file));
  if (!auth.ok()) return auth.status();
  env.auth = std::move(*auth);
  env.auth.set_write_gate([health = g_store_health] { return health->WriteGate(); });
  if (auto s = env.auth.LoadReadToken(absl::GetFlag(FLAGS_read_token_file)); !s.ok()) return s;
  if (env.auth.reads_closed()) Log().info("reads need a token");
  if (!env.auth.configured()) {
    Log().warn("no write token configured: write methods will be refused");
  }
  return env;
}

int ServeBackend(const std::string& binary, int default_port, grpc::Service* service,
                 const std::string& service_name, const PluginSet& plugins) {
  const std::string db = absl::GetFlag(FLAGS_db);
  // The store is open (and migrated) by now: check what it will serve.
  if (g_pg_pool) {
    // Already connected for the migrations; a database gone since then
    // is served as NOT_SERVING until it returns, not a failed start.
    (void)g_pg_pool->Probe();
  } else if (auto s = sql::CheckDatabaseHealth(db); !s.ok()) {
    return FailStartup(binary, absl::Status(s.code(), absl::StrCat(
        s.message(), " (restore the file from a backup, or remove it to start fresh)")));
  }
  ServerRunner runner;
  if (auto s = runner.Start(ServerConfigFromFlags(default_port), {service}, {service_name});
      !s.ok()) {
    return FailStartup(binary, s);
  }
  if (g_store_health != nullptr) g_store_health->Attach(&runner.health(), {service_name});
  StartupWatcher().Stop();
  PeriodicDbCheck periodic(
      db, g_store_health != nullptr ? absl::GetFlag(FLAGS_db_check_interval) : absl::ZeroDuration(),
      g_store_health, g_pg_pool);
  RecordPluginMetrics(service_name, plugins);
  Log().info("serving service={} address={} port={} plugins={}", service_name, runner.address(),
             runner.port(), plugins.Summary());
  runner.WaitForShutdownSignal();
  if (g_store_health != nullptr) g_store_health->Detach();
  if (runner.abandoned()) {
    // gRPC threads may still be inside the server: skip destructors. Every
    // acknowledged write is already committed (synchronous=FULL).
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace dyad
