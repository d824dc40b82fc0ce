#include "backends.h"
#include "release_watch.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status.h"

namespace dyad::gateway {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;

// Rows per backend call when a part reads a whole result, and the most rows
// one read follows (a guard against a runaway query, not a page size).
constexpr int kBatch = 500;
constexpr int kMaxRows = 100000;

// Follows next_page_token until the last page.
template <typename Req, typename Resp, typename Item>
class Pager : public std::enable_shared_from_this<Pager<Req, Resp, Item>> {
 public:
  using Items = std::function<google::protobuf::RepeatedPtrField<Item>*(Resp&)>;
  using Done = std::function<void(grpc::Status, std::vector<Item>)>;

  static void Start(std::shared_ptr<CallGroup> group, CallGroup::AsyncMethod<Req, Resp> method,
                    Req req, Items items, Done done) {
    req.set_page_size(kBatch);
    auto p = std::shared_ptr<Pager>(new Pager(std::move(group), std::move(method), std::move(req),
                                              std::move(items), std::move(done)));
    p->Next();
  }

 private:
  Pager(std::shared_ptr<CallGroup> group, CallGroup::AsyncMethod<Req, Resp> method, Req req,
        Items items, Done done)
      : group_(std::move(group)),
        method_(std::move(method)),
        req_(std::move(req)),
        items_(std::move(items)),
        done_(std::move(done)) {}

  void Next() {
    auto self = this->shared_from_this();
    group_->Unary<Req, Resp>(method_, req_, [self](grpc::Status status, Resp resp) {
      for (auto& row : *self->items_(resp)) self->rows_.push_back(std::move(row));
      const std::string& next = resp.next_page_token();
      if (!status.ok() || next.empty() || next == self->req_.page_token()) {
        self->done_(std::move(status), std::move(self->rows_));
        return;
      }
      if (self->rows_.size() >= static_cast<size_t>(kMaxRows)) {
        self->done_(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 absl::StrCat("more than ", kMaxRows,
                                              " rows match; the answer covers the first ",
                                              self->rows_.size())),
                    std::move(self->rows_));
        return;
      }
      self->req_.set_page_token(next);
      self->Next();
    });
  }

  std::shared_ptr<CallGroup> group_;
  CallGroup::AsyncMethod<Req, Resp> method_;
  Req req_;
  Items items_;
  Done done_;
  std::vector<Item> rows_;
};

CallGroup::AsyncMethod<ev::ListEventsRequest, ev::ListEventsResponse> ListEventsMethod(Backends* b) {
  return [b](grpc::ClientContext* c, const ev::ListEventsRequest* q, ev::ListEventsResponse* r,
             std::function<void(grpc::Status)> f) { b->events().async()->ListEvents(c, q, r, std::move(f)); };
}

CallGroup::AsyncMethod<in::ListInstitutionsRequest, in::ListInstitutionsResponse>
ListInstitutionsMethod(Backends* b) {
  return [b](grpc::ClientContext* c, const in::ListInstitutionsRequest* q,
             in::ListInstitutionsResponse* r, std::function<void(grpc::Status)> f) {
    b->institutions().async()->ListInstitutions(c, q, r, std::move(f));
  };
}

// Times, counts and logs (at debug) each call on one backend's channel.
// Retries happen below the interceptor: a retried call counts once, with
// its final code.
class BackendCallInterceptor final : public grpc::experimental::Interceptor {
 public:
  BackendCallInterceptor(const std::string* backend, grpc::experimental::ClientRpcInfo* info)
      : backend_(backend), start_(absl::Now()) {
    absl::string_view m = info->method() != nullptr ? info->method() : "";
    const size_t slash = m.rfind('/');
    method_ = std::string(slash == absl::string_view::npos ? m : m.substr(slash + 1));
  }
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (auto* md = methods->GetSendInitialMetadata()) {
        if (auto it = md->find("traceparent"); it != md->end()) traceparent_ = it->second;
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      const grpc::Status* status = methods->GetRecvStatus();
      const grpc::StatusCode code = status != nullptr ? status->error_code()
                                                      : grpc::StatusCode::UNKNOWN;
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      metrics::BackendCall(*backend_, method_, code, seconds);
      if (Log().should_log(spdlog::level::debug)) {
        // "00-<trace id>-<span id>-<flags>": the span is this call's own.
        auto parsed = ParseTraceparent(traceparent_);
        Log().debug("backend call backend={} method={} code={} duration={:.6f} trace_id={} "
                    "span_id={}",
                    *backend_, method_, std::string(GrpcCodeName(code)), seconds,
                    parsed ? parsed->trace_id : "none",
                    parsed ? parsed->parent_span_id : "none");
      }
    }
    methods->Proceed();
  }

 private:
  const std::string* backend_;
  const absl::Time start_;
  std::string method_;
  std::string traceparent_;
};

class BackendCallInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BackendCallInterceptorFactory(std::string backend) : backend_(std::move(backend)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new BackendCallInterceptor(&backend_, info);
  }

 private:
  const std::string backend_;  // outlives the channel's calls: the factory lives with the channel
};

}  // namespace

void CallGroup::AddMetadata(grpc::ClientContext* ctx) const {
  if (trace_) {
    ctx->AddMetadata("traceparent", ChildTraceparent(*trace_));
    if (!trace_->tracestate.empty()) ctx->AddMetadata("tracestate", trace_->tracestate);
  }
  if (!authorization_.empty()) ctx->AddMetadata("authorization", authorization_);
}

std::string BackendServiceConfig() {
  return R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [
      {"service": "dyad.events.v1.EventService", "method": "GetEvent"},
      {"service": "dyad.events.v1.EventService", "method": "ListEvents"},
      {"service": "dyad.events.v1.EventService", "method": "ListEventKinds"},
      {"service": "dyad.events.v1.EventService", "method": "ListSources"},
      {"service": "dyad.events.v1.EventService", "method": "CountEvents"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "ListIndicators"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "GetSeries"},
      {"service": "dyad.economics.v1.EconomicsService", "method": "ListSeries"},
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
    const BackendTargets& targets, const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const std::string& backend_token) {
  for (const auto& [target, flag] : {std::pair{&targets.events, "events"},
                                     std::pair{&targets.economics, "economics"},
                                     std::pair{&targets.institutions, "institutions"}}) {
    if (target->empty()) {
      return InvalidField(flag, "a gRPC target is required, e.g. dns:///dyad-events:50051");
    }
  }
  auto channel = [&](const std::string& target, const char* part) {
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(BackendServiceConfig());
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> f;
    f.push_back(std::make_unique<BackendCallInterceptorFactory>(part));
    return grpc::experimental::CreateCustomChannelWithInterceptors(target, creds, args,
                                                                    std::move(f));
  };
  std::unique_ptr<Backends> b(new Backends());
  b->targets_ = targets;
  if (!backend_token.empty()) b->authorization_ = absl::StrCat("Bearer ", backend_token);
  b->events_ = ev::EventService::NewStub(channel(targets.events, kEventsPart));
  b->economics_ = ec::EconomicsService::NewStub(channel(targets.economics, kEconomicsPart));
  b->institutions_ =
      in::InstitutionService::NewStub(channel(targets.institutions, kInstitutionsPart));
  return b;
}

absl::Duration ComposeMargin(absl::Duration remaining) {
  return std::min(absl::Milliseconds(50), std::max(absl::ZeroDuration(), remaining / 10));
}

absl::Time BackendDeadline(absl::Time client_deadline, absl::Duration backend_timeout,
                           absl::Time now) {
  const absl::Time own = now + backend_timeout;
  if (client_deadline == absl::InfiniteFuture()) return own;
  return std::min(own, client_deadline - ComposeMargin(client_deadline - now));
}

void CallGroup::CancelAll() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (grpc::ClientContext* ctx : live_) ctx->TryCancel();
}

bool CallGroup::Track(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  live_.insert(ctx);
  return true;
}

void CallGroup::Untrack(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.erase(ctx);
}

std::function<void()> JoinAfter(int n, std::function<void()> then) {
  if (n <= 0) {
    then();
    return [] {};
  }
  auto remaining = std::make_shared<std::atomic<int>>(n);
  auto fn = std::make_shared<std::function<void()>>(std::move(then));
  return [remaining, fn] {
    if (remaining->fetch_sub(1, std::memory_order_acq_rel) == 1) (*fn)();
  };
}

