// The events service in a child process for the benchmarks: the real
// EventServiceImpl over EventCore on a SQLite file, with the GDELT
// benchmark plugin (gdelt_shape.h). Fork it before any gRPC state exists in
// the parent.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace dyad::bench {

inline constexpr char kBenchToken[] = "bench-token";

struct EventsServer {
  pid_t pid = -1;
  int port = 0;
};

// Starts the server on `db` (created if missing) on a free loopback port;
// pid -1 when it did not start. `list_cache_entries` 0 turns the ListEvents
// result cache off, so every call reads the database. `db` may be a
// PostgreSQL URI (postgresql://…): the store then uses a pool of
// `pg_pool_size` connections.
EventsServer StartEventsServer(const std::string& db, size_t list_cache_entries = 1024,
                               int pg_pool_size = 4);
// SIGTERM, then waits for it to exit.
void StopEventsServer(const EventsServer& server);

// VmRSS of a process, in KiB (0 when unknown).
int64_t RssKb(pid_t pid);

// CPU seconds (user + system) a process has used, all its threads.
double CpuSeconds(pid_t pid);

}  // namespace dyad::bench
