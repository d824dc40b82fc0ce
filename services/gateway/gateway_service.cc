#include "gateway_service.h"

#include <atomic>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/grpc_util.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "common/validation.h"
#include "compose.h"

namespace dyad::gateway {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

constexpr int kBatch = 500;  // rows per backend page when a part reads everything

// Runs `parts` in parallel on the pool; the last one to finish runs `then`.
void RunParts(ThreadPool* pool, std::vector<std::function<void()>> parts,
              std::function<void()> then) {
  auto remaining = std::make_shared<std::atomic<int>>(static_cast<int>(parts.size()));
  auto finish = std::make_shared<std::function<void()>>(std::move(then));
  for (auto& part : parts) {
    pool->Run([part = std::move(part), remaining, finish] {
      part();
      if (--*remaining == 0) (*finish)();
    });
  }
}

// One blocking backend call under `deadline`.
template <typename Fn, typename Req, typename Resp>
grpc::Status Call(Fn fn, const Req& req, Resp* resp, absl::Time deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(deadline));
  return fn(&ctx, req, resp);
}

dyad::type::v1::DateRange Years(int from, int to) {
  dyad::type::v1::DateRange r;
  r.mutable_start()->set_year(from);
  r.mutable_end()->set_year(to);
  return r;
}

absl::Status ValidateDyad(const google::protobuf::RepeatedPtrField<std::string>& countries,
                          int min) {
  if (countries.size() < min) {
    return InvalidField("countries", absl::StrCat("at least ", min,
                                                  " ISO 3166-1 alpha-3 codes are required"));
  }
  return ValidateCountries(countries, "countries");
}

absl::Status ValidateYear(int year) {
  if (year < 1 || year > 9999) return InvalidField("year", absl::StrCat("must be 1..9999, got ", year));
  return absl::OkStatus();
}

// All events matching `req` (pages followed), or the failing status.
grpc::Status AllEvents(Backends* b, ev::ListEventsRequest req, absl::Time deadline,
                       std::vector<ev::Event>* out) {
  req.set_page_size(kBatch);
  for (;;) {
    ev::ListEventsResponse resp;
    grpc::Status s = Call([&](grpc::ClientContext* c, const ev::ListEventsRequest& r,
                              ev::ListEventsResponse* o) { return b->events().ListEvents(c, r, o); },
                          req, &resp, deadline);
    if (!s.ok()) return s;
    for (auto& e : *resp.mutable_events()) out->push_back(std::move(e));
    if (resp.next_page_token().empty()) return s;
    req.set_page_token(resp.next_page_token());
  }
}

grpc::Status AllInstitutions(Backends* b, in::ListInstitutionsRequest req, absl::Time deadline,
                             std::vector<in::Institution>* out) {
  req.set_page_size(kBatch);
  for (;;) {
    in::ListInstitutionsResponse resp;
    grpc::Status s = Call([&](grpc::ClientContext* c, const in::ListInstitutionsRequest& r,
                              in::ListInstitutionsResponse* o) {
      return b->institutions().ListInstitutions(c, r, o);
    }, req, &resp, deadline);
    if (!s.ok()) return s;
    for (auto& i : *resp.mutable_institutions()) out->push_back(std::move(i));
    if (resp.next_page_token().empty()) return s;
    req.set_page_token(resp.next_page_token());
  }
}

grpc::Status AllObservations(Backends* b, ec::ListObservationsRequest req, absl::Time deadline,
                             std::vector<ec::Observation>* out) {
  req.set_page_size(kBatch);
  for (;;) {
    ec::ListObservationsResponse resp;
    grpc::Status s = Call([&](grpc::ClientContext* c, const ec::ListObservationsRequest& r,
                              ec::ListObservationsResponse* o) {
      return b->economics().ListObservations(c, r, o);
    }, req, &resp, deadline);
    if (!s.ok()) return s;
    for (auto& o : *resp.mutable_observations()) out->push_back(std::move(o));
    if (resp.next_page_token().empty()) return s;
    req.set_page_token(resp.next_page_token());
  }
}

