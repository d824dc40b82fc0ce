#include "testing/fake_backends.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/partial_date.h"
#include "google/protobuf/text_format.h"
#include "common/reconcile.h"
#include "common/series_keys.h"

namespace dyad::testing {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
using dyad::type::v1::DateRange;
using dyad::type::v1::PartialDate;

// Never answers; finishes CANCELLED once the caller cancels (its deadline
// passes, it goes away, or the server shuts down), so shutdown is clean.
class HangingReactor final : public grpc::ServerUnaryReactor {
 public:
  HangingReactor(std::atomic<int>* hanging, std::atomic<int>* cancelled)
      : hanging_(hanging), cancelled_(cancelled) {
    hanging_->fetch_add(1);
  }
  void OnCancel() override { Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }
  void OnDone() override {
    cancelled_->fetch_add(1);
    hanging_->fetch_sub(1);
    delete this;
  }

 private:
  std::atomic<int>* hanging_;
  std::atomic<int>* cancelled_;
};

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* r = ctx->DefaultReactor();
  r->Finish(status);
  return r;
}

bool HasRange(const DateRange& r) { return r.start().year() > 0 || r.end().year() > 0; }

bool Overlaps(const PartialDate& first, const PartialDate& last, const DateRange& range) {
  if (!HasRange(range)) return true;
  if (first.year() == 0) return false;
  const DaySpan s = RangeDays(range);
  return FirstDay(first) <= s.last && LastDay(last.year() > 0 ? last : first) >= s.first;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool MatchesQuery(const std::string& query, const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  for (absl::string_view w : absl::StrSplit(query, ' ', absl::SkipEmpty())) {
    if (!absl::StrContains(t, absl::AsciiStrToLower(w))) return false;
  }
  return true;
}

// Offset paging: "o<N>".
template <typename T>
bool Page(const std::vector<T>& all, int32_t page_size, const std::string& token,
          std::vector<T>* out, std::string* next) {
  size_t offset = 0;
  if (!token.empty()) {
    if (token[0] != 'o' || !absl::SimpleAtoi(token.substr(1), &offset)) return false;
  }
  const size_t size = page_size <= 0 ? 50 : std::min<size_t>(static_cast<size_t>(page_size), 500);
  for (size_t i = offset; i < all.size() && i < offset + size; ++i) out->push_back(all[i]);
  if (offset + size < all.size()) *next = absl::StrCat("o", offset + size);
  return true;
}

template <typename T>
T Parse(const std::string& text) {
  T m;
  if (!google::protobuf::TextFormat::ParseFromString(text, &m)) {
    std::abort();  // a typo in the fixture below
  }
  return m;
}

const PartialDate& When(const ec::Observation& o) {
  return o.period().year() > 0 ? o.period() : o.as_of();
}

// A request's origin filter against a record's origin (none stored: curated).
bool OriginMatches(dyad::type::v1::Origin filter, dyad::type::v1::Origin own) {
  if (own == dyad::type::v1::ORIGIN_UNSPECIFIED) own = dyad::type::v1::ORIGIN_CURATED;
  return filter == dyad::type::v1::ORIGIN_UNSPECIFIED || filter == own;
}

bool KindMatches(const google::protobuf::RepeatedPtrField<std::string>& kinds,
                 const std::string& kind) {
  if (kinds.empty()) return true;
  for (const auto& k : kinds) {
    if (kind == k || absl::StartsWith(kind, k + ".")) return true;
  }
  return false;
}

}  // namespace

int FakeControl::calls(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

int FakeControl::total_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [m, c] : calls_) n += c;
  return n;
}

std::string FakeControl::last_request(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_request_.find(method);
  return it == last_request_.end() ? "" : it->second;
}

grpc::ServerUnaryReactor* FakeControl::Begin(grpc::CallbackServerContext* ctx,
                                             const std::string& method,
                                             const google::protobuf::Message& request) {
  bool failing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[method];
    last_request_[method] = request.SerializeAsString();
    failing = failing_.count(method) > 0;
  }
  int n = fail_next_.load();
  while (n > 0 && !fail_next_.compare_exchange_weak(n, n - 1)) {
  }
  if (n > 0 || failing || mode() == Mode::kUnavailable) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "fake backend unavailable"));
  }
  if (mode() == Mode::kHang) return new HangingReactor(&hanging_, &cancelled_);
  if (mode() == Mode::kInternal) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INTERNAL, kInternalMessage));
  }
  return nullptr;
}

// ---- Events ----

