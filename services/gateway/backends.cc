#include "backends.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace dyad::gateway {

std::string BackendServiceConfig() {
  return R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [
      {"service": "dyad.events.v1.EventService", "method": "GetEvent"},
      {"service": "dyad.events.v1.EventService", "method": "ListEvents"},
      {"service": "dyad.events.v1.EventService", "method": "ListEventKinds"},
      {"service": "dyad.events.v1.EventService", "method": "ListSources"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "ListIndicators"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "GetSeries"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "ListObservations"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "ListSources"},
      {"service": "dyad.institutions.v1.InstitutionService", "method": "GetInstitution"},
      {"service": "dyad.institutions.v1.InstitutionService", "method": "ListInstitutions"},
      {"service": "dyad.institutions.v1.InstitutionService", "method": "ListInstitutionKinds"},
      {"service": "dyad.institutions.v1.InstitutionService", "method": "ListMemberships"},
      {"service": "dyad.institutions.v1.InstitutionService", "method": "ListSources"}
    ],
    "retryPolicy": {
      "maxAttempts": 2,
      "initialBackoff": "0.05s",
      "maxBackoff": "0.2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";
}

absl::StatusOr<std::unique_ptr<Backends>> Backends::Connect(
    const BackendTargets& targets, std::shared_ptr<grpc::ChannelCredentials> creds) {
  auto b = std::unique_ptr<Backends>(new Backends());
  b->targets_ = targets;
  auto channel = [&](const std::string& target, const char* flag)
      -> absl::StatusOr<std::shared_ptr<grpc::Channel>> {
    if (target.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(BackendServiceConfig());
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
    return grpc::CreateCustomChannel(target, creds, args);
  };
  auto ev = channel(targets.events, "events");
  if (!ev.ok()) return ev.status();
  auto ec = channel(targets.economics, "economics");
  if (!ec.ok()) return ec.status();
  auto in = channel(targets.institutions, "institutions");
  if (!in.ok()) return in.status();
  b->events_ = dyad::events::v1::EventService::NewStub(*ev);
  b->economics_ = dyad::economics::v1::EconomicsService::NewStub(*ec);
  b->institutions_ = dyad::institutions::v1::InstitutionService::NewStub(*in);
  return b;
}

absl::Time BackendDeadline(absl::Time client_deadline, absl::Duration backend_timeout) {
  const absl::Time own = absl::Now() + backend_timeout;
  if (client_deadline == absl::InfiniteFuture()) return own;
  // Keep a margin to compose and send the answer before the client gives up.
  const absl::Time from_client = client_deadline - absl::Milliseconds(20);
  return std::min(own, from_client);
}

dyad::gateway::v1::Part PartOutcome::ToProto() const {
  dyad::gateway::v1::Part p;
  p.set_part(part);
  p.set_code(std::string(GrpcCodeName(status.error_code())));
  if (!status.ok()) p.set_message(status.error_message());
  return p;
}

}  // namespace dyad::gateway