grpc::Status Indicators(Backends* b, absl::Time deadline, std::map<std::string, ec::Indicator>* out) {
  ec::ListIndicatorsResponse resp;
  grpc::Status s = Call([&](grpc::ClientContext* c, const ec::ListIndicatorsRequest& r,
                            ec::ListIndicatorsResponse* o) { return b->economics().ListIndicators(c, r, o); },
                        ec::ListIndicatorsRequest(), &resp, deadline);
  for (auto& i : *resp.mutable_indicators()) (*out)[i.id()] = i;
  return s;
}

grpc::Status Series(Backends* b, const std::string& indicator, const std::string& reporter,
                    const std::string& partner, const dyad::type::v1::DateRange* period,
                    absl::Time deadline, ec::Series* out) {
  ec::GetSeriesRequest req;
  req.set_indicator(indicator);
  req.set_reporter(reporter);
  req.set_partner(partner);
  if (period != nullptr) *req.mutable_period() = *period;
  return Call([&](grpc::ClientContext* c, const ec::GetSeriesRequest& r, ec::Series* o) {
    return b->economics().GetSeries(c, r, o);
  }, req, out, deadline);
}

// The distinct series (indicator, reporter, partner) behind observations;
// undirected indicators once per pair.
std::vector<std::tuple<std::string, std::string, std::string>> SeriesKeys(
    const std::vector<ec::Observation>& obs, const std::map<std::string, ec::Indicator>& indicators) {
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (const auto& o : obs) {
    auto it = indicators.find(o.indicator());
    std::string r = o.reporter(), p = o.partner();
    if (it != indicators.end() && !it->second.directed() && !p.empty() && p < r) std::swap(r, p);
    keys.insert({o.indicator(), r, p});
  }
  return {keys.begin(), keys.end()};
}

void AddPart(const char* name, const grpc::Status& s, google::protobuf::RepeatedPtrField<gw::Part>* parts) {
  *parts->Add() = PartOutcome{name, s}.ToProto();
}

}  // namespace

