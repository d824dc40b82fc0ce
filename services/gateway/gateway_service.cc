#include "gateway_service.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/admission.h"
#include "common/grpc_util.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/trace.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "common/validation.h"
#include "answer_cache.h"
#include "compose.h"
#include "ranking.h"

namespace dyad::gateway {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

using Countries = std::vector<std::string>;

// Search reads at most this many indicators' figures.
constexpr int kSearchIndicators = 5;

// The reactor of a composed call: when the client cancels (or the server
// shuts down and cancels what is in flight), every backend call of the
// group is cancelled too, so the parts finish at once and the call
// completes instead of waiting for backend deadlines.
//
// FinishAnswer() serializes the composed answer once into the call's raw
// reply, offers those bytes to the answer cache (which keeps only whole
// answers) and finishes. The reactor owns the call's request and response
// (`call`), so they live until gRPC is done with the call.
class GatewayReactor final : public grpc::ServerUnaryReactor {
 public:
  GatewayReactor(std::shared_ptr<CallGroup> group, AnswerCache* cache, RawAnswer answer)
      : group_(std::move(group)), cache_(cache), answer_(std::move(answer)) {}
  void OnCancel() override { group_->CancelAll(); }
  void OnDone() override { delete this; }
  const CallGroup& group() const { return *group_; }

  template <typename Resp>
  void FinishAnswer(const Resp& resp) {
    auto bytes = std::make_shared<const std::string>(resp.SerializeAsString());
    if (cache_ != nullptr && !answer_.key.empty()) cache_->Remember(answer_.key, bytes, resp.parts());
    *answer_.out = SharedBytesToByteBuffer(std::move(bytes));
    Finish(grpc::Status::OK);
  }

 private:
  std::shared_ptr<CallGroup> group_;
  AnswerCache* cache_;
  RawAnswer answer_;
};

// A read's callback that stores its status and rows into the call's state
// (kept alive by `keep`), then calls `then`.
template <typename Rows>
std::function<void(grpc::Status, Rows)> StoreThen(std::shared_ptr<void> keep, grpc::Status* status,
                                                  Rows* rows, std::function<void()> then) {
  return [keep = std::move(keep), status, rows, then = std::move(then)](grpc::Status s, Rows v) {
    *status = std::move(s);
    *rows = std::move(v);
    then();
  };
}

// The most domains a GetTimeline request may name (as ListEvents).
constexpr int kMaxDomains = 16;

absl::Status ValidateDyad(const google::protobuf::RepeatedPtrField<std::string>& countries,
                          int min) {
  if (countries.size() < min) {
    return InvalidField("countries", absl::StrCat("at least ", min,
                                                  " ISO 3166-1 alpha-3 codes are required"));
  }
  return ValidateCountries(countries, "countries");
}

absl::Status ValidateYear(int year, const char* field = "year") {
  if (year < 1 || year > 9999) {
    return InvalidField(field, absl::StrCat("must be 1..9999, got ", year));
  }
  return absl::OkStatus();
}

// Origin_IsValid: proto3 enums are open, so a client can send any number.
absl::Status ValidateOrigin(dyad::type::v1::Origin origin) {
  if (!dyad::type::v1::Origin_IsValid(origin)) {
    return InvalidField("origin", absl::StrCat("unknown value ", static_cast<int>(origin),
                                               "; ORIGIN_CURATED, ORIGIN_MACHINE_CODED, or unset "
                                               "for both"));
  }
  return absl::OkStatus();
}

// "GEO–TUR", for answers in words.
std::string DyadLabel(const std::vector<std::string>& countries) {
  return absl::StrJoin(countries, "–");
}

// The event counts of one country or a dyad (both directions) by month,
// for an intensity series; nullopt for three or more distinct countries,
// which CountEvents does not count. A country named twice counts once (as
// ListEvents reads it; CountEvents refuses a repeated one).
std::optional<ev::CountEventsRequest> IntensityRequest(const std::vector<std::string>& countries,
                                                       dyad::type::v1::Origin origin) {
  std::vector<std::string> distinct;
  for (const auto& c : countries) {
    if (std::find(distinct.begin(), distinct.end(), c) == distinct.end()) distinct.push_back(c);
  }
  if (distinct.empty() || distinct.size() > 2) return std::nullopt;
  ev::CountEventsRequest q;
  for (const auto& c : distinct) q.add_countries(c);
  q.set_direction(ev::DIRECTION_BOTH);
  q.set_granularity(ev::GRANULARITY_MONTH);
  q.set_origin(origin);
  return q;
}

dyad::type::v1::DateRange Years(int from, int to) {
  dyad::type::v1::DateRange r;
  r.mutable_start()->set_year(from);
  r.mutable_end()->set_year(to);
  return r;
}

template <typename Req>
void SetCountries(const Countries& countries, Req* req) {
  for (const auto& c : countries) req->add_countries(c);
}

// Adds the three parts (always in the same order), logs failed ones with
// the call's trace id and counts them (metrics.h: partial answers).
void AddParts(const GatewayReactor& call, const char* method, const grpc::Status& events,
              const grpc::Status& economics, const grpc::Status& institutions,
              google::protobuf::RepeatedPtrField<gw::Part>* parts) {
  bool partial = false;
  for (const auto& [name, status] : {std::pair{kEventsPart, &events},
                                     std::pair{kEconomicsPart, &economics},
                                     std::pair{kInstitutionsPart, &institutions}}) {
    *parts->Add() = PartOf(name, *status);
    if (status->ok()) continue;
    partial = true;
    metrics::PartError(method, name, status->error_code());
    if (status->error_code() != grpc::StatusCode::CANCELLED) {
      Log().warn("partial answer method={} part={} code={} message={} trace_id={}", method, name,
                 std::string(GrpcCodeName(status->error_code())), LogValue(status->error_message()),
                 call.group().trace_id());
    }
  }
  if (partial) metrics::PartialAnswer(method);
}

// Whether a country takes part in a record, as the backends' `countries`
// filters read it (for an institution, its host counts).
bool TakesPart(const ev::Event& e, const std::string& country) {
  return std::find(e.countries().begin(), e.countries().end(), country) != e.countries().end();
}
bool TakesPart(const in::Institution& i, const std::string& country) {
  return i.host_country() == country ||
         std::find(i.countries().begin(), i.countries().end(), country) != i.countries().end();
}

// Records of several countries' reads, each once, keeping those of the
// whole dyad and those of a fact that a record of the whole dyad has
// (records of one fact may name different countries: who lent, a bank or a
// state).
template <typename Record>
std::vector<Record> OfTheDyadsFacts(const std::vector<std::vector<Record>>& reads,
                                    const Countries& countries) {
  std::map<std::string, const Record*> by_name;
  for (const auto& read : reads) {
    for (const auto& r : read) by_name.emplace(r.name(), &r);
  }
  auto of_dyad = [&](const Record& r) {
    for (const auto& c : countries) {
      if (!TakesPart(r, c)) return false;
    }
    return true;
  };
  std::set<std::string> facts;
  for (const auto& [name, r] : by_name) {
    if (!r->fact().empty() && of_dyad(*r)) facts.insert(r->fact());
  }
  std::vector<Record> out;
  for (const auto& [name, r] : by_name) {
    if (of_dyad(*r) || facts.count(r->fact())) out.push_back(*r);
  }
  return out;
}

// A search hit as its backend ranked it (`rank`: its position there), with
// the text its score reads besides the title, and its origin.
SearchCandidate Candidate(const std::string& name, const char* part, const std::string& title,
                          const dyad::type::v1::PartialDate& date,
                          const google::protobuf::RepeatedPtrField<dyad::type::v1::Citation>& citations,
                          const std::string& text, int rank, bool machine_coded) {
  SearchCandidate c;
  c.hit.set_origin(machine_coded ? dyad::type::v1::ORIGIN_MACHINE_CODED
                                 : dyad::type::v1::ORIGIN_CURATED);
  c.hit.set_name(name);
  c.hit.set_part(part);
  c.hit.set_title(title);
  *c.hit.mutable_date() = date;
  *c.hit.mutable_citations() = citations;
  c.text = text;
  c.rank = rank;
  return c;
}

}  // namespace