grpc::Status FirstError(std::initializer_list<const grpc::Status*> statuses) {
  for (const grpc::Status* s : statuses) {
    if (!s->ok()) return *s;
  }
  return grpc::Status::OK;
}

void ListAllEvents(const std::shared_ptr<CallGroup>& group, Backends* b,
                   ev::ListEventsRequest req, EventsDone done) {
  Pager<ev::ListEventsRequest, ev::ListEventsResponse, ev::Event>::Start(
      group, ListEventsMethod(b), std::move(req),
      [](ev::ListEventsResponse& r) { return r.mutable_events(); }, std::move(done));
}

void ListAllInstitutions(const std::shared_ptr<CallGroup>& group, Backends* b,
                         in::ListInstitutionsRequest req, InstitutionsDone done) {
  Pager<in::ListInstitutionsRequest, in::ListInstitutionsResponse, in::Institution>::Start(
      group, ListInstitutionsMethod(b), std::move(req),
      [](in::ListInstitutionsResponse& r) { return r.mutable_institutions(); }, std::move(done));
}

void ListAllObservations(const std::shared_ptr<CallGroup>& group, Backends* b,
                         ec::ListObservationsRequest req, ObservationsDone done) {
  Pager<ec::ListObservationsRequest, ec::ListObservationsResponse, ec::Observation>::Start(
      group,
      [b](grpc::ClientContext* c, const ec::ListObservationsRequest* q,
          ec::ListObservationsResponse* r, std::function<void(grpc::Status)> f) {
        b->economics().async()->ListObservations(c, q, r, std::move(f));
      },
      std::move(req), [](ec::ListObservationsResponse& r) { return r.mutable_observations(); },
      std::move(done));
}

void ListEventsPage(const std::shared_ptr<CallGroup>& group, Backends* b,
                    ev::ListEventsRequest req,
                    std::function<void(grpc::Status, ev::ListEventsResponse)> done) {
  group->Unary<ev::ListEventsRequest, ev::ListEventsResponse>(ListEventsMethod(b), std::move(req),
                                                              std::move(done));
}

void ListInstitutionsPage(const std::shared_ptr<CallGroup>& group, Backends* b,
                          in::ListInstitutionsRequest req,
                          std::function<void(grpc::Status, in::ListInstitutionsResponse)> done) {
  group->Unary<in::ListInstitutionsRequest, in::ListInstitutionsResponse>(
      ListInstitutionsMethod(b), std::move(req), std::move(done));
}

void ListIndicators(const std::shared_ptr<CallGroup>& group, Backends* b, IndicatorsDone done) {
  group->Unary<ec::ListIndicatorsRequest, ec::ListIndicatorsResponse>(
      [b](grpc::ClientContext* c, const ec::ListIndicatorsRequest* q, ec::ListIndicatorsResponse* r,
          std::function<void(grpc::Status)> f) {
        b->economics().async()->ListIndicators(c, q, r, std::move(f));
      },
      ec::ListIndicatorsRequest(),
      [done = std::move(done)](grpc::Status s, ec::ListIndicatorsResponse r) {
        std::map<std::string, ec::Indicator> by_id;
        for (auto& i : *r.mutable_indicators()) by_id[i.id()] = std::move(i);
        done(std::move(s), std::move(by_id));
      });
}

void ListFigures(const std::shared_ptr<CallGroup>& group, Backends* b,
                 ec::ListObservationsRequest req, std::function<void(Figures)> done) {
  auto figures = std::make_shared<Figures>();
  auto both = JoinAfter(2, [figures, done = std::move(done)] { done(std::move(*figures)); });
  ListIndicators(group, b,
                 [figures, both](grpc::Status s, std::map<std::string, ec::Indicator> m) {
                   figures->indicators_status = std::move(s);
                   figures->indicators = std::move(m);
                   both();
                 });
  ListAllObservations(group, b, std::move(req),
                      [figures, both](grpc::Status s, std::vector<ec::Observation> v) {
                        figures->observations_status = std::move(s);
                        figures->observations = std::move(v);
                        both();
                      });
}