absl::Time RelationsGatewayImpl::Deadline(grpc::CallbackServerContext* ctx) const {
  const auto d = ctx->deadline();
  const absl::Time client = d == std::chrono::system_clock::time_point::max()
                                ? absl::InfiniteFuture()
                                : absl::FromChrono(d);
  return BackendDeadline(client, timeout_);
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::GetYearInReview(
    grpc::CallbackServerContext* ctx, const gw::GetYearInReviewRequest* req,
    gw::GetYearInReviewResponse* resp) {
  if (auto s = ValidateDyad(req->countries(), 1); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateYear(req->year()); !s.ok()) return FinishWith(ctx, s);
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status ev, in, ec;
    std::vector<ev::Event> events;
    std::vector<in::Institution> institutions;
    std::vector<gw::IndicatorValue> values;
  };
  auto st = std::make_shared<State>();
  const int year = req->year();
  std::vector<std::string> countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        ev::ListEventsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        *r.mutable_period() = Years(year, year);
        st->ev = AllEvents(b, r, deadline, &st->events);
      },
      [=] {
        in::ListInstitutionsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        *r.mutable_founded() = Years(year, year);
        st->in = AllInstitutions(b, r, deadline, &st->institutions);
      },
      [=] {
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        if (!st->ec.ok()) return;
        ec::ListObservationsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        *r.mutable_period() = Years(year, year);
        std::vector<ec::Observation> obs;
        st->ec = AllObservations(b, r, deadline, &obs);
        if (!st->ec.ok()) return;
        const auto period = Years(year - 1, year);
        for (const auto& [ind, rep, par] : SeriesKeys(obs, indicators)) {
          ec::Series s;
          st->ec = Series(b, ind, rep, par, &period, deadline, &s);
          if (!st->ec.ok()) return;
          gw::IndicatorValue v;
          *v.mutable_indicator() = indicators[ind];
          for (const auto& p : s.points()) {
            if (p.period().year() == year) *v.mutable_point() = p;
            if (p.period().year() == year - 1) *v.mutable_previous() = p;
          }
          if (!v.has_point()) continue;
          // The change is against the year before, or not given.
          if (!v.has_previous()) v.mutable_point()->clear_change_percent();
          st->values.push_back(std::move(v));
        }
      }},
      [=] {
        resp->set_year(year);
        for (auto& e : st->events) *resp->add_events() = std::move(e);
        for (auto& i : st->institutions) *resp->add_institutions_founded() = std::move(i);
        for (auto& v : st->values) *resp->add_indicators() = std::move(v);
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::GetOverview(grpc::CallbackServerContext* ctx,
                                                            const gw::GetOverviewRequest* req,
                                                            gw::GetOverviewResponse* resp) {
  if (auto s = ValidateDyad(req->countries(), 2); !s.ok()) return FinishWith(ctx, s);
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status ev, in, ec;
    std::vector<ev::Event> events;
    std::vector<in::Institution> institutions;
    std::vector<gw::HeadlineFigure> figures;
  };
  auto st = std::make_shared<State>();
  std::vector<std::string> countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        ev::ListEventsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        st->ev = AllEvents(b, r, deadline, &st->events);
      },
      [=] {
        in::ListInstitutionsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        st->in = AllInstitutions(b, r, deadline, &st->institutions);
      },
      [=] {
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        if (!st->ec.ok()) return;
        static constexpr const char* kKey[] = {"trade.turnover", "trade.exports", "trade.imports",
                                               "investment.stock", "investment.companies"};
        for (const char* id : kKey) {
          auto it = indicators.find(id);
          if (it == indicators.end()) continue;
          std::vector<std::pair<std::string, std::string>> dirs = {{countries[0], countries[1]}};
          if (it->second.directed()) dirs.push_back({countries[1], countries[0]});
          for (const auto& [r, p] : dirs) {
            ec::Series s;
            st->ec = Series(b, id, r, p, nullptr, deadline, &s);
            if (!st->ec.ok()) return;
            if (s.points().empty()) continue;
            gw::HeadlineFigure f;
            *f.mutable_indicator() = it->second;
            // The latest dated point, else the "to date" stock.
            *f.mutable_point() = s.points(s.points_size() - 1);
            st->figures.push_back(std::move(f));
          }
        }
      }},
      [=] {
        *resp->mutable_countries() = {countries.begin(), countries.end()};
        static const std::set<std::string> kMilestones = {
            "diplomacy.recognition", "diplomacy.relations.established", "diplomacy.partnership.raised"};
        std::map<std::string, int> by_domain, by_kind, inst_by_kind;
        for (const auto& e : st->events) {
          if (kMilestones.count(e.kind())) *resp->add_milestones() = e;
          ++by_domain[e.domain()];
          ++by_kind[e.kind()];
        }
        for (const auto& i : st->institutions) ++inst_by_kind[i.kind()];
        auto fill = [](const std::map<std::string, int>& m, google::protobuf::RepeatedPtrField<gw::Count>* out) {
          for (const auto& [k, n] : m) {
            auto* c = out->Add();
            c->set_key(k);
            c->set_count(n);
          }
        };
        fill(by_domain, resp->mutable_events_by_domain());
        fill(by_kind, resp->mutable_events_by_kind());
        fill(inst_by_kind, resp->mutable_institutions_by_kind());
        for (auto& f : st->figures) *resp->add_headline_figures() = std::move(f);
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::GetTimeline(grpc::CallbackServerContext* ctx,
                                                            const gw::GetTimelineRequest* req,
                                                            gw::GetTimelineResponse* resp) {
  if (auto s = ValidateDyad(req->countries(), 1); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateDateRange(req->period(), "period"); !s.ok()) return FinishWith(ctx, s);
  auto size = EffectivePageSize(req->page_size());
  if (!size.ok()) return FinishWith(ctx, size.status());
  gw::GetTimelineRequest canonical = *req;
  canonical.clear_page_size();
  canonical.clear_page_token();
  const uint64_t fp = Fingerprint(canonical.SerializeAsString());
  TimelineCursor cursor;
  cursor.filter_fingerprint = fp;
  if (!req->page_token().empty()) {
    auto c = DecodeTimelineToken(req->page_token(), fp);
    if (!c.ok()) return FinishWith(ctx, c.status());
    cursor = *c;
  }
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  const int limit = *size;
  struct State {
    grpc::Status ev, in, ec;
    std::vector<SourcedEntry> entries[3];
    std::string next[3];  // each backend's token after its fetched page
  };
  auto st = std::make_shared<State>();
  const gw::GetTimelineRequest r = *req;
  Backends* b = b_;
  std::set<std::string> domains(req->domains().begin(), req->domains().end());
  auto wanted = [domains](const std::string& d) { return domains.empty() || domains.count(d) > 0; };
  RunParts(pool_, {
      [=] {
        if (cursor.events.done) return;
        ev::ListEventsRequest q;
        *q.mutable_countries() = r.countries();
        *q.mutable_period() = r.period();
        *q.mutable_domains() = r.domains();
        q.set_page_size(limit + cursor.events.skip);
        q.set_page_token(cursor.events.token);
        ev::ListEventsResponse out;
        st->ev = Call([&](grpc::ClientContext* c, const ev::ListEventsRequest& x, ev::ListEventsResponse* o) {
          return b->events().ListEvents(c, x, o);
        }, q, &out, deadline);
        st->next[0] = out.next_page_token();
        for (int i = cursor.events.skip; i < out.events_size(); ++i) {
          SourcedEntry e{0, {}};
          *e.entry.mutable_date() = out.events(i).date();
          e.entry.set_title(out.events(i).title());
          e.entry.set_domain(out.events(i).domain());
          *e.entry.mutable_event() = out.events(i);
          st->entries[0].push_back(std::move(e));
        }
      },
      [=] {
        if (cursor.institutions.done) return;
        in::ListInstitutionsRequest q;
        *q.mutable_countries() = r.countries();
        // Only institutions with a founding date belong on a timeline.
        *q.mutable_founded() = r.period();
        if (q.founded().start().year() == 0) q.mutable_founded()->mutable_start()->set_year(1);
        q.set_page_size(limit + cursor.institutions.skip);
        q.set_page_token(cursor.institutions.token);
        in::ListInstitutionsResponse out;
        st->in = Call([&](grpc::ClientContext* c, const in::ListInstitutionsRequest& x,
                          in::ListInstitutionsResponse* o) {
          return b->institutions().ListInstitutions(c, x, o);
        }, q, &out, deadline);
        st->next[1] = out.next_page_token();
        for (int i = cursor.institutions.skip; i < out.institutions_size(); ++i) {
          const auto& inst = out.institutions(i);
          const std::string domain = inst.kind().substr(0, inst.kind().find('.'));
          SourcedEntry e{1, {}};
          *e.entry.mutable_date() = inst.founded();
          e.entry.set_title(absl::StrCat(inst.display_name(), " founded"));
          e.entry.set_domain(domain);
          *e.entry.mutable_institution() = inst;
          // Keep the stream aligned with the backend's rows (the domain
          // filter is applied when merging, below).
          st->entries[1].push_back(std::move(e));
        }
      },
      [=] {
        if (cursor.figures.done) return;
        // Figures are few per dyad: read them whole, order by period, and
        // keep the count served as the position.
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        if (!st->ec.ok()) return;
        ec::ListObservationsRequest q;
        *q.mutable_countries() = r.countries();
        *q.mutable_period() = r.period();
        std::vector<ec::Observation> obs;
        st->ec = AllObservations(b, q, deadline, &obs);
        std::vector<SourcedEntry> all;
        for (auto& o : obs) {
          if (o.period().year() == 0) continue;  // stocks "to date" have no date on a timeline
          SourcedEntry e{2, {}};
          *e.entry.mutable_date() = o.period();
          e.entry.set_title(FigureTitle(o, indicators[o.indicator()].display_name()));
          e.entry.set_domain("economy");
          *e.entry.mutable_observation() = o;
          all.push_back(std::move(e));
        }
        std::stable_sort(all.begin(), all.end(), [](const SourcedEntry& a, const SourcedEntry& b) {
          return SortKey(a.entry.date()) < SortKey(b.entry.date());
        });
        for (size_t i = cursor.figures.skip; i < all.size(); ++i) st->entries[2].push_back(all[i]);
      }},
      [=] {
        // Drop entries outside the domains asked for, but count them as
        // consumed so positions stay exact.
        std::vector<SourcedEntry> merged_in;
        for (int s = 0; s < 3; ++s) {
          for (auto& e : st->entries[s]) merged_in.push_back(e);
        }
        int taken[3];
        auto page = MergeTimeline(std::move(merged_in), static_cast<size_t>(limit), taken);
        for (auto& e : page) {
          if (wanted(e.entry.domain())) *resp->add_entries() = std::move(e.entry);
        }
        TimelineCursor next = cursor;
        StreamPosition* pos[3] = {&next.events, &next.institutions, &next.figures};
        const grpc::Status* status[3] = {&st->ev, &st->in, &st->ec};
        bool more = false;
        for (int s = 0; s < 3; ++s) {
          if (pos[s]->done || !status[s]->ok()) continue;  // a failed part is skipped this page
          const int fetched = static_cast<int>(st->entries[s].size());
          if (s == 2) {
            pos[s]->skip += taken[s];
            pos[s]->done = taken[s] == fetched;
          } else if (taken[s] == fetched) {
            // The whole fetched page was served: continue from the backend's token.
            pos[s]->token = st->next[s];
            pos[s]->skip = 0;
            pos[s]->done = st->next[s].empty();
          } else {
            pos[s]->skip += taken[s];
          }
          more = more || !pos[s]->done;
        }
        if (more) resp->set_next_page_token(EncodeTimelineToken(next));
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::ExplainChange(grpc::CallbackServerContext* ctx,
                                                              const gw::ExplainChangeRequest* req,
                                                              gw::ExplainChangeResponse* resp) {
  if (req->indicator().empty()) return FinishWith(ctx, InvalidField("indicator", "is required"));
  if (auto s = ValidateText(req->indicator(), "indicator", 200); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateDyad(req->countries(), 2); !s.ok()) return FinishWith(ctx, s);
  if (auto s = ValidateYear(req->year()); !s.ok()) return FinishWith(ctx, s);
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status ev, in, ec;
    std::vector<ev::Event> events;
    std::vector<in::Institution> institutions;
    ec::Indicator indicator;
    ec::Series series;
  };
  auto st = std::make_shared<State>();
  const int year = req->year();
  const std::string indicator = req->indicator();
  std::vector<std::string> countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        ev::ListEventsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        *r.mutable_period() = Years(year - 1, year);
        st->ev = AllEvents(b, r, deadline, &st->events);
      },
      [=] {
        in::ListInstitutionsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        *r.mutable_founded() = Years(year - 1, year);
        st->in = AllInstitutions(b, r, deadline, &st->institutions);
      },
      [=] {
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        if (!st->ec.ok()) return;
        st->indicator = indicators[indicator];
        const auto period = Years(year - 1, year);
        st->ec = Series(b, indicator, countries[0], countries[1], &period, deadline, &st->series);
      }},
      [=] {
        // An unknown indicator or bad input is the caller's error, not a
        // backend failure.
        if (st->ec.error_code() == grpc::StatusCode::NOT_FOUND ||
            st->ec.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
          reactor->Finish(st->ec);
          return;
        }
        *resp->mutable_indicator() = st->indicator;
        for (const auto& p : st->series.points()) {
          if (p.period().year() == year) *resp->mutable_current() = p;
          if (p.period().year() == year - 1) *resp->mutable_previous() = p;
        }
        if (resp->has_current() && resp->has_previous() && resp->previous().value().value() != 0) {
          resp->set_change_percent((resp->current().value().value() / resp->previous().value().value() - 1) * 100);
        }
        for (auto& f : RankFactors(indicator, year, st->events, st->institutions)) {
          *resp->add_factors() = std::move(f);
        }
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::Search(grpc::CallbackServerContext* ctx,
                                                       const gw::SearchRequest* req,
                                                       gw::SearchResponse* resp) {
  if (auto s = ValidateText(req->query(), "query", kMaxQueryLength); !s.ok()) return FinishWith(ctx, s);
  if (ToFtsQuery(req->query()).empty()) {
    return FinishWith(ctx, InvalidField("query", "needs at least one word"));
  }
  auto size = EffectivePageSize(req->page_size(), "page_size", 20, 100);
  if (!size.ok()) return FinishWith(ctx, size.status());
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status ev, in, ec;
    std::vector<gw::SearchHit> hits;
    std::mutex mu;
  };
  auto st = std::make_shared<State>();
  const std::string query = req->query();
  const int limit = *size;
  std::vector<std::string> words;
  for (absl::string_view w : absl::StrSplit(absl::AsciiStrToLower(query), absl::ByAnyChar(" \t,.;"), absl::SkipEmpty())) {
    words.emplace_back(w);
  }
  // Rank within a backend (its order), plus a bonus when every word is in
  // the title: hits of different backends interleave by that score.
  auto score = [words](int rank, const std::string& title) {
    const std::string t = absl::AsciiStrToLower(title);
    bool all = true;
    for (const auto& w : words) all = all && absl::StrContains(t, w);
    return 1.0 / (1 + rank) + (all ? 1.0 : 0.0);
  };
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        ev::ListEventsRequest r;
        r.set_query(query);
        r.set_page_size(limit);
        ev::ListEventsResponse out;
        st->ev = Call([&](grpc::ClientContext* c, const ev::ListEventsRequest& x, ev::ListEventsResponse* o) {
          return b->events().ListEvents(c, x, o);
        }, r, &out, deadline);
        std::lock_guard<std::mutex> lock(st->mu);
        for (int i = 0; i < out.events_size(); ++i) {
          const auto& e = out.events(i);
          gw::SearchHit h;
          h.set_name(e.name());
          h.set_part("events");
          h.set_title(e.title());
          h.set_score(score(i, e.title()));
          *h.mutable_date() = e.date();
          *h.mutable_citations() = e.citations();
          st->hits.push_back(std::move(h));
        }
      },
      [=] {
        in::ListInstitutionsRequest r;
        r.set_query(query);
        r.set_page_size(limit);
        in::ListInstitutionsResponse out;
        st->in = Call([&](grpc::ClientContext* c, const in::ListInstitutionsRequest& x,
                          in::ListInstitutionsResponse* o) {
          return b->institutions().ListInstitutions(c, x, o);
        }, r, &out, deadline);
        std::lock_guard<std::mutex> lock(st->mu);
        for (int i = 0; i < out.institutions_size(); ++i) {
          const auto& inst = out.institutions(i);
          gw::SearchHit h;
          h.set_name(inst.name());
          h.set_part("institutions");
          h.set_title(inst.display_name());
          h.set_score(score(i, inst.display_name()));
          *h.mutable_date() = inst.founded();
          *h.mutable_citations() = inst.citations();
          st->hits.push_back(std::move(h));
        }
      },
      [=] {
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        std::lock_guard<std::mutex> lock(st->mu);
        int rank = 0;
        for (const auto& [id, ind] : indicators) {
          const std::string text = absl::AsciiStrToLower(
              absl::StrCat(id, " ", ind.display_name(), " ", ind.description()));
          bool all = true;
          for (const auto& w : words) all = all && absl::StrContains(text, w);
          if (!all) continue;
          gw::SearchHit h;
          h.set_name(absl::StrCat("indicators/", id));
          h.set_part("economics");
          h.set_title(ind.display_name());
          h.set_score(score(rank++, ind.display_name()));
          st->hits.push_back(std::move(h));
        }
      }},
      [=] {
        std::stable_sort(st->hits.begin(), st->hits.end(), [](const gw::SearchHit& a, const gw::SearchHit& b) {
          if (a.score() != b.score()) return a.score() > b.score();
          return a.name() < b.name();
        });
        for (size_t i = 0; i < st->hits.size() && static_cast<int>(i) < limit; ++i) {
          *resp->add_hits() = st->hits[i];
        }
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::ListDiscrepancies(
    grpc::CallbackServerContext* ctx, const gw::ListDiscrepanciesRequest* req,
    gw::ListDiscrepanciesResponse* resp) {
  if (auto s = ValidateCountries(req->countries(), "countries"); !s.ok()) return FinishWith(ctx, s);
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status ev, in, ec;
    std::vector<ev::Event> events;
    std::vector<in::Institution> institutions;
    std::vector<ec::Series> series;
  };
  auto st = std::make_shared<State>();
  std::vector<std::string> countries(req->countries().begin(), req->countries().end());
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        // Records of one fact may name different countries (who lent: a
        // bank or a state), so read each country's records, not only those
        // naming all of them.
        std::set<std::string> seen;
        for (size_t k = 0; k < std::max<size_t>(1, countries.size()); ++k) {
          ev::ListEventsRequest r;
          if (!countries.empty()) r.add_countries(countries[k]);
          std::vector<ev::Event> part;
          st->ev = AllEvents(b, r, deadline, &part);
          if (!st->ev.ok()) return;
          for (auto& e : part) {
            if (seen.insert(e.name()).second) st->events.push_back(std::move(e));
          }
        }
      },
      [=] {
        std::set<std::string> seen;
        for (size_t k = 0; k < std::max<size_t>(1, countries.size()); ++k) {
          in::ListInstitutionsRequest r;
          if (!countries.empty()) r.add_countries(countries[k]);
          std::vector<in::Institution> part;
          st->in = AllInstitutions(b, r, deadline, &part);
          if (!st->in.ok()) return;
          for (auto& i : part) {
            if (seen.insert(i.name()).second) st->institutions.push_back(std::move(i));
          }
        }
      },
      [=] {
        std::map<std::string, ec::Indicator> indicators;
        st->ec = Indicators(b, deadline, &indicators);
        if (!st->ec.ok()) return;
        ec::ListObservationsRequest r;
        for (const auto& c : countries) r.add_countries(c);
        std::vector<ec::Observation> obs;
        st->ec = AllObservations(b, r, deadline, &obs);
        if (!st->ec.ok()) return;
        for (const auto& [ind, rep, par] : SeriesKeys(obs, indicators)) {
          if (indicators[ind].derived()) continue;
          ec::Series s;
          st->ec = Series(b, ind, rep, par, nullptr, deadline, &s);
          if (!st->ec.ok()) return;
          st->series.push_back(std::move(s));
        }
      }},
      [=] {
        std::vector<gw::Discrepancy> all = FigureDiscrepancies(st->series);
        for (auto& d : EventDiscrepancies(st->events)) all.push_back(std::move(d));
        for (auto& d : InstitutionDiscrepancies(st->institutions)) all.push_back(std::move(d));
        std::vector<gw::Discrepancy> failed;
        for (auto& c : ConsistencyChecks(st->series, &failed)) *resp->add_checks() = std::move(c);
        for (auto& d : failed) all.push_back(std::move(d));
        std::stable_sort(all.begin(), all.end(), [](const gw::Discrepancy& a, const gw::Discrepancy& b) {
          return a.kind() < b.kind();
        });
        for (auto& d : all) *resp->add_discrepancies() = std::move(d);
        AddPart("events", st->ev, resp->mutable_parts());
        AddPart("economics", st->ec, resp->mutable_parts());
        AddPart("institutions", st->in, resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* RelationsGatewayImpl::ListSources(grpc::CallbackServerContext* ctx,
                                                            const gw::ListSourcesRequest* req,
                                                            gw::ListSourcesResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  const absl::Time deadline = Deadline(ctx);
  struct State {
    grpc::Status st[3];
    std::vector<dyad::type::v1::Source> sources[3];
  };
  auto st = std::make_shared<State>();
  Backends* b = b_;
  RunParts(pool_, {
      [=] {
        ev::ListSourcesResponse out;
        st->st[0] = Call([&](grpc::ClientContext* c, const ev::ListSourcesRequest& x, ev::ListSourcesResponse* o) {
          return b->events().ListSources(c, x, o);
        }, ev::ListSourcesRequest(), &out, deadline);
        st->sources[0].assign(out.sources().begin(), out.sources().end());
      },
      [=] {
        ec::ListSourcesResponse out;
        st->st[1] = Call([&](grpc::ClientContext* c, const ec::ListSourcesRequest& x, ec::ListSourcesResponse* o) {
          return b->economics().ListSources(c, x, o);
        }, ec::ListSourcesRequest(), &out, deadline);
        st->sources[1].assign(out.sources().begin(), out.sources().end());
      },
      [=] {
        in::ListSourcesResponse out;
        st->st[2] = Call([&](grpc::ClientContext* c, const in::ListSourcesRequest& x, in::ListSourcesResponse* o) {
          return b->institutions().ListSources(c, x, o);
        }, in::ListSourcesRequest(), &out, deadline);
        st->sources[2].assign(out.sources().begin(), out.sources().end());
      }},
      [=] {
        // Every backend serves the same catalog; any one up is enough.
        std::map<std::string, dyad::type::v1::Source> merged;
        for (const auto& list : st->sources) {
          for (const auto& s : list) merged.emplace(s.id(), s);
        }
        for (auto& [id, s] : merged) *resp->add_sources() = std::move(s);
        AddPart("events", st->st[0], resp->mutable_parts());
        AddPart("economics", st->st[1], resp->mutable_parts());
        AddPart("institutions", st->st[2], resp->mutable_parts());
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

}  // namespace dyad::gateway