absl::Time RelationsGatewayImpl::Deadline(const grpc::CallbackServerContext* ctx) const {
  const auto d = ctx->deadline();
  const absl::Time client = d == std::chrono::system_clock::time_point::max()
                                ? absl::InfiniteFuture()
                                : absl::FromChrono(d);
  return BackendDeadline(client, timeout_);
}

std::shared_ptr<CallGroup> RelationsGatewayImpl::NewGroup(
    const grpc::CallbackServerContext* ctx) const {
  return CallGroup::Create(Deadline(ctx), TraceOf(ctx), b_->authorization());
}

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* RelationsGatewayImpl::Serve(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
    absl::string_view method,
    grpc::ServerUnaryReactor* (RelationsGatewayImpl::*handler)(grpc::CallbackServerContext*,
                                                               const Req*, Resp*, RawAnswer)) {
  // Admission first, before the request is decoded or any backend called:
  // beyond --max_in_flight the call costs nothing but its refusal, so a
  // flood cannot grow the gateway's memory (nor the backends') without bound.
  DYAD_RETURN_IF_DENIED(ctx, AdmitCall());
  // Then the caller's read token, when the gateway requires one.
  if (auth_ != nullptr) DYAD_RETURN_IF_DENIED(ctx, auth_->CheckRead(AuthorizationOf(*ctx)));
  auto call = std::make_shared<std::pair<Req, Resp>>();
  if (!ParseByteBuffer(*in, &call->first)) {
    return FinishWith(ctx, absl::InvalidArgumentError(
                               absl::StrCat("request is not a ", Req::descriptor()->full_name())));
  }
  RawAnswer answer;
  answer.out = out;
  if (cache_ != nullptr && cache_->enabled()) {
    // Only whole answers to valid requests are ever stored, so a request is
    // looked up before it is validated.
    answer.key = AnswerCache::Key(method, call->first);
    auto hit = cache_->Lookup(answer.key);
    metrics::AnswerCacheLookup(hit != nullptr);
    if (hit) {
      *out = SharedBytesToByteBuffer(std::move(hit));
      return FinishWith(ctx, absl::OkStatus());
    }
  }
  const Req* req = &call->first;
  Resp* resp = &call->second;
  answer.call = std::move(call);
  return (this->*handler)(ctx, req, resp, std::move(answer));
}