void CountEvents(const std::shared_ptr<CallGroup>& group, Backends* b, ev::CountEventsRequest req,
                 CountsDone done) {
  group->Unary<ev::CountEventsRequest, ev::CountEventsResponse>(
      [b](grpc::ClientContext* c, const ev::CountEventsRequest* q, ev::CountEventsResponse* r,
          std::function<void(grpc::Status)> f) {
        b->events().async()->CountEvents(c, q, r, std::move(f));
      },
      std::move(req), std::move(done));
}

void ListEventKindDomains(const std::shared_ptr<CallGroup>& group, Backends* b,
                          KindDomainsDone done) {
  group->Unary<ev::ListEventKindsRequest, ev::ListEventKindsResponse>(
      [b](grpc::ClientContext* c, const ev::ListEventKindsRequest* q, ev::ListEventKindsResponse* r,
          std::function<void(grpc::Status)> f) {
        b->events().async()->ListEventKinds(c, q, r, std::move(f));
      },
      ev::ListEventKindsRequest(),
      [done = std::move(done)](grpc::Status s, ev::ListEventKindsResponse r) {
        std::map<std::string, std::string> domains;
        for (const auto& k : r.kinds()) domains[k.id()] = k.domain();
        done(std::move(s), std::move(domains));
      });
}

void ListEventKinds(const std::shared_ptr<CallGroup>& group, Backends* b, EventKindsDone done) {
  group->Unary<ev::ListEventKindsRequest, ev::ListEventKindsResponse>(
      [b](grpc::ClientContext* c, const ev::ListEventKindsRequest* q, ev::ListEventKindsResponse* r,
          std::function<void(grpc::Status)> f) {
        b->events().async()->ListEventKinds(c, q, r, std::move(f));
      },
      ev::ListEventKindsRequest(),
      [done = std::move(done)](grpc::Status s, ev::ListEventKindsResponse r) {
        std::map<std::string, ev::EventKind> kinds;
        for (auto& k : *r.mutable_kinds()) kinds[k.id()] = std::move(k);
        done(std::move(s), std::move(kinds));
      });
}

void ListInstitutionKindDomains(const std::shared_ptr<CallGroup>& group, Backends* b,
                                KindDomainsDone done) {
  group->Unary<in::ListInstitutionKindsRequest, in::ListInstitutionKindsResponse>(
      [b](grpc::ClientContext* c, const in::ListInstitutionKindsRequest* q,
          in::ListInstitutionKindsResponse* r, std::function<void(grpc::Status)> f) {
        b->institutions().async()->ListInstitutionKinds(c, q, r, std::move(f));
      },
      in::ListInstitutionKindsRequest(),
      [done = std::move(done)](grpc::Status s, in::ListInstitutionKindsResponse r) {
        std::map<std::string, std::string> domains;
        for (const auto& k : r.kinds()) domains[k.id()] = k.domain();
        done(std::move(s), std::move(domains));
      });
}

void GetSeries(const std::shared_ptr<CallGroup>& group, Backends* b, ec::GetSeriesRequest req,
               SeriesDone done) {
  group->Unary<ec::GetSeriesRequest, ec::Series>(
      [b](grpc::ClientContext* c, const ec::GetSeriesRequest* q, ec::Series* r,
          std::function<void(grpc::Status)> f) {
        b->economics().async()->GetSeries(c, q, r, std::move(f));
      },
      std::move(req), std::move(done));
}

void ListSeries(const std::shared_ptr<CallGroup>& group, Backends* b, ec::ListSeriesRequest req,
                std::function<void(grpc::Status, ec::ListSeriesResponse)> done) {
  group->Unary<ec::ListSeriesRequest, ec::ListSeriesResponse>(
      [b](grpc::ClientContext* c, const ec::ListSeriesRequest* q, ec::ListSeriesResponse* r,
          std::function<void(grpc::Status)> f) {
        b->economics().async()->ListSeries(c, q, r, std::move(f));
      },
      std::move(req), std::move(done));
}

