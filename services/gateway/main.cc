// dyad-gateway: composes cross-cutting answers from the three backends. It
// stores nothing, so unlike the backends it has no --db or --plugins (and
// does not use common/backend.h).
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "answer_cache.h"
#include "common/admission.h"
#include "common/auth.h"
#include "backends.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/server.h"
#include "common/status.h"
#include "common/tls.h"
#include "gateway_service.h"
#include "release_watch.h"

ABSL_FLAG(std::string, events, "127.0.0.1:50051",
          "EventService target, e.g. dns:///dyad-events:50051 or 127.0.0.1:50051 "
          "(env DYAD_EVENTS)");
ABSL_FLAG(std::string, economics, "127.0.0.1:50052",
          "EconomicsService target, e.g. dns:///dyad-economics:50052 (env DYAD_ECONOMICS)");
ABSL_FLAG(std::string, institutions, "127.0.0.1:50053",
          "InstitutionService target, e.g. dns:///dyad-institutions:50053 "
          "(env DYAD_INSTITUTIONS)");
ABSL_FLAG(absl::Duration, backend_timeout, absl::Seconds(5),
          "Deadline of the backend calls of one request when the client sets a later one or "
          "none (the client's deadline, less a margin to compose, applies when earlier)");
ABSL_FLAG(absl::Duration, answer_cache_ttl, absl::ZeroDuration(),
          "How long a whole composed answer (every part OK) is served again to the same "
          "request; answers may be that much older than the backends' data. 0 (the default) "
          "turns the cache off");
ABSL_FLAG(absl::Duration, release_poll, absl::Seconds(1),
          "How often to ask the events backend for its newest data release (composed answers "
          "name it per part; the answer cache drops answers once it moves); 0 turns it off");
ABSL_FLAG(int, answer_cache_mib, 64,
          "Memory for the answers kept by --answer_cache_ttl, in MiB (emptied when full; an "
          "answer over an eighth of it is not kept)");
ABSL_FLAG(std::string, backend_ca_file, "", "PEM CA to verify the backends (TLS to the backends)");
ABSL_FLAG(std::string, backend_cert_file, "", "PEM client certificate for mutual TLS to the backends");
ABSL_FLAG(std::string, backend_key_file, "", "PEM key of --backend_cert_file");
ABSL_FLAG(std::string, backend_token_file, "",
          "File holding the token sent to the backends on every call (\"authorization: Bearer "
          "<token>\"), their --read_token_file (else env DYAD_BACKEND_TOKEN; without either, "
          "calls carry no token). Never logged; use TLS to the backends (--backend_ca_file) "
          "outside a trusted network");

// The gateway's own default for --max_in_flight (the backends keep 256):
// each gateway call holds its backends' replies until it is composed and
// fans out to several backend calls at once, so far fewer composed calls
// fit in the same memory. Measured with bench/flood.sh (50 connections x
// 100 streams on GetOverview, five floods): 64 keeps the gateway near
// 100 MiB and the busiest backend under 50 MiB, and answers as many whole
// replies per flood as 256 does; see docs/performance.md.
constexpr int kGatewayMaxInFlight = 64;

