// dyad-economics: the EconomicsService process.
#include "common/backend.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "economics_core.h"
#include "economics_service.h"

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv,
                   "dyad-economics: sourced economic figures between countries, reconciled "
                   "per period.\n"
                   "usage: dyad-economics --db=economics.db|postgresql://... --plugins=DIR "
                   "[--port=50052]");
  const std::string binary = "dyad-economics";
  auto env = dyad::PrepareBackend(binary, dyad::StoreEngines::kSqliteOrPostgres);
  if (!env.ok()) return dyad::FailStartup(binary, env.status());
  auto store = env->pg_pool ? dyad::economics::OpenPgObservationStore(env->pg_pool)
                            : dyad::economics::OpenSqliteObservationStore(env->db);
  if (!store.ok()) return dyad::FailStartup(binary, store.status());
  // The series cache is cleared by this process's writes only: on a shared
  // PostgreSQL another replica's write would not clear it, so it is off
  // there (every acknowledged write is visible through every replica).
  const bool shared_store = env->pg_pool != nullptr;
  if (shared_store && dyad::ResultCacheEntries() > 0) {
    dyad::Log().info("result cache off: the store is shared with other replicas");
  }
  dyad::economics::EconomicsCore core(std::move(*store), env->plugins.get(),
                                        shared_store ? 0 : dyad::ResultCacheEntries(),
                                        shared_store ? 0 : dyad::ResultCacheBytes());
  auto lines = core.LoadPluginRecords();
  if (!lines.ok()) return dyad::FailStartup(binary, lines.status());
  for (const auto& l : *lines) dyad::Log().info("plugin records {}", l);
  dyad::economics::EconomicsServiceImpl service(&core, &env->auth);
  return dyad::ServeBackend(binary, 50052, &service, "dyad.economics.v1.EconomicsService",
                            *env->plugins);
}