grpc::ServerUnaryReactor* FakeEventService::ListEvents(grpc::CallbackServerContext* ctx,
                                                       const ev::ListEventsRequest* req,
                                                       ev::ListEventsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListEvents", *req)) return r;
  std::vector<ev::Event> match;
  for (const auto& e : events) {
    bool ok = Overlaps(e.date(), e.end_date(), req->period());
    for (const auto& c : req->countries()) ok = ok && Contains(e.countries(), c);
    ok = ok && KindMatches(req->kinds(), e.kind()) && OriginMatches(req->origin(), e.origin());
    if (!req->domains().empty()) ok = ok && Contains(req->domains(), e.domain());
    if (!req->query().empty()) ok = ok && MatchesQuery(req->query(), e.title() + " " + e.summary());
    if (ok) match.push_back(e);
  }
  std::stable_sort(match.begin(), match.end(), [](const ev::Event& a, const ev::Event& b) {
    if (SortKey(a.date()) != SortKey(b.date())) return SortKey(a.date()) < SortKey(b.date());
    return a.name() < b.name();
  });
  std::vector<ev::Event> page;
  std::string next;
  if (!Page(match, req->page_size(), req->page_token(), &page, &next)) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "page_token: malformed"));
  }
  for (auto& e : page) *resp->add_events() = std::move(e);
  resp->set_next_page_token(next);
  resp->set_total_size(static_cast<int32_t>(match.size()));
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeEventService::ListEventKinds(grpc::CallbackServerContext* ctx,
                                                           const ev::ListEventKindsRequest* req,
                                                           ev::ListEventKindsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListEventKinds", *req)) return r;
  for (const auto& k : kinds) *resp->add_kinds() = k;
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeEventService::CountEvents(grpc::CallbackServerContext* ctx,
                                                        const ev::CountEventsRequest* req,
                                                        ev::CountEventsResponse* resp) {
  if (auto* r = control.Begin(ctx, "CountEvents", *req)) return r;
  if (req->countries().empty() || req->countries_size() > 2 ||
      (req->countries_size() == 2 && req->countries(0) == req->countries(1))) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "countries: one or two distinct countries are required"));
  }
  struct Sum {
    int64_t count = 0, goldstein_count = 0, tone_count = 0;
    double goldstein = 0, tone = 0;
  };
  // By (year, quarter, month, group): the order the real service answers in.
  std::map<std::tuple<int, int, int, std::string>, Sum> buckets;
  const DaySpan span = RangeDays(req->period());
  for (const auto& e : events) {
    bool ok = true;
    for (const auto& c : req->countries()) ok = ok && Contains(e.countries(), c);
    if (req->direction() == ev::DIRECTION_A_TO_B || req->direction() == ev::DIRECTION_B_TO_A) {
      const bool a_to_b = req->direction() == ev::DIRECTION_A_TO_B;
      ok = ok && e.coded().source_country() == req->countries(a_to_b ? 0 : 1) &&
           e.coded().target_country() == req->countries(a_to_b ? 1 : 0);
    }
    ok = ok && (!HasRange(req->period()) ||
                (FirstDay(e.date()) >= span.first && LastDay(e.date()) <= span.last));
    ok = ok && KindMatches(req->kinds(), e.kind()) && OriginMatches(req->origin(), e.origin());
    if (!ok) continue;
    const int month = e.date().month();
    int q = 0, m = 0;
    if (req->granularity() == ev::GRANULARITY_MONTH) m = month;
    if (req->granularity() == ev::GRANULARITY_QUARTER && month > 0) q = (month - 1) / 3 + 1;
    const std::string group = req->group_by() == ev::COUNT_GROUP_KIND ? e.kind() : "";
    Sum& sum = buckets[{e.date().year(), q, m, group}];
    ++sum.count;
    if (e.coded().has_goldstein()) {
      sum.goldstein += e.coded().goldstein();
      ++sum.goldstein_count;
    }
    if (e.coded().has_avg_tone()) {
      sum.tone += e.coded().avg_tone();
      ++sum.tone_count;
    }
  }
  for (const auto& [key, sum] : buckets) {
    ev::EventCountBucket* b = resp->add_buckets();
    b->set_year(std::get<0>(key));
    b->set_quarter(std::get<1>(key));
    b->set_month(std::get<2>(key));
    b->set_group(std::get<3>(key));
    b->set_count(sum.count);
    b->set_goldstein_count(sum.goldstein_count);
    b->set_tone_count(sum.tone_count);
    if (sum.goldstein_count > 0) {
      b->set_goldstein_sum(sum.goldstein);
      b->set_goldstein_mean(sum.goldstein / static_cast<double>(sum.goldstein_count));
    }
    if (sum.tone_count > 0) b->set_mean_tone(sum.tone / static_cast<double>(sum.tone_count));
    resp->set_total(resp->total() + sum.count);
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeEventService::ListSources(grpc::CallbackServerContext* ctx,
                                                        const ev::ListSourcesRequest* req,
                                                        ev::ListSourcesResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListSources", *req)) return r;
  for (const auto& s : sources) *resp->add_sources() = s;
  return Finish(ctx, grpc::Status::OK);
}

// ---- Economics ----

grpc::ServerUnaryReactor* FakeEconomicsService::ListIndicators(
    grpc::CallbackServerContext* ctx, const ec::ListIndicatorsRequest* req,
    ec::ListIndicatorsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListIndicators", *req)) return r;
  for (const auto& i : indicators) *resp->add_indicators() = i;
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeEconomicsService::GetSeries(grpc::CallbackServerContext* ctx,
                                                          const ec::GetSeriesRequest* req,
                                                          ec::Series* resp) {
  if (auto* r = control.Begin(ctx, "GetSeries", *req)) return r;
  return Finish(ctx, SeriesOf(*req, resp));
}

grpc::ServerUnaryReactor* FakeEconomicsService::ListSeries(grpc::CallbackServerContext* ctx,
                                                           const ec::ListSeriesRequest* req,
                                                           ec::ListSeriesResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListSeries", *req)) return r;
  if (req->countries().empty() || req->countries_size() > 2) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "countries: one or two codes are required"));
  }
  std::vector<ec::Observation> match;
  for (const auto& o : observations) {
    bool ok = o.commodity().empty() && OriginMatches(req->origin(), o.origin());
    for (const auto& c : req->countries()) ok = ok && (o.reporter() == c || o.partner() == c);
    ok = ok && Overlaps(When(o), When(o), req->period());
    if (ok) match.push_back(o);
  }
  std::map<std::string, ec::Indicator> by_id;
  for (const auto& i : indicators) by_id[i.id()] = i;
  std::set<std::string> listed;
  for (const auto& k : SeriesKeys(match, by_id, req->with_derived())) {
    if (!by_id.count(k.indicator)) continue;
    ec::GetSeriesRequest one;
    one.set_indicator(k.indicator);
    one.set_reporter(k.reporter);
    one.set_partner(k.partner);
    *one.mutable_period() = req->has_points_period() ? req->points_period() : req->period();
    one.set_origin(req->origin());
    grpc::Status s = SeriesOf(one, resp->add_series());
    if (!s.ok()) return Finish(ctx, s);
    if (listed.insert(k.indicator).second) *resp->add_indicators() = by_id[k.indicator];
  }
  return Finish(ctx, grpc::Status::OK);
}

