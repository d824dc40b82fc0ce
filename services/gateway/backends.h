// The gateway's side of the three backends: one channel each (created once,
// shared by every request), the service config that balances and retries,
// the deadline of a backend call, and the asynchronous calls a composed
// answer is gathered with (gRPC's callback client API: the parts of one
// answer run concurrently and no thread blocks waiting for a backend).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "common/trace.h"

namespace dyad::gateway {

// Where the backends are: gRPC targets such as "dns:///events:50051" or
// "127.0.0.1:50051".
struct BackendTargets {
  std::string events;
  std::string economics;
  std::string institutions;
};

// Part names, as GatewayResponse.parts reports them.
inline constexpr char kEventsPart[] = "events";
inline constexpr char kEconomicsPart[] = "economics";
inline constexpr char kInstitutionsPart[] = "institutions";

// The service config of every backend channel: round_robin over all the
// addresses a target resolves to (a dns:/// name of a headless Kubernetes
// Service spreads calls per request, not per connection), and the read
// methods retried once on UNAVAILABLE (maxAttempts 2). Writes are never
// retried: the gateway makes none.
std::string BackendServiceConfig();

// One channel and stub per backend, created once and shared by every request.
class Backends {
 public:
  // Fails (INVALID_ARGUMENT naming the flag) when a target is empty.
  // Connecting is lazy: a backend that is down only shows in `parts`.
  // `backend_token` (may be empty: none) is sent on every backend call as
  // "authorization: Bearer <token>", the backends' read token
  // (--read_token_file there, --backend_token_file here). Every channel
  // counts its calls (metrics::BackendCall) and logs each at debug with its
  // trace and span ids.
  static absl::StatusOr<std::unique_ptr<Backends>> Connect(
      const BackendTargets& targets, const std::shared_ptr<grpc::ChannelCredentials>& creds,
      const std::string& backend_token = "");

  dyad::events::v1::EventService::Stub& events() { return *events_; }
  dyad::economics::v1::EconomicsService::Stub& economics() { return *economics_; }
  dyad::institutions::v1::InstitutionService::Stub& institutions() { return *institutions_; }
  const BackendTargets& targets() const { return targets_; }
  // "Bearer <backend token>", or empty.
  const std::string& authorization() const { return authorization_; }

 private:
  Backends() = default;
  BackendTargets targets_;
  std::string authorization_;
  std::unique_ptr<dyad::events::v1::EventService::Stub> events_;
  std::unique_ptr<dyad::economics::v1::EconomicsService::Stub> economics_;
  std::unique_ptr<dyad::institutions::v1::InstitutionService::Stub> institutions_;
};

// The time kept back from the client's deadline to compose and send the
// answer: 10% of what is left, at most 50 ms.
absl::Duration ComposeMargin(absl::Duration remaining);

// The deadline of the backend calls made for one client call: the client's
// deadline less ComposeMargin(), and never later than `backend_timeout`
// after `now` (which alone applies when the client set no deadline:
// absl::InfiniteFuture()).
absl::Time BackendDeadline(absl::Time client_deadline, absl::Duration backend_timeout,
                           absl::Time now = absl::Now());

// The backend calls made for one client call. Each call gets the group's
// deadline, and CancelAll() cancels every call in flight (the client went
// away, or the server is shutting down), so nothing waits for an answer
// nobody needs. Completions run on gRPC's callback threads: they must not
// block.
//
// Every call carries the group's metadata: `traceparent` (the trace of the
// client's call with a new span id per backend call, see trace.h) and
// `tracestate` when the group has a trace, and `authorization` when the
// group has one (the backend token).
class CallGroup : public std::enable_shared_from_this<CallGroup> {
 public:
  static std::shared_ptr<CallGroup> Create(absl::Time deadline,
                                           std::optional<TraceContext> trace = std::nullopt,
                                           std::string authorization = "") {
    return std::shared_ptr<CallGroup>(
        new CallGroup(deadline, std::move(trace), std::move(authorization)));
  }
  absl::Time deadline() const { return deadline_; }
  // The trace id of the client call ("" when the group has no trace).
  std::string trace_id() const { return trace_ ? trace_->trace_id : std::string(); }

