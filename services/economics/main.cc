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
                   "usage: dyad-economics --db=economics.db --plugins=DIR [--port=50052]");
  const std::string binary = "dyad-economics";
  auto env = dyad::PrepareBackend(binary);
  if (!env.ok()) return dyad::FailStartup(binary, env.status());
  auto store = dyad::economics::OpenSqliteObservationStore(env->db);
  if (!store.ok()) return dyad::FailStartup(binary, store.status());
  dyad::economics::EconomicsCore core(std::move(*store), env->plugins.get(),
                                        dyad::ResultCacheEntries(), dyad::ResultCacheBytes());
  auto lines = core.LoadPluginRecords();
  if (!lines.ok()) return dyad::FailStartup(binary, lines.status());
  for (const auto& l : *lines) dyad::Log().info("plugin records {}", l);
  dyad::economics::EconomicsServiceImpl service(&core, &env->auth);
  return dyad::ServeBackend(binary, 50052, &service, "dyad.economics.v1.EconomicsService",
                            *env->plugins);
}