void GetSeriesAll(const std::shared_ptr<CallGroup>& group, Backends* b,
                  std::vector<ec::GetSeriesRequest> reqs,
                  std::function<void(grpc::Status, std::vector<ec::Series>)> done) {
  struct State {
    std::vector<ec::Series> series;
    std::vector<grpc::Status> status;
  };
  auto st = std::make_shared<State>();
  st->series.resize(reqs.size());
  st->status.resize(reqs.size());
  // Each call writes its own slot; the join's atomic count orders those
  // writes before the read below.
  auto join = JoinAfter(static_cast<int>(reqs.size()), [st, done = std::move(done)] {
    grpc::Status first;
    for (const auto& s : st->status) {
      if (!s.ok()) {
        first = s;
        break;
      }
    }
    done(std::move(first), std::move(st->series));
  });
  for (size_t i = 0; i < reqs.size(); ++i) {
    GetSeries(group, b, std::move(reqs[i]), [st, i, join](grpc::Status s, ec::Series series) {
      st->status[i] = std::move(s);
      st->series[i] = std::move(series);
      join();
    });
  }
}

void ListEventSources(const std::shared_ptr<CallGroup>& group, Backends* b, SourcesDone done) {
  group->Unary<ev::ListSourcesRequest, ev::ListSourcesResponse>(
      [b](grpc::ClientContext* c, const ev::ListSourcesRequest* q, ev::ListSourcesResponse* r,
          std::function<void(grpc::Status)> f) {
        b->events().async()->ListSources(c, q, r, std::move(f));
      },
      ev::ListSourcesRequest(), [done = std::move(done)](grpc::Status s, ev::ListSourcesResponse r) {
        done(std::move(s), {r.sources().begin(), r.sources().end()});
      });
}

void ListEconomicsSources(const std::shared_ptr<CallGroup>& group, Backends* b,
                          SourcesDone done) {
  group->Unary<ec::ListSourcesRequest, ec::ListSourcesResponse>(
      [b](grpc::ClientContext* c, const ec::ListSourcesRequest* q, ec::ListSourcesResponse* r,
          std::function<void(grpc::Status)> f) {
        b->economics().async()->ListSources(c, q, r, std::move(f));
      },
      ec::ListSourcesRequest(), [done = std::move(done)](grpc::Status s, ec::ListSourcesResponse r) {
        done(std::move(s), {r.sources().begin(), r.sources().end()});
      });
}

void ListInstitutionSources(const std::shared_ptr<CallGroup>& group, Backends* b,
                            SourcesDone done) {
  group->Unary<in::ListSourcesRequest, in::ListSourcesResponse>(
      [b](grpc::ClientContext* c, const in::ListSourcesRequest* q, in::ListSourcesResponse* r,
          std::function<void(grpc::Status)> f) {
        b->institutions().async()->ListSources(c, q, r, std::move(f));
      },
      in::ListSourcesRequest(), [done = std::move(done)](grpc::Status s, in::ListSourcesResponse r) {
        done(std::move(s), {r.sources().begin(), r.sources().end()});
      });
}

std::string PartMessage(const std::string& part, grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "";
    case grpc::StatusCode::UNAVAILABLE: return absl::StrCat(part, " backend unavailable");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat(part, " backend did not answer in time (deadline exceeded)");
    case grpc::StatusCode::CANCELLED: return absl::StrCat(part, " read cancelled");
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StrCat(part, " backend busy or too many rows; the answer covers what was read");
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::StrCat(part, " backend refused the gateway's credentials");
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat(part, " backend does not offer a read the gateway needs");
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::StrCat(part, " backend rejected a read (", GrpcCodeName(code), ")");
    default: return absl::StrCat(part, " backend failed (", GrpcCodeName(code), ")");
  }
}

dyad::gateway::v1::Part PartOf(const std::string& part, const grpc::Status& status) {
  dyad::gateway::v1::Part p;
  p.set_part(part);
  p.set_code(std::string(GrpcCodeName(status.error_code())));
  // In our words only: a backend's own message may name its address
  // ("ipv4:10.0.0.7:50052: Connection refused") or its internals. The raw
  // message goes to the gateway's log (AddParts).
  if (!status.ok()) p.set_message(PartMessage(part, status.error_code()));
  if (status.ok()) {
    if (auto release = ReleaseWatch::Latest(part)) *p.mutable_release() = std::move(*release);
  }
  return p;
}

}  // namespace dyad::gateway