  // Cancels the calls in flight; calls started later fail CANCELLED at once.
  void CancelAll();

  // A stub's callback-API method, e.g. bound to
  // stub.async()->ListEvents(ctx, req, resp, on_done).
  template <typename Req, typename Resp>
  using AsyncMethod = std::function<void(grpc::ClientContext*, const Req*, Resp*,
                                         std::function<void(grpc::Status)>)>;

  // Starts one unary call under the group's deadline; `done(status, resp)`
  // runs exactly once when it completes.
  template <typename Req, typename Resp>
  void Unary(AsyncMethod<Req, Resp> method, Req req,
             std::function<void(grpc::Status, Resp)> done) {
    struct Op {
      grpc::ClientContext ctx;
      Req req;
      Resp resp;
    };
    auto op = std::make_shared<Op>();
    op->req = std::move(req);
    op->ctx.set_deadline(absl::ToChronoTime(deadline_));
    AddMetadata(&op->ctx);
    if (!Track(&op->ctx)) {
      done(grpc::Status(grpc::StatusCode::CANCELLED, "the client call was cancelled"), Resp());
      return;
    }
    auto self = shared_from_this();
    method(&op->ctx, &op->req, &op->resp,
           [self, op, done = std::move(done)](grpc::Status status) {
             self->Untrack(&op->ctx);
             done(std::move(status), std::move(op->resp));
           });
  }

 private:
  CallGroup(absl::Time deadline, std::optional<TraceContext> trace, std::string authorization)
      : deadline_(deadline), trace_(std::move(trace)), authorization_(std::move(authorization)) {}
  bool Track(grpc::ClientContext* ctx);
  void Untrack(grpc::ClientContext* ctx);
  void AddMetadata(grpc::ClientContext* ctx) const;