grpc::Status FakeEconomicsService::SeriesOf(const ec::GetSeriesRequest& request,
                                            ec::Series* resp) const {
  const ec::GetSeriesRequest* req = &request;
  if (auto fixed = fixed_series.find(FixedSeriesKey(req->indicator(), req->reporter(),
                                                    req->partner()));
      fixed != fixed_series.end() && req->origin() == dyad::type::v1::ORIGIN_UNSPECIFIED &&
      req->commodity().empty()) {
    *resp = fixed->second;
    resp->clear_points();
    for (const auto& p : fixed->second.points()) {
      const PartialDate& when = p.period().year() > 0 ? p.period() : p.as_of();
      if (Overlaps(when, when, req->period())) *resp->add_points() = p;
    }
    return grpc::Status::OK;
  }
  const ec::Indicator* ind = nullptr;
  for (const auto& i : indicators) {
    if (i.id() == req->indicator()) ind = &i;
  }
  if (ind == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("indicator: unknown indicator ", req->indicator()));
  }
  std::map<int64_t, std::vector<ec::Observation>> by_period;
  for (const auto& o : observations) {
    if (o.indicator() != req->indicator()) continue;
    const bool same = o.reporter() == req->reporter() && o.partner() == req->partner();
    const bool swapped = !ind->directed() && o.reporter() == req->partner() &&
                         o.partner() == req->reporter();
    if (!same && !swapped) continue;
    if (!Overlaps(When(o), When(o), req->period())) continue;
    if (!OriginMatches(req->origin(), o.origin()) || o.commodity() != req->commodity()) continue;
    by_period[SortKey(When(o))].push_back(o);
  }
  resp->set_indicator(req->indicator());
  resp->set_reporter(req->reporter());
  resp->set_partner(req->partner());
  resp->set_unit(ind->unit());
  resp->set_commodity(req->commodity());
  const ec::SeriesPoint* previous = nullptr;
  for (auto& [key, obs] : by_period) {
    std::sort(obs.begin(), obs.end(), [](const auto& a, const auto& b) { return a.name() < b.name(); });
    const economics::Reconciliation rec = economics::Reconcile(obs);
    ec::SeriesPoint* p = resp->add_points();
    if (obs[0].period().year() > 0) {
      *p->mutable_period() = obs[0].period();
    } else {
      *p->mutable_as_of() = obs[0].as_of();
    }
    *p->mutable_value() = obs[rec.chosen].value();
    p->set_disputed(rec.disputed);
    p->set_rule(rec.rule);
    for (const auto& o : obs) *p->add_observations() = o;
    if (previous != nullptr && previous->value().value() != 0) {
      p->set_change_percent((p->value().value() / previous->value().value() - 1) * 100);
    }
    previous = p;
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* FakeEconomicsService::ListObservations(
    grpc::CallbackServerContext* ctx, const ec::ListObservationsRequest* req,
    ec::ListObservationsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListObservations", *req)) return r;
  std::vector<ec::Observation> match;
  for (const auto& o : observations) {
    bool ok = req->indicator().empty() || o.indicator() == req->indicator();
    for (const auto& c : req->countries()) ok = ok && (o.reporter() == c || o.partner() == c);
    ok = ok && Overlaps(When(o), When(o), req->period());
    ok = ok && OriginMatches(req->origin(), o.origin()) && o.commodity() == req->commodity();
    if (ok) match.push_back(o);
  }
  std::stable_sort(match.begin(), match.end(), [](const auto& a, const auto& b) {
    if (a.indicator() != b.indicator()) return a.indicator() < b.indicator();
    if (SortKey(When(a)) != SortKey(When(b))) return SortKey(When(a)) < SortKey(When(b));
    return a.name() < b.name();
  });
  std::vector<ec::Observation> page;
  std::string next;
  if (!Page(match, req->page_size(), req->page_token(), &page, &next)) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "page_token: malformed"));
  }
  for (auto& o : page) *resp->add_observations() = std::move(o);
  resp->set_next_page_token(next);
  resp->set_total_size(static_cast<int32_t>(match.size()));
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeEconomicsService::ListSources(grpc::CallbackServerContext* ctx,
                                                            const ec::ListSourcesRequest* req,
                                                            ec::ListSourcesResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListSources", *req)) return r;
  for (const auto& s : sources) *resp->add_sources() = s;
  return Finish(ctx, grpc::Status::OK);
}

