// dyad-institutions: the InstitutionService process.
#include "common/backend.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "institution_core.h"
#include "institution_service.h"

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv,
                   "dyad-institutions: institutions of a relationship and memberships of "
                   "countries in organizations, with citations.\n"
                   "usage: dyad-institutions --db=institutions.db|postgresql://... --plugins=DIR "
                   "[--port=50053]");
  const std::string binary = "dyad-institutions";
  auto env = dyad::PrepareBackend(binary, dyad::StoreEngines::kSqliteOrPostgres);
  if (!env.ok()) return dyad::FailStartup(binary, env.status());
  auto store = env->pg_pool ? dyad::institutions::OpenPgInstitutionStore(env->pg_pool)
                            : dyad::institutions::OpenSqliteInstitutionStore(env->db);
  if (!store.ok()) return dyad::FailStartup(binary, store.status());
  dyad::institutions::InstitutionCore core(std::move(*store), env->plugins.get(),
                                           dyad::ResultCacheEntries(), dyad::ResultCacheBytes());
  auto lines = core.LoadPluginRecords();
  if (!lines.ok()) return dyad::FailStartup(binary, lines.status());
  for (const auto& l : *lines) dyad::Log().info("plugin records {}", l);
  dyad::institutions::InstitutionServiceImpl service(&core, &env->auth);
  return dyad::ServeBackend(binary, 50053, &service, "dyad.institutions.v1.InstitutionService",
                            *env->plugins);
}