int main(int argc, char** argv) {
  dyad::ServerRunner::BlockShutdownSignals();
  absl::SetFlag(&FLAGS_max_in_flight, kGatewayMaxInFlight);  // --max_in_flight overrides
  dyad::ParseFlags(argc, argv,
                   "dyad-gateway: cross-cutting answers (overview, timeline, year in review, "
                   "explain a change, search, discrepancies, sources) composed from the three "
                   "services; a backend that fails shows in the answer's parts.\n"
                   "usage: dyad-gateway --events=TARGET --economics=TARGET "
                   "--institutions=TARGET [--port=50050] [--backend_timeout=5s]\n"
                   "The gateway's --max_in_flight defaults to 64 (not 256).");
  auto fail = [](const absl::Status& s) {
    dyad::Log().error("startup failed: {}", std::string(s.message()));
    return 1;
  };
  if (auto s = dyad::InitLogging("dyad-gateway", absl::GetFlag(FLAGS_log_level),
                                 absl::GetFlag(FLAGS_log_format));
      !s.ok()) {
    return fail(s);
  }
  const absl::Duration backend_timeout = absl::GetFlag(FLAGS_backend_timeout);
  if (backend_timeout <= absl::ZeroDuration()) {
    return fail(dyad::InvalidField("backend_timeout",
                                   absl::StrCat("must be positive, got ",
                                                absl::FormatDuration(backend_timeout))));
  }
  const absl::Duration answer_ttl = absl::GetFlag(FLAGS_answer_cache_ttl);
  if (answer_ttl < absl::ZeroDuration()) {
    return fail(dyad::InvalidField("answer_cache_ttl",
                                   absl::StrCat("must not be negative, got ",
                                                absl::FormatDuration(answer_ttl))));
  }
  const int answer_mib = absl::GetFlag(FLAGS_answer_cache_mib);
  if (answer_mib < 0) {
    return fail(dyad::InvalidField("answer_cache_mib",
                                   absl::StrCat("must not be negative, got ", answer_mib)));
  }
  dyad::gateway::AnswerCache answers(answer_ttl, static_cast<size_t>(answer_mib) << 20);
  auto creds = dyad::MakeChannelCredentials({absl::GetFlag(FLAGS_backend_ca_file),
                                             absl::GetFlag(FLAGS_backend_cert_file),
                                             absl::GetFlag(FLAGS_backend_key_file)});
  if (!creds.ok()) return fail(creds.status());
  const dyad::gateway::BackendTargets targets{absl::GetFlag(FLAGS_events),
                                              absl::GetFlag(FLAGS_economics),
                                              absl::GetFlag(FLAGS_institutions)};
  auto backend_token = dyad::ReadBackendToken(absl::GetFlag(FLAGS_backend_token_file));
  if (!backend_token.ok()) return fail(backend_token.status());
  auto backends = dyad::gateway::Backends::Connect(targets, *creds,
                                                   backend_token->value_or(std::string()));
  if (!backends.ok()) return fail(backends.status());
  // The gateway's own callers: reads open unless a read token is set.
  dyad::WriteAuthorizer callers;
  if (auto s = callers.LoadReadToken(absl::GetFlag(FLAGS_read_token_file)); !s.ok()) {
    return fail(s);
  }
  if (callers.reads_closed()) dyad::Log().info("reads need a token");
  std::unique_ptr<dyad::gateway::ReleaseWatch> releases;
  if (const absl::Duration poll = absl::GetFlag(FLAGS_release_poll); poll > absl::ZeroDuration()) {
    releases = std::make_unique<dyad::gateway::ReleaseWatch>(&(*backends)->events(), poll,
                                                             (*backends)->authorization());
    releases->Start();
  }
  dyad::gateway::RelationsGatewayImpl service(backends->get(), backend_timeout, &answers,
                                              callers.reads_closed() ? &callers : nullptr);
  dyad::ServerRunner runner;
  if (auto s = runner.Start(dyad::ServerConfigFromFlags(50050), {&service},
                            {"dyad.gateway.v1.RelationsGateway"});
      !s.ok()) {
    return fail(s);
  }
  dyad::Log().info(
      "serving service=dyad.gateway.v1.RelationsGateway address={} port={} events={} "
      "economics={} institutions={} backend_timeout={} answer_cache_ttl={} max_in_flight={} "
      "backend_token={}",
      runner.address(), runner.port(), dyad::LogValue(targets.events),
      dyad::LogValue(targets.economics), dyad::LogValue(targets.institutions),
      absl::FormatDuration(backend_timeout), absl::FormatDuration(answer_ttl),
      dyad::MaxCallsInFlight(), backend_token->has_value() ? "set" : "none");
  runner.WaitForShutdownSignal();
  if (runner.abandoned()) {
    // gRPC's own shutdown is still waiting for idle clients: leave the
    // server object to the process exit (see ServerRunner::Shutdown).
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}
