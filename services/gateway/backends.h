#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"

namespace dyad::gateway {

struct BackendTargets {
  std::string events;
  std::string economics;
  std::string institutions;
};

// The service config every backend channel uses: round_robin over all the
// addresses a target resolves to (so dns:/// names of headless Services
// spread calls per request), and one retry of the read methods on
// UNAVAILABLE.
std::string BackendServiceConfig();

// One channel per backend, created once and shared by every request.
class Backends {
 public:
  static absl::StatusOr<std::unique_ptr<Backends>> Connect(
      const BackendTargets& targets, std::shared_ptr<grpc::ChannelCredentials> creds);

  dyad::events::v1::EventService::Stub& events() { return *events_; }
  dyad::economics::v1::EconomicsService::Stub& economics() { return *economics_; }
  dyad::institutions::v1::InstitutionService::Stub& institutions() { return *institutions_; }
  const BackendTargets& targets() const { return targets_; }

 private:
  BackendTargets targets_;
  std::unique_ptr<dyad::events::v1::EventService::Stub> events_;
  std::unique_ptr<dyad::economics::v1::EconomicsService::Stub> economics_;
  std::unique_ptr<dyad::institutions::v1::InstitutionService::Stub> institutions_;
};

// The deadline of a backend call made for a client call: the client's
// deadline less a margin to compose the answer, and never later than
// `backend_timeout` from now.
absl::Time BackendDeadline(absl::Time client_deadline, absl::Duration backend_timeout);

// The outcome of one backend for `parts`.
struct PartOutcome {
  std::string part;
  grpc::Status status;
  dyad::gateway::v1::Part ToProto() const;
};

}  // namespace dyad::gateway