// ---- Institutions ----

grpc::ServerUnaryReactor* FakeInstitutionService::ListInstitutions(
    grpc::CallbackServerContext* ctx, const in::ListInstitutionsRequest* req,
    in::ListInstitutionsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListInstitutions", *req)) return r;
  std::vector<in::Institution> match;
  for (const auto& i : institutions) {
    bool ok = Overlaps(i.founded(), i.founded(), req->founded());
    for (const auto& c : req->countries()) {
      ok = ok && (Contains(i.countries(), c) || i.host_country() == c);
    }
    if (!req->kinds().empty()) {
      bool any = false;
      for (const auto& k : req->kinds()) any = any || i.kind() == k || absl::StartsWith(i.kind(), k + ".");
      ok = ok && any;
    }
    if (!req->query().empty()) {
      ok = ok && MatchesQuery(req->query(), i.display_name() + " " + i.description());
    }
    if (ok) match.push_back(i);
  }
  std::stable_sort(match.begin(), match.end(), [](const auto& a, const auto& b) {
    if (SortKey(a.founded()) != SortKey(b.founded())) return SortKey(a.founded()) < SortKey(b.founded());
    return a.name() < b.name();
  });
  std::vector<in::Institution> page;
  std::string next;
  if (!Page(match, req->page_size(), req->page_token(), &page, &next)) {
    return Finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "page_token: malformed"));
  }
  for (auto& i : page) *resp->add_institutions() = std::move(i);
  resp->set_next_page_token(next);
  resp->set_total_size(static_cast<int32_t>(match.size()));
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeInstitutionService::ListInstitutionKinds(
    grpc::CallbackServerContext* ctx, const in::ListInstitutionKindsRequest* req,
    in::ListInstitutionKindsResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListInstitutionKinds", *req)) return r;
  for (const auto& k : kinds) *resp->add_kinds() = k;
  return Finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FakeInstitutionService::ListSources(grpc::CallbackServerContext* ctx,
                                                              const in::ListSourcesRequest* req,
                                                              in::ListSourcesResponse* resp) {
  if (auto* r = control.Begin(ctx, "ListSources", *req)) return r;
  for (const auto& s : sources) *resp->add_sources() = s;
  return Finish(ctx, grpc::Status::OK);
}

// ---- Servers ----

FakeServer::FakeServer(grpc::Service* service) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service);
  server_ = builder.BuildAndStart();
}

