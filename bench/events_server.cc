#include "events_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/pg/uri.h"
#include "common/server.h"
#include "event_service.h"
#include "gdelt_shape.h"

namespace dyad::bench {
namespace {

// The child: serves until SIGTERM. Writes its port to `port_fd`.
int Serve(const std::string& db, size_t list_cache_entries, int pg_pool_size, int port_fd) {
  ServerRunner::BlockShutdownSignals();
  auto plugins = GdeltPlugins();
  std::shared_ptr<pg::Pool> pool;
  if (pg::IsPostgresUri(db)) {
    pg::PoolOptions options;
    options.uri = db;
    options.size = pg_pool_size;
    pool = std::make_shared<pg::Pool>(std::move(options));
  }
  auto store = pool ? events::OpenPgEventStore(pool) : events::OpenSqliteEventStore(db);
  if (!store.ok()) {
    fprintf(stderr, "open %s: %s\n", pool ? pg::MaskPassword(db).c_str() : db.c_str(),
            std::string(store.status().message()).c_str());
    return 1;
  }
  events::EventCore core(std::move(*store), plugins.get(), list_cache_entries);
  if (!core.LoadPluginRecords().ok()) return 1;
  WriteAuthorizer auth(kBenchToken);
  events::EventServiceImpl service(&core, &auth);
  ServerRunner runner;
  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.max_receive_bytes = 64 << 20;
  config.shutdown_grace = absl::Seconds(2);
  if (auto s = runner.Start(config, {&service}, {"dyad.events.v1.EventService"}); !s.ok()) {
    fprintf(stderr, "start: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  const int port = runner.port();
  if (write(port_fd, &port, sizeof port) != sizeof port) return 1;
  close(port_fd);
  runner.WaitForShutdownSignal();
  return 0;
}

}  // namespace

EventsServer StartEventsServer(const std::string& db, size_t list_cache_entries,
                               int pg_pool_size) {
  EventsServer server;
  int fds[2];
  if (pipe(fds) != 0) return server;
  const pid_t pid = fork();
  if (pid < 0) return server;
  if (pid == 0) {
    close(fds[0]);
    _exit(Serve(db, list_cache_entries, pg_pool_size, fds[1]));
  }
  close(fds[1]);
  if (read(fds[0], &server.port, sizeof server.port) != sizeof server.port) {
    fprintf(stderr, "server on %s did not start\n",
            pg::IsPostgresUri(db) ? pg::MaskPassword(db).c_str() : db.c_str());
    waitpid(pid, nullptr, 0);
    close(fds[0]);
    return server;
  }
  close(fds[0]);
  server.pid = pid;
  return server;
}

void StopEventsServer(const EventsServer& server) {
  if (server.pid <= 0) return;
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
}

int64_t RssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces), from field 3.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) {
      stime = std::atoll(field.c_str());
      break;
    }
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace dyad::bench
