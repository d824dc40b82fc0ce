#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/health.h"
#include "common/metrics.h"

namespace dyad {

struct ServerConfig {
  std::string host = "0.0.0.0";
  int port = 0;  // 0 picks a free port
  int max_receive_bytes = 4 << 20;
  // Calls to Dyad's services served at once; more get RESOURCE_EXHAUSTED
  // (see admission.h). 0: no limit.
  int max_in_flight = 256;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Connections older than this are asked to go away (after their calls,
  // within `shutdown_grace`); zero: never.
  absl::Duration max_connection_age = absl::ZeroDuration();
  // TLS / mTLS (see tls.h); all empty: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Prometheus /metrics on this port (on `host`); 0: none; -1: any free
  // port (logged in the "metrics" line; for tests).
  int metrics_port = 0;
};

// The --host/--port/--max_receive_bytes/--shutdown_grace/--max_connection_age flags; a --port of
// -1 becomes `default_port`.
ServerConfig ServerConfigFromFlags(int default_port);

// Runs a gRPC server the way every Dyad process does: health service with a
// status per service name, server reflection, receive-size limit, and a
// graceful shutdown (NOT_SERVING first, then stop accepting, let in-flight
// calls finish until the grace deadline, then cancel them).
class ServerRunner {
 public:
  ServerRunner() = default;
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;
  ~ServerRunner();

  // Blocks SIGINT and SIGTERM in the calling thread and every thread it
  // starts later, so WaitForShutdownSignal() receives them. Call first thing
  // in main().
  static void BlockShutdownSignals();

  // Starts serving `services`; `service_names` are the full names whose
  // health status becomes SERVING (e.g. "dyad.events.v1.EventService").
  // `generic`, when given, answers every method no service claims (used by
  // the benchmark's empty handler).
  absl::Status Start(const ServerConfig& config, const std::vector<grpc::Service*>& services,
                     const std::vector<std::string>& service_names,
                     grpc::CallbackGenericService* generic = nullptr);

  // The port actually bound.
  int port() const { return port_; }
  // The metrics endpoint's port, 0 when there is none.
  int metrics_port() const;
  // "host:port" as bound.
  std::string address() const;
  grpc::Server* server() { return server_.get(); }
  HealthService& health() { return health_; }

  // Blocks until SIGINT or SIGTERM, then shuts down. Returns the signal.
  int WaitForShutdownSignal();

  // Health NOT_SERVING, stop accepting (new calls fail UNAVAILABLE), let
  // in-flight calls finish within the grace period, then cancel what
  // remains. Idempotent. Returns once no call is in flight.
  //
  // gRPC's own Shutdown() also waits for idle client connections to go away,
  // which keeps it blocked for the whole grace period whenever a client
  // holds a channel open. So we count calls ourselves and, once none is in
  // flight, stop waiting; the server object is then left to the process
  // exit (see abandoned()).
  void Shutdown();
  // True when Shutdown() returned before gRPC finished its own shutdown:
  // the process must then end with std::_Exit rather than run destructors.
  bool abandoned() const { return abandoned_; }
  // Calls being served right now.
  int in_flight() const { return counters_->in_flight.load(); }
  // Calls to Dyad's services (methods under "/dyad.") accepted since start;
  // health checks and reflection are not counted. Logged at shutdown as
  // `calls_served`, which shows how a balancer spread load over replicas.
  int64_t calls_served() const { return counters_->served.load(); }

  struct Counters {
    std::atomic<int> in_flight{0};
    std::atomic<int64_t> served{0};
  };

 private:
  ServerConfig config_;
  HealthService health_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> service_names_;
  int port_ = 0;
  bool stopped_ = false;
  bool abandoned_ = false;
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
  std::unique_ptr<metrics::Exposer> metrics_;
};

}  // namespace dyad