#define DYAD_GATEWAY_RAW_METHOD(Method)                                                        \
  grpc::ServerUnaryReactor* RelationsGatewayImpl::Method(                                      \
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {   \
    return Serve(ctx, in, out, #Method, &RelationsGatewayImpl::Do##Method);               \
  }
DYAD_GATEWAY_RAW_METHOD(GetOverview)
DYAD_GATEWAY_RAW_METHOD(GetTimeline)
DYAD_GATEWAY_RAW_METHOD(GetYearInReview)
DYAD_GATEWAY_RAW_METHOD(ExplainChange)
DYAD_GATEWAY_RAW_METHOD(Search)
DYAD_GATEWAY_RAW_METHOD(ListDiscrepancies)
DYAD_GATEWAY_RAW_METHOD(ListSources)
#undef DYAD_GATEWAY_RAW_METHOD

// ---- GetYearInReview ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoGetYearInReview(
    grpc::CallbackServerContext* ctx, const gw::GetYearInReviewRequest* req,
    gw::GetYearInReviewResponse* resp, RawAnswer answer) {
  if (auto s = ValidateDyad(req->countries(), 1); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateYear(req->year()); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status ev, counts_status, in, indicators_status, observations_status, series_status;
    std::vector<ev::Event> events;
    std::optional<ev::CountEventsResponse> counts;
    std::vector<in::Institution> institutions;
    std::map<std::string, ec::Indicator> indicators;
    std::vector<gw::IndicatorValue> values;
  };
  auto st = std::make_shared<State>();
  const int year = req->year();
  const auto origin = req->origin();
  const Countries countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;

  auto done = JoinAfter(4, [st, reactor, resp, year] {
    ComposeYearInReview(year, std::move(st->events), std::move(st->institutions),
                        std::move(st->values), resp);
    if (st->counts && st->counts_status.ok()) *resp->mutable_intensity() = IntensityOf(*st->counts);
    AddParts(*reactor, "GetYearInReview", FirstError({&st->ev, &st->counts_status}),
             FirstError({&st->indicators_status, &st->observations_status, &st->series_status}),
             st->in, resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  *er.mutable_period() = Years(year, year);
  er.set_origin(origin);
  ListAllEvents(group, b, er, StoreThen(st, &st->ev, &st->events, done));

  // The year's events by month.
  if (auto cr = IntensityRequest(countries, origin)) {
    *cr->mutable_period() = Years(year, year);
    CountEvents(group, b, *cr, [st, done](grpc::Status s, ev::CountEventsResponse r) {
      st->counts_status = std::move(s);
      st->counts = std::move(r);
      done();
    });
  } else {
    done();
  }

  // Institutions are all curated: none when only machine-coded records are
  // asked for.
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    *ir.mutable_founded() = Years(year, year);
    ListAllInstitutions(group, b, ir, StoreThen(st, &st->in, &st->institutions, done));
  } else {
    done();
  }

  // Economics: the indicators and the year's figures, then each series they
  // belong to over the year and the one before.
  ec::ListObservationsRequest orq;
  SetCountries(countries, &orq);
  *orq.mutable_period() = Years(year, year);
  orq.set_origin(origin);
  ListFigures(group, b, orq, [st, done, group, b, year, origin](Figures f) {
    st->indicators_status = std::move(f.indicators_status);
    st->observations_status = std::move(f.observations_status);
    if (!f.ok()) return done();
    st->indicators = std::move(f.indicators);
    std::vector<SeriesKey> keys = SeriesKeys(f.observations, st->indicators, true);
    std::vector<ec::GetSeriesRequest> reqs;
    for (const auto& k : keys) {
      reqs.push_back(SeriesRequest(k, year - 1, year));
      reqs.back().set_origin(origin);
    }
    GetSeriesAll(group, b, std::move(reqs),
                 [st, done, keys, year](grpc::Status s, std::vector<ec::Series> series) {
                   st->series_status = std::move(s);
                   for (size_t i = 0; i < keys.size(); ++i) {
                     auto v = ValueForYear(st->indicators[keys[i].indicator], series[i], year);
                     if (v) st->values.push_back(std::move(*v));
                   }
                   done();
                 });
  });
  return reactor;
}

// ---- GetOverview ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoGetOverview(grpc::CallbackServerContext* ctx,
                                                            const gw::GetOverviewRequest* req,
                                                            gw::GetOverviewResponse* resp, RawAnswer answer) {
  if (auto s = ValidateDyad(req->countries(), 2); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status ev, by_kind_status, kinds_status, counts_status, in, indicators_status,
        series_status;
    std::vector<ev::Event> events;
    std::optional<ev::CountEventsResponse> by_kind;  // a dyad's counts per kind
    std::map<std::string, std::string> kind_domains;
    std::optional<ev::CountEventsResponse> counts;  // a dyad's counts per month
    std::vector<in::Institution> institutions;
    std::vector<gw::HeadlineFigure> figures;
  };
  auto st = std::make_shared<State>();
  const auto origin = req->origin();
  const Countries countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;
  const auto intensity = IntensityRequest(countries, origin);

  const bool counted = intensity.has_value();  // by the backend, else here
  auto done = JoinAfter(6, [st, reactor, resp, countries, counted] {
    *resp->mutable_countries() = {countries.begin(), countries.end()};
    // A failed count leaves the counts out (its part says so) rather than
    // counting the milestones, which are all that was read.
    const EventCounts counts =
        !counted ? CountsOf(st->events)
                 : (st->by_kind ? CountsFromKindBuckets(*st->by_kind, st->kind_domains)
                                : EventCounts{});
    ComposeOverview(st->events, counts, st->institutions, std::move(st->figures), resp);
    if (st->counts && st->counts_status.ok()) *resp->mutable_intensity() = IntensityOf(*st->counts);
    AddParts(*reactor, "GetOverview",
             FirstError({&st->ev, &st->by_kind_status, &st->kinds_status, &st->counts_status}),
             FirstError({&st->indicators_status, &st->series_status}), st->in,
             resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  er.set_origin(origin);
  if (intensity) {
    // A dyad: the backend counts its events (imported datasets may hold
    // tens of thousands), so only the milestones are read.
    for (const auto& k : MilestoneKinds()) er.add_kinds(k);
    ev::CountEventsRequest kq = *intensity;
    kq.set_granularity(ev::GRANULARITY_YEAR);
    kq.set_group_by(ev::COUNT_GROUP_KIND);
    CountEvents(group, b, kq, [st, done](grpc::Status s, ev::CountEventsResponse r) {
      st->by_kind_status = std::move(s);
      if (st->by_kind_status.ok()) st->by_kind = std::move(r);
      done();
    });
    ListEventKindDomains(group, b, StoreThen(st, &st->kinds_status, &st->kind_domains, done));
    CountEvents(group, b, *intensity, [st, done](grpc::Status s, ev::CountEventsResponse r) {
      st->counts_status = std::move(s);
      st->counts = std::move(r);
      done();
    });
  } else {
    // Three or more countries, which CountEvents does not count: the
    // events are read and counted here.
    done();
    done();
    done();
  }
  ListAllEvents(group, b, er, StoreThen(st, &st->ev, &st->events, done));
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    ListAllInstitutions(group, b, ir, StoreThen(st, &st->in, &st->institutions, done));
  } else {
    done();  // institutions are all curated
  }
  // The key indicators' series (both directions of a directed one), then
  // the latest point of each.
  ListIndicators(group, b, [st, done, group, b, countries, origin](
                               grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
    st->indicators_status = std::move(s);
    if (!st->indicators_status.ok()) return done();
    std::vector<SeriesKey> keys;
    for (const auto& id : KeyIndicators()) {
      auto it = indicators.find(id);
      if (it == indicators.end()) continue;
      keys.push_back({id, countries[0], countries[1]});
      if (it->second.directed()) keys.push_back({id, countries[1], countries[0]});
    }
    std::vector<ec::GetSeriesRequest> reqs;
    for (const auto& k : keys) {
      reqs.push_back(SeriesRequest(k));
      reqs.back().set_origin(origin);
    }
    GetSeriesAll(group, b, std::move(reqs),
                 [st, done, keys, indicators = std::move(indicators)](
                     grpc::Status s, std::vector<ec::Series> series) {
                   st->series_status = std::move(s);
                   for (size_t i = 0; i < keys.size(); ++i) {
                     auto f = Headline(indicators.at(keys[i].indicator), series[i]);
                     if (f) st->figures.push_back(std::move(*f));
                   }
                   done();
                 });
  });
  return reactor;
}

// ---- GetTimeline ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoGetTimeline(grpc::CallbackServerContext* ctx,
                                                            const gw::GetTimelineRequest* req,
                                                            gw::GetTimelineResponse* resp, RawAnswer answer) {
  if (auto s = ValidateDyad(req->countries(), 1); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateDateRange(req->period(), "period"); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  // Capped like the backends' lists (docs/security.md): the domains are
  // copied into every backend request of every page.
  if (req->domains_size() > kMaxDomains) {
    return FinishWith(ctx, InvalidField("domains", absl::StrCat("at most ", kMaxDomains,
                                                                " domains")));
  }
  for (int i = 0; i < req->domains_size(); ++i) {
    if (auto s = ValidateText(req->domains(i), absl::StrCat("domains[", i, "]"), 200); !s.ok()) {
      return FinishWith(ctx, s);
    }
  }
  auto size = EffectivePageSize(req->page_size());
  if (!size.ok()) return FinishWith(ctx, size.status());
  gw::GetTimelineRequest canonical = *req;
  canonical.clear_page_size();
  canonical.clear_page_token();
  TimelineCursor cursor;
  cursor.filter_fingerprint = Fingerprint(canonical.SerializeAsString());
  if (!req->page_token().empty()) {
    auto c = DecodeTimelineToken(req->page_token(), cursor.filter_fingerprint);
    if (!c.ok()) return FinishWith(ctx, c.status());
    cursor = *c;
  }
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status ev, kinds_status, in, indicators_status, observations_status;
    FetchedPage events, institutions;
    FetchedFigures figures;
    std::map<std::string, ec::Indicator> indicators;
  };
  auto st = std::make_shared<State>();
  const size_t limit = static_cast<size_t>(*size);
  const gw::GetTimelineRequest r = canonical;
  const std::set<std::string> domains(req->domains().begin(), req->domains().end());
  auto wanted = [domains](const std::string& d) { return domains.empty() || domains.count(d) > 0; };
  Backends* b = b_;
  // Rows to ask a backend for: the page, plus those of its page already served.
  auto rows = [limit](const StreamPosition& p) {
    return static_cast<int>(std::min<size_t>(limit + static_cast<size_t>(p.skip), kMaxPageSize));
  };

  // The three backends are read in parallel, each on its own: one page of
  // events, one of institutions, and the figures from the last one served
  // to the filter's end. No backend's read waits for another's, so a part's
  // code reflects that backend only (a hung events backend cannot make the
  // economics read start late and miss the deadline). The page is assembled
  // once all three are in; figures after what the other streams reach are
  // held back by AssembleTimelinePage.
  auto pages_read = JoinAfter(3, [st, reactor, resp, cursor, limit] {
    st->figures.ok = st->indicators_status.ok() && st->observations_status.ok();
    st->figures.complete = true;  // read to the filter's end
    TimelinePage page =
        AssembleTimelinePage(cursor, st->events, st->institutions, st->figures, limit);
    for (auto& e : page.entries) *resp->add_entries() = std::move(e);
    if (page.more) resp->set_next_page_token(EncodeTimelineToken(page.next));
    AddParts(*reactor, "GetTimeline", st->ev, FirstError({&st->indicators_status, &st->observations_status}),
             FirstError({&st->kinds_status, &st->in}), resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  // Events: one page after the position.
  if (cursor.events.done) {
    pages_read();
  } else {
    ev::ListEventsRequest q;
    *q.mutable_countries() = r.countries();
    *q.mutable_period() = r.period();
    *q.mutable_domains() = r.domains();
    q.set_origin(r.origin());
    q.set_page_size(rows(cursor.events));
    q.set_page_token(cursor.events.token);
    const int skip = cursor.events.skip;
    ListEventsPage(group, b, q, [st, pages_read, skip](grpc::Status s, ev::ListEventsResponse out) {
      st->events.ok = s.ok();
      st->ev = std::move(s);
      for (int i = skip; i < out.events_size(); ++i) {
        st->events.entries.push_back(EventEntry(out.events(i)));
      }
      st->events.next_token = out.next_page_token();
      pages_read();
    });
  }

  // Institutions with a founding date in the period: the kinds' domains
  // first (to filter by domain and label entries), then one page. They are
  // all curated: none when only machine-coded records are asked for.
  if (cursor.institutions.done || !AdmitsCurated(r.origin())) {
    pages_read();
  } else {
    const StreamPosition pos = cursor.institutions;
    const int page_rows = rows(pos);
    ListInstitutionKindDomains(group, b, [st, pages_read, group, b, r, pos, page_rows, domains](
                                             grpc::Status s,
                                             std::map<std::string, std::string> kind_domains) {
      st->kinds_status = std::move(s);
      if (!st->kinds_status.ok()) {
        st->institutions.ok = false;
        return pages_read();
      }
      in::ListInstitutionsRequest q;
      *q.mutable_countries() = r.countries();
      *q.mutable_founded() = r.period();
      // Only institutions with a known founding date have a place in time.
      if (q.founded().start().year() == 0) q.mutable_founded()->mutable_start()->set_year(1);
      if (!domains.empty()) {
        for (const auto& [kind, domain] : kind_domains) {
          if (domains.count(domain)) q.add_kinds(kind);
        }
        if (q.kinds().empty()) return pages_read();  // no institution kind in those domains
      }
      q.set_page_size(page_rows);
      q.set_page_token(pos.token);
      ListInstitutionsPage(
          group, b, q,
          [st, pages_read, skip = pos.skip, kind_domains = std::move(kind_domains)](
              grpc::Status s, in::ListInstitutionsResponse out) {
            st->institutions.ok = s.ok();
            st->in = std::move(s);
            for (int i = skip; i < out.institutions_size(); ++i) {
              const auto& inst = out.institutions(i);
              st->institutions.entries.push_back(
                  InstitutionEntry(inst, InstitutionDomain(inst.kind(), kind_domains)));
            }
            st->institutions.next_token = out.next_page_token();
            pages_read();
          });
    });
  }

  // Figures: the indicators first (titles, domains), then the figures of
  // the window; both economics reads.
  const auto window = FigureWindow(r.period(), cursor.figures, std::nullopt);
  if (cursor.figures.done || !window) {
    pages_read();
  } else {
    ListIndicators(group, b, [st, pages_read, group, b, r, window = *window, wanted](
                                 grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
      st->indicators_status = std::move(s);
      if (!st->indicators_status.ok()) return pages_read();
      st->indicators = std::move(indicators);
      ec::ListObservationsRequest q;
      *q.mutable_countries() = r.countries();
      *q.mutable_period() = window;
      q.set_origin(r.origin());
      ListAllObservations(
          group, b, q, [st, pages_read, wanted](grpc::Status s, std::vector<ec::Observation> obs) {
            st->observations_status = std::move(s);
            for (const auto& o : obs) {
              // Stocks "to date" have no place in time.
              if (o.period().year() == 0) continue;
              const ec::Indicator& ind = st->indicators[o.indicator()];
              if (!wanted(IndicatorDomain(ind))) continue;
              st->figures.entries.push_back(FigureEntry(o, ind));
            }
            pages_read();
          });
    });
  }
  return reactor;
}

// ---- ExplainChange ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoExplainChange(grpc::CallbackServerContext* ctx,
                                                              const gw::ExplainChangeRequest* req,
                                                              gw::ExplainChangeResponse* resp, RawAnswer answer) {
  if (req->indicator().empty()) return FinishWith(ctx, InvalidField("indicator", "is required"));
  if (auto s = ValidateText(req->indicator(), "indicator", 200); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateDyad(req->countries(), 2); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateYear(req->year()); !s.ok()) return FinishWith(ctx, s);
  if (req->year() < 2) return FinishWith(ctx, InvalidField("year", "must have a year before it"));
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status ev, counts_status, kinds_status, in, indicators_status, series_status;
    std::vector<ev::Event> events;
    std::optional<ev::CountEventsResponse> counts;  // the dyad's events per year
    std::vector<in::Institution> institutions;
    std::map<std::string, std::string> kind_domains;
    std::map<std::string, ec::Indicator> indicators;
    ec::Series series;
  };
  auto st = std::make_shared<State>();
  const int year = req->year();
  const auto origin = req->origin();
  const std::string indicator = req->indicator();
  const Countries countries(req->countries().begin(), req->countries().end());
  const dyad::type::v1::DateRange window = ExplainWindow(year);
  Backends* b = b_;

  auto done = JoinAfter(6, [st, reactor, resp, year, indicator, countries, origin] {
    // An unknown indicator or a bad argument is the caller's error, not a
    // backend failure.
    const auto code = st->series_status.error_code();
    if (code == grpc::StatusCode::NOT_FOUND || code == grpc::StatusCode::INVALID_ARGUMENT) {
      reactor->Finish(st->series_status);
      return;
    }
    ec::Indicator ind;
    if (auto it = st->indicators.find(indicator); it != st->indicators.end()) {
      ind = it->second;
    } else {
      ind.set_id(indicator);
    }
    RankingTarget target;
    target.indicator = indicator;
    // Without the economics backend the domain is the id's: trade and
    // investment figures are the economy's.
    target.domain = !ind.plugin().empty() ? IndicatorDomain(ind) : "economy";
    target.year = year;
    std::vector<gw::CandidateFactor> activity;
    if (st->counts && st->counts_status.ok()) {
      activity = ActivityFactors(target, DyadLabel(countries), *st->counts, st->events, origin);
    }
    ComposeExplainChange(ind, st->series, year,
                         RankCandidateFactors(target, st->events, st->institutions,
                                              st->kind_domains, std::move(activity)),
                         resp);
    AddParts(*reactor, "ExplainChange", FirstError({&st->ev, &st->counts_status}),
             FirstError({&st->indicators_status, &st->series_status}),
             FirstError({&st->kinds_status, &st->in}), resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  *er.mutable_period() = window;
  er.set_origin(origin);
  ListAllEvents(group, b, er, StoreThen(st, &st->ev, &st->events, done));
  // The dyad's yearly counts around the window: a spike or drop in
  // activity is a candidate factor of its own.
  if (auto cq = IntensityRequest(countries, origin)) {
    cq->set_granularity(ev::GRANULARITY_YEAR);
    *cq->mutable_period() = ActivityWindow(year);
    CountEvents(group, b, *cq, [st, done](grpc::Status s, ev::CountEventsResponse r) {
      st->counts_status = std::move(s);
      st->counts = std::move(r);
      done();
    });
  } else {
    done();
  }
  // Institutions are all curated: none when only machine-coded records are
  // asked for.
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    *ir.mutable_founded() = window;
    ListAllInstitutions(group, b, ir, StoreThen(st, &st->in, &st->institutions, done));
    ListInstitutionKindDomains(group, b,
                               StoreThen(st, &st->kinds_status, &st->kind_domains, done));
  } else {
    done();
    done();
  }
  ListIndicators(group, b, StoreThen(st, &st->indicators_status, &st->indicators, done));
  ec::GetSeriesRequest sr = SeriesRequest({indicator, countries[0], countries[1]}, year - 1, year);
  sr.set_origin(origin);
  GetSeries(group, b, sr, StoreThen(st, &st->series_status, &st->series, done));
  return reactor;
}

// ---- Search ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoSearch(grpc::CallbackServerContext* ctx,
                                                       const gw::SearchRequest* req,
                                                       gw::SearchResponse* resp, RawAnswer answer) {
  if (req->query().empty()) return FinishWith(ctx, InvalidField("query", "is required"));
  if (auto s = ValidateText(req->query(), "query", kMaxQueryLength); !s.ok()) {
    return FinishWith(ctx, s);
  }
  const std::vector<std::string> words = SearchWords(req->query());
  if (words.empty() || ToFtsQuery(req->query()).empty()) {
    return FinishWith(ctx, InvalidField("query", "needs at least one word"));
  }
  auto size = EffectivePageSize(req->page_size(), "page_size", 20, 100);
  if (!size.ok()) return FinishWith(ctx, size.status());
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status ev[2], in, indicators_status;
    std::vector<SearchCandidate> events[2], institutions;
    // One slot per indicator read, each written by its own call.
    std::vector<std::vector<SearchCandidate>> figures;
    std::vector<grpc::Status> figure_status;
  };
  auto st = std::make_shared<State>();
  const std::string query = req->query();
  const int limit = *size;
  const auto origin = req->origin();
  Backends* b = b_;
  // Events of each origin asked for, a page each: curated hits first in the
  // answer, and a page of imported rows cannot crowd them out of the read.
  std::vector<dyad::type::v1::Origin> event_reads;
  if (AdmitsCurated(origin)) event_reads.push_back(dyad::type::v1::ORIGIN_CURATED);
  if (AdmitsMachineCoded(origin)) event_reads.push_back(dyad::type::v1::ORIGIN_MACHINE_CODED);

  auto done = JoinAfter(4, [st, reactor, resp, words, limit] {
    std::vector<SearchCandidate> all;
    for (auto& read : st->events) {
      for (auto& c : read) all.push_back(std::move(c));
    }
    for (auto& c : st->institutions) all.push_back(std::move(c));
    for (auto& list : st->figures) {
      for (auto& c : list) all.push_back(std::move(c));
    }
    for (auto& h : RankSearchHits(words, std::move(all), static_cast<size_t>(limit))) {
      *resp->add_hits() = std::move(h);
    }
    grpc::Status economics = st->indicators_status;
    for (const auto& s : st->figure_status) {
      if (economics.ok() && !s.ok()) economics = s;
    }
    AddParts(*reactor, "Search", FirstError({&st->ev[0], &st->ev[1]}), economics, st->in,
             resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  for (size_t k = 0; k < 2; ++k) {
    if (k >= event_reads.size()) {
      done();
      continue;
    }
    ev::ListEventsRequest er;
    er.set_query(query);
    er.set_page_size(limit);
    er.set_origin(event_reads[k]);
    ListEventsPage(group, b, er, [st, done, k](grpc::Status s, ev::ListEventsResponse out) {
      st->ev[k] = std::move(s);
      for (int i = 0; i < out.events_size(); ++i) {
        const auto& e = out.events(i);
        st->events[k].push_back(Candidate(e.name(), kEventsPart, e.title(), e.date(), e.citations(),
                                          e.summary(), i, IsMachineCoded(e)));
      }
      done();
    });
  }

  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    ir.set_query(query);
    ir.set_page_size(limit);
    ListInstitutionsPage(group, b, ir,
                         [st, done](grpc::Status s, in::ListInstitutionsResponse out) {
                           st->in = std::move(s);
                           for (int i = 0; i < out.institutions_size(); ++i) {
                             const auto& inst = out.institutions(i);
                             st->institutions.push_back(Candidate(
                                 inst.name(), kInstitutionsPart, inst.display_name(),
                                 inst.founded(), inst.citations(), inst.description(), i, false));
                           }
                           done();
                         });
  } else {
    done();  // institutions are all curated
  }

  // Economics has no text search: the indicators whose name or description
  // holds every word, then their figures, newest first.
  ListIndicators(group, b, [st, done, group, b, words, limit, origin](
                               grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
    st->indicators_status = std::move(s);
    std::vector<ec::Indicator> matching;
    for (const auto& [id, ind] : indicators) {
      if (static_cast<int>(matching.size()) >= kSearchIndicators) break;
      if (MatchesAllWords(words, absl::StrCat(id, " ", ind.display_name(), " ", ind.description()))) {
        matching.push_back(ind);
      }
    }
    st->figures.resize(matching.size());
    st->figure_status.resize(matching.size());
    auto all_read = JoinAfter(static_cast<int>(matching.size()), done);
    for (size_t k = 0; k < matching.size(); ++k) {
      ec::ListObservationsRequest q;
      q.set_indicator(matching[k].id());
      q.set_page_size(kMaxPageSize);
      q.set_origin(origin);
      ListAllObservations(
          group, b, q,
          [st, all_read, k, ind = matching[k], limit](grpc::Status s,
                                                      std::vector<ec::Observation> obs) {
            st->figure_status[k] = std::move(s);
            std::stable_sort(obs.begin(), obs.end(), [](const auto& a, const auto& x) {
              auto when = [](const ec::Observation& o) {
                return o.period().year() > 0 ? SortKey(o.period()) : SortKey(o.as_of());
              };
              return when(a) > when(x);
            });
            for (size_t i = 0; i < obs.size() && static_cast<int>(i) < limit; ++i) {
              const auto& o = obs[i];
              st->figures[k].push_back(Candidate(
                  o.name(), kEconomicsPart, FigureTitle(o, ind.display_name()),
                  o.period().year() > 0 ? o.period() : o.as_of(), o.citations(),
                  absl::StrCat(ind.display_name(), " ", ind.description()), static_cast<int>(i),
                  IsMachineCoded(o)));
            }
            all_read();
          });
    }
  });
  return reactor;
}

// ---- ListDiscrepancies ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoListDiscrepancies(
    grpc::CallbackServerContext* ctx, const gw::ListDiscrepanciesRequest* req,
    gw::ListDiscrepanciesResponse* resp, RawAnswer answer) {
  if (auto s = ValidateCountries(req->countries(), "countries"); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateOrigin(req->origin()); !s.ok()) return FinishWith(ctx, s);
  std::set<int> classes;
  for (int c : req->classes()) {
    if (c == gw::Discrepancy::CLASS_UNSPECIFIED || !gw::Discrepancy::Class_IsValid(c)) {
      return FinishWith(ctx, InvalidField("classes",
                                          absl::StrCat("unknown class ", c,
                                                       "; CLASS_CONFLICT, CLASS_WITHIN_WORDING or "
                                                       "CLASS_NEIGHBOURING_PERIOD")));
    }
    classes.insert(c);
  }
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  const Countries countries(req->countries().begin(), req->countries().end());
  const auto origin = req->origin();
  // One read per country (or one of everything): records of one fact may
  // name different countries. Only curated records carry fact keys, so
  // only they are read (imported datasets would make these reads every
  // event of each country with any partner); none when only machine-coded
  // records are asked for.
  const size_t reads = AdmitsCurated(origin) ? std::max<size_t>(1, countries.size()) : 0;
  struct State {
    std::vector<grpc::Status> ev, in;
    std::vector<std::vector<ev::Event>> events;
    std::vector<std::vector<in::Institution>> institutions;
    grpc::Status indicators_status, observations_status, series_status;
    std::vector<ec::Series> series;
    std::vector<ec::Observation> observations;
  };
  auto st = std::make_shared<State>();
  st->ev.resize(reads);
  st->in.resize(reads);
  st->events.resize(reads);
  st->institutions.resize(reads);
  Backends* b = b_;

  auto done = JoinAfter(static_cast<int>(2 * reads) + 1, [st, reactor, resp, countries, classes] {
    auto first = [](const std::vector<grpc::Status>& v) {
      for (const auto& s : v) {
        if (!s.ok()) return s;
      }
      return grpc::Status::OK;
    };
    ComposeDiscrepancies(OfTheDyadsFacts(st->events, countries),
                         OfTheDyadsFacts(st->institutions, countries), st->series, resp,
                         st->observations, classes);
    AddParts(*reactor, "ListDiscrepancies", first(st->ev),
             FirstError({&st->indicators_status, &st->observations_status, &st->series_status}),
             first(st->in), resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });

  for (size_t k = 0; k < reads; ++k) {
    ev::ListEventsRequest er;
    if (!countries.empty()) er.add_countries(countries[k]);
    er.set_origin(dyad::type::v1::ORIGIN_CURATED);
    ListAllEvents(group, b, er, StoreThen(st, &st->ev[k], &st->events[k], done));
    in::ListInstitutionsRequest ir;
    if (!countries.empty()) ir.add_countries(countries[k]);
    ListAllInstitutions(group, b, ir, StoreThen(st, &st->in[k], &st->institutions[k], done));
  }

  // Every sourced series of the dyad, whole (derived ones have no sources
  // of their own to disagree).
  ec::ListObservationsRequest orq;
  SetCountries(countries, &orq);
  orq.set_origin(origin);
  ListFigures(group, b, orq, [st, done, group, b, origin](Figures f) {
    st->indicators_status = std::move(f.indicators_status);
    st->observations_status = std::move(f.observations_status);
    if (!f.ok()) return done();
    // Figures linked by a fact key are compared whatever their periods.
    for (const auto& o : f.observations) {
      if (!o.fact().empty()) st->observations.push_back(o);
    }
    std::vector<ec::GetSeriesRequest> reqs;
    for (const auto& k : SeriesKeys(f.observations, f.indicators, false)) {
      if (f.indicators[k.indicator].derived()) continue;
      reqs.push_back(SeriesRequest(k));
      reqs.back().set_origin(origin);
    }
    GetSeriesAll(group, b, std::move(reqs), StoreThen(st, &st->series_status, &st->series, done));
  });
  return reactor;
}

// ---- ListSources ----

grpc::ServerUnaryReactor* RelationsGatewayImpl::DoListSources(grpc::CallbackServerContext* ctx,
                                                            const gw::ListSourcesRequest* req,
                                                            gw::ListSourcesResponse* resp, RawAnswer answer) {
  auto group = NewGroup(ctx);
  auto* reactor = new GatewayReactor(group, cache_, std::move(answer));
  struct State {
    grpc::Status status[3];
    std::vector<std::vector<dyad::type::v1::Source>> catalogs{3};
  };
  auto st = std::make_shared<State>();
  auto done = JoinAfter(3, [st, reactor, resp] {
    for (auto& s : MergeSources(st->catalogs)) *resp->add_sources() = std::move(s);
    AddParts(*reactor, "ListSources", st->status[0], st->status[1], st->status[2], resp->mutable_parts());
    reactor->FinishAnswer(*resp);
  });
  auto slot = [st, done](int i) {
    return [st, done, i](grpc::Status s, std::vector<dyad::type::v1::Source> v) {
      st->status[i] = std::move(s);
      st->catalogs[static_cast<size_t>(i)] = std::move(v);
      done();
    };
  };
  ListEventSources(group, b_, slot(0));
  ListEconomicsSources(group, b_, slot(1));
  ListInstitutionSources(group, b_, slot(2));
  return reactor;
}

}  // namespace dyad::gateway
