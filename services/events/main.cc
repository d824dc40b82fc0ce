// dyad-events: the EventService process.
#include "absl/strings/str_cat.h"
#include "common/backend.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "event_core.h"
#include "event_service.h"

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv,
                   "dyad-events: dated events between countries, with citations.\n"
                   "usage: dyad-events --db=events.db|postgresql://... --plugins=DIR "
                   "[--port=50051]");
  const std::string binary = "dyad-events";
  auto env = dyad::PrepareBackend(binary, dyad::StoreEngines::kSqliteOrPostgres);
  if (!env.ok()) return dyad::FailStartup(binary, env.status());
  auto store = env->pg_pool ? dyad::events::OpenPgEventStore(env->pg_pool)
                            : dyad::events::OpenSqliteEventStore(env->db);
  if (!store.ok()) return dyad::FailStartup(binary, store.status());
  // The ListEvents cache is cleared by this process's writes only: on a
  // database other replicas write to, it would serve their writes late.
  size_t cache_entries = dyad::ResultCacheEntries();
  if (env->pg_pool && cache_entries > 0) {
    dyad::Log().info("result cache off: other replicas write to the same PostgreSQL database");
    cache_entries = 0;
  }
  dyad::events::EventCore core(std::move(*store), env->plugins.get(), cache_entries,
                               dyad::ResultCacheBytes());
  auto lines = core.LoadPluginRecords();
  if (!lines.ok()) return dyad::FailStartup(binary, lines.status());
  for (const auto& l : *lines) dyad::Log().info("plugin records {}", l);
  dyad::events::EventServiceImpl service(&core, &env->auth);
  return dyad::ServeBackend(binary, 50051, &service, "dyad.events.v1.EventService",
                            *env->plugins);
}
