// dyad-gateway: composes cross-cutting answers from the three backends.
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "backends.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "common/tls.h"
#include "gateway_service.h"
#include "thread_pool.h"

ABSL_FLAG(std::string, events, "127.0.0.1:50051",
          "Events service target, e.g. dns:///dyad-events:50051 or 127.0.0.1:50051");
ABSL_FLAG(std::string, economics, "127.0.0.1:50052", "Economics service target");
ABSL_FLAG(std::string, institutions, "127.0.0.1:50053", "Institutions service target");
ABSL_FLAG(absl::Duration, backend_timeout, absl::Seconds(5),
          "Deadline of each backend call when the client sets a later one or none");
ABSL_FLAG(int, worker_threads, 32, "Threads running backend calls (each part of an answer)");
ABSL_FLAG(std::string, backend_ca_file, "", "PEM CA to verify the backends (TLS to backends)");
ABSL_FLAG(std::string, backend_cert_file, "", "PEM client certificate for mTLS to the backends");
ABSL_FLAG(std::string, backend_key_file, "", "PEM key of --backend_cert_file");

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  dyad::ParseFlags(argc, argv,
                   "dyad-gateway: cross-cutting answers (overview, timeline, year in review, "
                   "explain a change, search, discrepancies, sources) from the three services.\n"
                   "usage: dyad-gateway --events=HOST:PORT --economics=HOST:PORT "
                   "--institutions=HOST:PORT [--port=50050]");
  const std::string binary = "dyad-gateway";
  auto fail = [&](const absl::Status& s) {
    dyad::Log().error("startup failed: {}", std::string(s.message()));
    return 1;
  };
  if (auto s = dyad::InitLogging(binary, absl::GetFlag(FLAGS_log_level)); !s.ok()) return fail(s);
  if (absl::GetFlag(FLAGS_backend_timeout) <= absl::ZeroDuration()) {
    return fail(absl::InvalidArgumentError("backend_timeout: must be positive"));
  }
  auto creds = dyad::MakeChannelCredentials({absl::GetFlag(FLAGS_backend_ca_file),
                                             absl::GetFlag(FLAGS_backend_cert_file),
                                             absl::GetFlag(FLAGS_backend_key_file)});
  if (!creds.ok()) return fail(creds.status());
  dyad::gateway::BackendTargets targets{absl::GetFlag(FLAGS_events), absl::GetFlag(FLAGS_economics),
                                        absl::GetFlag(FLAGS_institutions)};
  auto backends = dyad::gateway::Backends::Connect(targets, *creds);
  if (!backends.ok()) return fail(backends.status());
  dyad::gateway::ThreadPool pool(std::max(2, absl::GetFlag(FLAGS_worker_threads)));
  dyad::gateway::RelationsGatewayImpl service(backends->get(), &pool,
                                              absl::GetFlag(FLAGS_backend_timeout));
  dyad::ServerRunner runner;
  if (auto s = runner.Start(dyad::ServerConfigFromFlags(50050), {&service},
                            {"dyad.gateway.v1.RelationsGateway"});
      !s.ok()) {
    return fail(s);
  }
  dyad::Log().info("serving service=dyad.gateway.v1.RelationsGateway address={} port={} events={} "
                   "economics={} institutions={}",
                   runner.address(), runner.port(), targets.events, targets.economics,
                   targets.institutions);
  runner.WaitForShutdownSignal();
  if (runner.abandoned()) {
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}