  const absl::Time deadline_;
  const std::optional<TraceContext> trace_;
  const std::string authorization_;
  std::mutex mu_;
  bool cancelled_ = false;
  std::set<grpc::ClientContext*> live_;
};

// Calls `then` once `n` calls of the returned function have been made (from
// any threads); with n == 0, calls `then` at once. The returned function is
// copyable and each copy shares the count.
std::function<void()> JoinAfter(int n, std::function<void()> then);

// The first failure among `statuses`, or OK.
grpc::Status FirstError(std::initializer_list<const grpc::Status*> statuses);

// ---- The backend reads the gateway makes, asynchronously ----
// Each runs its callback exactly once. The List* helpers follow
// next_page_token until the last page (500 rows per call) and give the rows
// read so far with the first failure.

using EventsDone = std::function<void(grpc::Status, std::vector<dyad::events::v1::Event>)>;
using InstitutionsDone =
    std::function<void(grpc::Status, std::vector<dyad::institutions::v1::Institution>)>;
using ObservationsDone =
    std::function<void(grpc::Status, std::vector<dyad::economics::v1::Observation>)>;
using IndicatorsDone =
    std::function<void(grpc::Status, std::map<std::string, dyad::economics::v1::Indicator>)>;
using SeriesDone = std::function<void(grpc::Status, dyad::economics::v1::Series)>;
using KindDomainsDone = std::function<void(grpc::Status, std::map<std::string, std::string>)>;

void ListAllEvents(const std::shared_ptr<CallGroup>& group, Backends* b,
                   dyad::events::v1::ListEventsRequest req, EventsDone done);
void ListAllInstitutions(const std::shared_ptr<CallGroup>& group, Backends* b,
                         dyad::institutions::v1::ListInstitutionsRequest req,
                         InstitutionsDone done);
void ListAllObservations(const std::shared_ptr<CallGroup>& group, Backends* b,
                         dyad::economics::v1::ListObservationsRequest req, ObservationsDone done);
// One page only.
void ListEventsPage(const std::shared_ptr<CallGroup>& group, Backends* b,
                    dyad::events::v1::ListEventsRequest req,
                    std::function<void(grpc::Status, dyad::events::v1::ListEventsResponse)> done);
void ListInstitutionsPage(
    const std::shared_ptr<CallGroup>& group, Backends* b,
    dyad::institutions::v1::ListInstitutionsRequest req,
    std::function<void(grpc::Status, dyad::institutions::v1::ListInstitutionsResponse)> done);
// Indicators by id.
void ListIndicators(const std::shared_ptr<CallGroup>& group, Backends* b, IndicatorsDone done);
// The indicators and the observations `req` selects, read in parallel:
// `done` runs once, when both are in, with each read's status.
struct Figures {
  grpc::Status indicators_status;
  std::map<std::string, dyad::economics::v1::Indicator> indicators;  // by id
  grpc::Status observations_status;
  std::vector<dyad::economics::v1::Observation> observations;
  bool ok() const { return indicators_status.ok() && observations_status.ok(); }
};
void ListFigures(const std::shared_ptr<CallGroup>& group, Backends* b,
                 dyad::economics::v1::ListObservationsRequest req,
                 std::function<void(Figures)> done);
// Event counts (EventService.CountEvents), one call.
using CountsDone = std::function<void(grpc::Status, dyad::events::v1::CountEventsResponse)>;
void CountEvents(const std::shared_ptr<CallGroup>& group, Backends* b,
                 dyad::events::v1::CountEventsRequest req, CountsDone done);
// Event kind id → domain.
void ListEventKindDomains(const std::shared_ptr<CallGroup>& group, Backends* b,
                          KindDomainsDone done);
// Event kinds by id, whole: what their plugins declare about them (domain,
// ranking weight, milestone).
using EventKindsDone =
    std::function<void(grpc::Status, std::map<std::string, dyad::events::v1::EventKind>)>;
void ListEventKinds(const std::shared_ptr<CallGroup>& group, Backends* b, EventKindsDone done);
// Institution kind id → domain.
void ListInstitutionKindDomains(const std::shared_ptr<CallGroup>& group, Backends* b,
                                KindDomainsDone done);
void GetSeries(const std::shared_ptr<CallGroup>& group, Backends* b,
               dyad::economics::v1::GetSeriesRequest req, SeriesDone done);
// Every series of some countries in a period, with their indicators, in
// one economics call (EconomicsService.ListSeries).
void ListSeries(const std::shared_ptr<CallGroup>& group, Backends* b,
                dyad::economics::v1::ListSeriesRequest req,
                std::function<void(grpc::Status, dyad::economics::v1::ListSeriesResponse)> done);
// Several series at once; `done` gets them in the order of `reqs` (a
// failed one is left empty) and the first failure.
void GetSeriesAll(const std::shared_ptr<CallGroup>& group, Backends* b,
                  std::vector<dyad::economics::v1::GetSeriesRequest> reqs,
                  std::function<void(grpc::Status, std::vector<dyad::economics::v1::Series>)> done);

// The source catalog of one backend.
using SourcesDone = std::function<void(grpc::Status, std::vector<dyad::type::v1::Source>)>;
void ListEventSources(const std::shared_ptr<CallGroup>& group, Backends* b, SourcesDone done);
void ListEconomicsSources(const std::shared_ptr<CallGroup>& group, Backends* b, SourcesDone done);
void ListInstitutionSources(const std::shared_ptr<CallGroup>& group, Backends* b,
                            SourcesDone done);

// The `parts` entry of one backend: canonical code name ("OK",
// "UNAVAILABLE", "DEADLINE_EXCEEDED", ...) and, when failed, PartMessage():
// what failed in the gateway's words, never the backend's own message
// (which may carry its address or internals; the gateway logs it).
dyad::gateway::v1::Part PartOf(const std::string& part, const grpc::Status& status);
// "events backend unavailable", "economics backend did not answer in time
// (deadline exceeded)", ...; empty for OK.
std::string PartMessage(const std::string& part, grpc::StatusCode code);

}  // namespace dyad::gateway