std::string FakeServer::target() const { return absl::StrCat("127.0.0.1:", port_); }

void FakeServer::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
}

std::string FixedSeriesKey(const std::string& indicator, const std::string& reporter,
                           const std::string& partner) {
  return absl::StrCat(indicator, " ", reporter, " ", partner);
}

namespace {

// The series of the fake observations, written out by hand: which figure
// each point shows, its change on the year before, whether its sources
// disagree and the rule named, so no reconciliation code runs in the fake.
void AddFixedSeries(FakeEconomicsService& economics) {
  auto observation = [&](const std::string& name) {
    for (const auto& o : economics.observations) {
      if (o.name() == "observations/" + name) return o;
    }
    std::abort();  // a typo below
  };
  auto point = [&](int year, const std::string& shown, std::vector<std::string> sources,
                   const char* rule, bool disputed = false) {
    ec::SeriesPoint p;
    if (year > 0) {
      p.mutable_period()->set_year(year);
    } else {
      p.mutable_as_of()->set_year(2022);
    }
    *p.mutable_value() = observation(shown).value();
    p.set_rule(rule);
    p.set_disputed(disputed);
    for (const auto& s : sources) *p.add_observations() = observation(s);
    return p;
  };
  auto add = [&](const std::string& indicator, const std::string& reporter,
                 const std::string& partner, const std::string& unit, bool undirected,
                 std::vector<ec::SeriesPoint> points) {
    ec::Series s;
    s.set_indicator(indicator);
    s.set_reporter(reporter);
    s.set_partner(partner);
    s.set_unit(unit);
    for (auto& p : points) *s.add_points() = std::move(p);
    economics.fixed_series[FixedSeriesKey(indicator, reporter, partner)] = s;
    if (undirected) {
      s.set_reporter(partner);
      s.set_partner(reporter);
      economics.fixed_series[FixedSeriesKey(indicator, partner, reporter)] = s;
    }
  };
  ec::SeriesPoint turnover2019 =
      point(2019, "turnover-2019", {"turnover-2019", "turnover-2019-rounded"},
            "most-precise-consistent");  // 2,184 million lies within "2.2 billion"
  turnover2019.set_change_percent(kTurnoverChange2019);
  add("trade.turnover", "AZE", "CHN", "USD", true,
      {point(2018, "turnover-2018", {"turnover-2018"}, "single-source"), turnover2019});
  add("trade.exports", "AZE", "CHN", "USD", false,
      {point(2019, "exports-2019", {"exports-2019"}, "single-source")});
  add("trade.imports", "AZE", "CHN", "USD", false,
      {point(2019, "imports-2019", {"imports-2019"}, "single-source")});
  add("trade.turnover_growth", "AZE", "CHN", "percent", true,
      {point(2019, "growth-2019", {"growth-2019"}, "single-source")});
  // "over 800 million" against 1.7 billion: disputed; equally precise, the
  // first by name is shown.
  add("investment.stock", "CHN", "AZE", "USD", false,
      {point(0, "stock-1700", {"stock-1700", "stock-800"}, "most-precise-disputed",
             /*disputed=*/true)});
}

// GEO–TUR: only machine-coded records, as the importers map GDELT and
// Comtrade rows (no curated record names either country).
void AddGeoTur(FakeEventService& events, FakeEconomicsService& economics) {
  // Per year, events spread over the months; every third one a fight
  // (Goldstein -10), the others visits (+1.9); mentions 1, 2, 3, ... so the
  // most reported are the year's last events.
  for (const auto& [year, n] : std::vector<std::pair<int, int>>{
           {2018, kGeoTurEvents2018}, {2019, kGeoTurEvents2019}, {2020, kGeoTurEvents2020}}) {
    for (int i = 0; i < n; ++i) {
      const bool fight = i % 3 == 2;
      ev::Event e;
      const std::string id = absl::StrCat(year, "-", i);
      e.set_name(absl::StrCat("events/gdelt-2-0-", id));
      e.set_kind(fight ? "cameo.19.190" : "cameo.04.042");
      e.set_domain("cameo");
      e.set_title(absl::StrCat(fight ? "Fight" : "Make a visit", " GEO TUR ", id));
      e.mutable_date()->set_year(year);
      e.mutable_date()->set_month(i % 12 + 1);
      e.mutable_date()->set_day(i % 28 + 1);
      e.add_countries("GEO");
      e.add_countries("TUR");
      e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
      auto* c = e.mutable_coded();
      c->set_dataset("gdelt-2.0");
      c->set_cameo_code(fight ? "190" : "042");
      c->set_source_country(i % 2 == 0 ? "GEO" : "TUR");
      c->set_target_country(i % 2 == 0 ? "TUR" : "GEO");
      c->set_quad_class(fight ? 4 : 1);
      c->set_goldstein(fight ? -10 : 1.9);
      c->set_avg_tone(fight ? -4 : 2);
      c->set_num_mentions(i + 1);
      auto* cite = e.add_citations();
      cite->set_source_id("gdelt-2.0");
      cite->set_url(absl::StrCat("https://news.example/", id));
      cite->mutable_row()->set_upstream_id(id);
      events.events.push_back(std::move(e));
    }
  }
  auto comtrade = [&](const std::string& indicator, const std::string& reporter,
                      const std::string& partner, int year, double value,
                      const std::string& commodity = "") {
    ec::Observation o;
    const std::string key = absl::StrCat(indicator == "trade.exports" ? "X" : "M", "|", year, "|",
                                         reporter, "|", partner, "|",
                                         commodity.empty() ? "TOTAL" : commodity);
    o.set_name(absl::StrCat("observations/comtrade-", absl::AsciiStrToLower(reporter), "-",
                            absl::AsciiStrToLower(partner), "-", indicator.substr(6), "-", year,
                            commodity.empty() ? "" : "-h4-27"));
    o.set_indicator(indicator);
    o.set_reporter(reporter);
    o.set_partner(partner);
    o.mutable_period()->set_year(year);
    o.mutable_value()->set_value(value);
    o.mutable_value()->set_unit("USD");
    o.mutable_value()->set_as_written(absl::StrCat(static_cast<int64_t>(value)));
    o.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
    o.set_commodity(commodity);
    auto* c = o.add_citations();
    c->set_source_id("comtrade");
    c->set_locator(key);
    c->mutable_row()->set_upstream_id(key);
    economics.observations.push_back(std::move(o));
  };
  comtrade("trade.exports", "GEO", "TUR", 2019, kGeoExportsToTur2019);
  comtrade("trade.exports", "GEO", "TUR", 2020, kGeoExportsToTur2020);
  comtrade("trade.imports", "TUR", "GEO", 2020, kTurImportsFromGeo2020);
  comtrade("trade.exports", "TUR", "GEO", 2020, kTurExportsToGeo2020);
  comtrade("trade.imports", "GEO", "TUR", 2020, kGeoImportsFromTur2020);
  // A commodity's figures: never compared with the totals (ListObservations
  // serves totals only unless a commodity is named).
  comtrade("trade.exports", "GEO", "TUR", 2020, 50e6, "H4:27");
  comtrade("trade.imports", "TUR", "GEO", 2020, 90e6, "H4:27");
}

}  // namespace

