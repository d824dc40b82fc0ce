#include "common/backend.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"

ABSL_FLAG(std::string, db, "",
          "SQLite database file (created if missing); \":memory:\" keeps everything in memory. "
          "Required");
ABSL_FLAG(std::string, plugins, "", "Directory of domain plugins (*.so) to load at start-up");
ABSL_FLAG(std::string, plugin_allowlist, "",
          "Optional allowlist in sha256sum format; when set, only the listed plugin files with "
          "matching SHA-256 are loaded");
ABSL_FLAG(std::string, write_token_file, "",
          "File holding the bearer token that write methods require (else env DYAD_WRITE_TOKEN; "
          "without either, writes are refused)");

ABSL_FLAG(std::string, read_token_file, "",
          "When set (or env DYAD_READ_TOKEN), read methods also need a bearer token: this one or "
          "the write token. Reads are open otherwise");
ABSL_FLAG(int, result_cache_entries, 1024,
          "Answers of the hottest read methods kept in memory, cleared by every write; 0 disables "
          "the cache");
ABSL_FLAG(int, result_cache_mib, 64,
          "Memory for those cached answers, in MiB (keys and answers counted); an answer bigger "
          "than an eighth of it is not kept; 0 disables the cache");

namespace dyad {

size_t ResultCacheEntries() {
  return static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_result_cache_entries)));
}

size_t ResultCacheBytes() {
  return static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_result_cache_mib))) << 20;
}

int FailStartup(const std::string& binary, const absl::Status& status) {
  Log().error("startup failed: {}", std::string(status.message()));
  return 1;
}

absl::StatusOr<BackendEnv> PrepareBackend(const std::string& binary) {
  if (auto s = InitLogging(binary, absl::GetFlag(FLAGS_log_level)); !s.ok()) return s;
  BackendEnv env;
  env.db = absl::GetFlag(FLAGS_db);
  if (env.db.empty()) {
    return absl::InvalidArgumentError("--db is required (a file path, or :memory:)");
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
  if (auto s = env.auth.LoadReadToken(absl::GetFlag(FLAGS_read_token_file)); !s.ok()) return s;
  if (env.auth.reads_closed()) Log().info("reads need a token");
  if (!env.auth.configured()) {
    Log().warn("no write token configured: write methods will be refused");
  }
  return env;
}

int ServeBackend(const std::string& binary, int default_port, grpc::Service* service,
                 const std::string& service_name, const PluginSet& plugins) {
  ServerRunner runner;
  if (auto s = runner.Start(ServerConfigFromFlags(default_port), {service}, {service_name});
      !s.ok()) {
    return FailStartup(binary, s);
  }
  Log().info("serving service={} address={} port={} plugins={}", service_name, runner.address(),
             runner.port(), plugins.Summary());
  runner.WaitForShutdownSignal();
  if (runner.abandoned()) {
    // gRPC threads may still be inside the server: skip destructors. Every
    // acknowledged write is already committed (synchronous=FULL).
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace dyad