// A few AZE–CHN records, shaped like the curated ones: the April 2019
// forum with its deals, milestones, disagreements kept as records sharing a
// fact key, and trade figures whose sums and growth rate can be checked.
FakeBackends::FakeBackends() {
  const char* kEvents[] = {
      R"pb(name: "events/recognition-1991" kind: "diplomacy.recognition" domain: "diplomacy"
           title: "China recognizes Azerbaijan" date { year: 1991 month: 12 day: 27 }
           countries: "AZE" countries: "CHN" citations { source_id: "s-events" locator: "p1" })pb",
      R"pb(name: "events/relations-1992" kind: "diplomacy.relations.established"
           domain: "diplomacy" title: "Diplomatic relations established"
           date { year: 1992 month: 4 day: 2 } countries: "AZE" countries: "CHN"
           citations { source_id: "s-events" locator: "p2" })pb",
      R"pb(name: "events/partnership-2024" kind: "diplomacy.partnership.raised"
           domain: "diplomacy" title: "Strategic partnership signed" date { year: 2024 month: 7 }
           countries: "AZE" countries: "CHN" citations { source_id: "s-events" locator: "p3" })pb",
      R"pb(name: "events/old-deal-2010" kind: "economy.deal.signed" domain: "economy"
           title: "An older deal" date { year: 2010 } countries: "AZE" countries: "CHN"
           citations { source_id: "s-events" locator: "p4" })pb",
      R"pb(name: "events/jv-2018" kind: "economy.joint_venture.agreed" domain: "economy"
           title: "Joint venture agreed" date { year: 2018 } countries: "AZE" countries: "CHN"
           citations { source_id: "s-events" locator: "p5" })pb",
      R"pb(name: "events/commission-2019" kind: "diplomacy.commission.session"
           domain: "diplomacy" title: "Trade and economic commission meets" date { year: 2019 }
           countries: "AZE" countries: "CHN" citations { source_id: "s-events" locator: "p6" })pb",
      R"pb(name: "events/forum-deals-2019" kind: "economy.deal.signed" domain: "economy"
           title: "Firms sign ten deals worth $821 million at the Belt and Road Forum"
           summary: "Signed in Beijing during the forum."
           date { year: 2019 month: 4 } countries: "AZE" countries: "CHN"
           participants { name: "Azerbaijani companies" role: "signatories" country: "AZE" }
           location { name: "Beijing" country: "CHN" }
           amount { value: 821e6 unit: "USD" qualifier: QUALIFIER_EXACT precision: 1e6
                    as_written: "$821 million" }
           citations { source_id: "s-events" locator: "p7" } tags: "belt-and-road")pb",
      R"pb(name: "events/forum-2019" kind: "diplomacy.summit.attended" domain: "diplomacy"
           title: "Ilham Aliyev attends the second Belt and Road Forum"
           date { year: 2019 month: 4 day: 24 } end_date { year: 2019 month: 4 day: 27 }
           countries: "AZE" countries: "CHN"
           participants { name: "Ilham Aliyev" role: "President of Azerbaijan" country: "AZE" }
           location { name: "Beijing" country: "CHN" }
           citations { source_id: "s-events" locator: "p8" } tags: "belt-and-road")pb",
      R"pb(name: "events/phone-2019" kind: "diplomacy.phone_call" domain: "diplomacy"
           title: "Ministers talk by phone" date { year: 2019 month: 9 } countries: "AZE"
           countries: "CHN" citations { source_id: "s-events" locator: "p9" })pb",
      R"pb(name: "events/visit-2015-a" kind: "diplomacy.visit.state" domain: "diplomacy"
           title: "State visit (one source)" date { year: 2015 month: 12 }
           countries: "AZE" countries: "CHN" fact: "visit-2015"
           citations { source_id: "s-events" locator: "p10" })pb",
      R"pb(name: "events/visit-2015-b" kind: "diplomacy.visit.state" domain: "diplomacy"
           title: "State visit (another source)" date { year: 2014 }
           countries: "AZE" countries: "CHN" fact: "visit-2015"
           citations { source_id: "s-other" locator: "p1" })pb",
      R"pb(name: "events/loan-bank" kind: "economy.loan.approved" domain: "economy"
           title: "A bank lends $600 million" date { year: 2016 } countries: "AZE"
           participants { name: "AIIB" role: "lender" }
           amount { value: 600e6 unit: "USD" precision: 1e6 as_written: "$600 million" }
           fact: "loan-600m" citations { source_id: "s-events" locator: "p11" })pb",
      R"pb(name: "events/loan-state" kind: "economy.loan.approved" domain: "economy"
           title: "China lends $600 million" date { year: 2016 } countries: "AZE"
           countries: "CHN" participants { name: "China" role: "lender" country: "CHN" }
           amount { value: 600e6 unit: "USD" precision: 1e6 as_written: "$600 million" }
           fact: "loan-600m" citations { source_id: "s-other" locator: "p2" })pb",
      R"pb(name: "events/aze-tur-2019" kind: "diplomacy.visit.state" domain: "diplomacy"
           title: "Not this dyad" date { year: 2019 month: 4 } countries: "AZE"
           countries: "TUR" citations { source_id: "s-events" locator: "p12" })pb",
  };
  for (const char* e : kEvents) events.events.push_back(Parse<ev::Event>(e));

  const char* kInstitutions[] = {
      R"pb(name: "institutions/confucius-bsu" display_name: "Confucius Institute at BSU"
           kind: "education.confucius_institute" host_country: "AZE" city: "Baku"
           founded { year: 2011 month: 4 } countries: "AZE" countries: "CHN"
           description: "Teaches Chinese in Baku."
           citations { source_id: "s-inst" locator: "p1" })pb",
      R"pb(name: "institutions/trade-house-2019" display_name: "Azerbaijan Trade House"
           kind: "economy.trade_house" host_country: "CHN" founded { year: 2019 month: 5 }
           countries: "AZE" countries: "CHN" description: "Sells Azerbaijani goods in China."
           citations { source_id: "s-inst" locator: "p2" })pb",
      R"pb(name: "institutions/centre-a" display_name: "A centre (one source)"
           kind: "education.university" host_country: "AZE" founded { year: 2016 }
           countries: "AZE" countries: "CHN" fact: "centre"
           citations { source_id: "s-inst" locator: "p3" })pb",
      R"pb(name: "institutions/centre-b" display_name: "A centre (another source)"
           kind: "education.university" host_country: "AZE" founded { year: 2018 }
           countries: "AZE" countries: "CHN" fact: "centre"
           citations { source_id: "s-other" locator: "p3" })pb",
      R"pb(name: "institutions/undated" display_name: "An undated body"
           kind: "economy.commission" host_country: "AZE" countries: "AZE" countries: "CHN"
           citations { source_id: "s-inst" locator: "p4" })pb",
  };
  for (const char* i : kInstitutions) institutions.institutions.push_back(Parse<in::Institution>(i));
  for (const auto& [id, domain] : std::vector<std::pair<std::string, std::string>>{
           {"education.confucius_institute", "education_culture"},
           {"education.university", "education_culture"},
           {"economy.trade_house", "economy"},
           {"economy.commission", "economy"}}) {
    in::InstitutionKind k;
    k.set_id(id);
    k.set_domain(domain);
    institutions.kinds.push_back(k);
  }

  const char* kIndicators[] = {
      R"pb(id: "trade.turnover" headline_rank: 1 display_name: "Trade turnover" unit: "USD" plugin: "economy"
           description: "Exports plus imports between the two countries.")pb",
      R"pb(id: "trade.exports" headline_rank: 2 display_name: "Exports" unit: "USD" directed: true
           plugin: "economy")pb",
      R"pb(id: "trade.imports" headline_rank: 3 display_name: "Imports" unit: "USD" directed: true
           plugin: "economy")pb",
      R"pb(id: "trade.turnover_growth" display_name: "Trade turnover growth (as stated)"
           unit: "percent" plugin: "economy")pb",
      R"pb(id: "investment.stock" headline_rank: 4 display_name: "Investment stock" unit: "USD" directed: true
           plugin: "economy")pb",
  };
  for (const char* i : kIndicators) economics.indicators.push_back(Parse<ec::Indicator>(i));
  auto obs = [&](const std::string& name, const std::string& indicator, const std::string& reporter,
                 const std::string& partner, int year, double value, double precision,
                 const std::string& extra = "") {
    economics.observations.push_back(Parse<ec::Observation>(absl::StrCat(
        "name: \"observations/", name, "\" indicator: \"", indicator, "\" reporter: \"", reporter,
        "\" partner: \"", partner, "\" ",
        year > 0 ? absl::StrCat("period { year: ", year, " } ") : "as_of { year: 2022 } ",
        "value { value: ", value, " precision: ", precision, " unit: \"",
        indicator == "trade.turnover_growth" ? "percent" : "USD", "\" ", extra,
        " } citations { source_id: \"s-econ\" locator: \"", name, "\" }")));
  };
  obs("turnover-2018", "trade.turnover", "AZE", "CHN", 2018, 1310e6, 1e6);
  obs("turnover-2019", "trade.turnover", "AZE", "CHN", 2019, 2184e6, 1e6);
  obs("turnover-2019-rounded", "trade.turnover", "CHN", "AZE", 2019, 2.2e9, 1e8);
  obs("exports-2019", "trade.exports", "AZE", "CHN", 2019, 752e6, 1e6);
  obs("imports-2019", "trade.imports", "AZE", "CHN", 2019, 1432e6, 1e6);
  obs("growth-2019", "trade.turnover_growth", "AZE", "CHN", 2019, 66.7, 0.1);
  obs("stock-800", "investment.stock", "CHN", "AZE", 0, 800e6, 1e8,
      "qualifier: QUALIFIER_AT_LEAST");
  obs("stock-1700", "investment.stock", "CHN", "AZE", 0, 1.7e9, 1e8);

  auto source = [](const std::string& id) {
    dyad::type::v1::Source s;
    s.set_id(id);
    s.set_title(absl::StrCat("Source ", id));
    return s;
  };
  events.sources = {source("s-events"), source("s-other"), source("gdelt-2.0")};
  economics.sources = {source("s-econ"), source("s-other"), source("comtrade")};
  institutions.sources = {source("s-inst"), source("s-other")};
  AddFixedSeries(economics);
  AddGeoTur(events, economics);
  std::map<std::string, std::string> kind_domains;
  for (const auto& e : events.events) kind_domains[e.kind()] = e.domain();
  for (const auto& [id, domain] : kind_domains) {
    ev::EventKind k;
    k.set_id(id);
    k.set_domain(domain);
    events.kinds.push_back(k);
  }

  events_server = std::make_unique<FakeServer>(&events);
  economics_server = std::make_unique<FakeServer>(&economics);
  institutions_server = std::make_unique<FakeServer>(&institutions);
}

}  // namespace dyad::testing
