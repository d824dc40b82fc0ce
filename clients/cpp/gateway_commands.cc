// Commands answered by the gateway (dyad.gateway.v1.RelationsGateway).
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli.h"
#include "common/partial_date.h"
#include "dyad/gateway/v1/gateway.grpc.pb.h"
#include "table.h"

namespace dyad::cli {
namespace {

namespace gw = dyad::gateway::v1;

std::unique_ptr<gw::RelationsGateway::Stub> Stub(const Context& ctx) {
  return gw::RelationsGateway::NewStub(ctx.Channel(ctx.gateway));
}

// Prints the parts that were not OK to stderr; returns the exit code the
// answer deserves.
int Parts(const Context& ctx, const google::protobuf::RepeatedPtrField<gw::Part>& parts) {
  bool partial = false;
  for (const auto& p : parts) {
    if (p.code() == "OK") continue;
    partial = true;
    *ctx.err << "warning: partial answer: " << p.part() << " " << p.code()
             << (p.message().empty() ? "" : ": " + p.message()) << "\n";
  }
  return partial && ctx.strict ? kExitPartial : kExitOk;
}

void AddCountries(const Context& ctx, const Args& a,
                  google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const auto& c : a.Get("countries") ? a.List("countries") : ctx.countries) *out->Add() = c;
}

int YearArg(const Context& ctx, const std::string& cmd, const std::string& text, int* year) {
  if (!absl::SimpleAtoi(text, year)) return UsageError(ctx, cmd, "YEAR must be a number, e.g. 2019");
  return 0;
}

std::string Change(const dyad::economics::v1::SeriesPoint& p) {
  return p.has_change_percent() ? absl::StrFormat("%+.1f%%", p.change_percent()) : "";
}

std::string Mean(bool has, double v) { return has ? absl::StrFormat("%+.2f", v) : ""; }

// The intensity series (events counted by month or year, curated and
// machine-coded) as a table; "" when it counted nothing.
std::string Intensity(const gw::IntensitySeries& series) {
  if (series.total() == 0) return "";
  Table t({"period", "events", "Goldstein mean", "mean tone"});
  for (const auto& b : series.buckets()) {
    t.Add({b.label(), absl::StrCat(b.count()), Mean(b.has_goldstein_mean(), b.goldstein_mean()),
           Mean(b.has_mean_tone(), b.mean_tone())});
  }
  return absl::StrCat("\nEvent intensity (", series.total(), " events)\n", t.Render());
}

int Overview(const Context& ctx, const Args& a) {
  gw::GetOverviewRequest req;
  AddCountries(ctx, a, req.mutable_countries());
  gw::GetOverviewResponse resp;
  grpc::Status s = Stub(ctx)->GetOverview(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  std::ostream& o = *ctx.out;
  o << "Relations " << absl::StrJoin(resp.countries(), "–") << "\n\nMilestones\n";
  Table m({"date", "milestone", "citations"});
  for (const auto& e : resp.milestones()) {
    m.Add({FormatPartialDate(e.date()), e.title(), FormatCitations(e.citations())});
  }
  o << m.Render() << "\nLatest figures\n";
  Table f({"indicator", "countries", "period", "value", "sources"});
  for (const auto& h : resp.headline_figures()) {
    const auto& p = h.point();
    f.Add({h.indicator().display_name(),
           p.observations_size() ? absl::StrCat(p.observations(0).reporter(), "→", p.observations(0).partner()) : "",
           p.period().year() ? FormatPartialDate(p.period()) : "to " + FormatPartialDate(p.as_of()),
           FormatQuantity(p.value()) + (p.disputed() ? " (disputed)" : ""),
           absl::StrCat(p.observations_size())});
  }
  o << f.Render() << "\nEvents by domain: ";
  o << absl::StrJoin(resp.events_by_domain(), ", ", [](std::string* out, const gw::Count& c) {
    absl::StrAppend(out, c.key(), " ", c.count());
  }) << "\n";
  o << Intensity(resp.intensity());
  return Parts(ctx, resp.parts());
}

int Year(const Context& ctx, const Args& a) {
  if (a.positional().size() != 1) return UsageError(ctx, "year", "expects one YEAR");
  gw::GetYearInReviewRequest req;
  int year = 0;
  if (int rc = YearArg(ctx, "year", a.positional()[0], &year)) return rc;
  req.set_year(year);
  AddCountries(ctx, a, req.mutable_countries());
  gw::GetYearInReviewResponse resp;
  grpc::Status s = Stub(ctx)->GetYearInReview(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  std::ostream& o = *ctx.out;
  o << year << " in review\n\nEvents\n";
  Table e({"date", "title", "citations"});
  for (const auto& ev : resp.events()) e.Add({FormatPartialDate(ev.date()), ev.title(), FormatCitations(ev.citations())});
  o << e.Render() << "\nInstitutions founded\n";
  Table in({"founded", "name", "citations"});
  for (const auto& i : resp.institutions_founded()) {
    in.Add({FormatPartialDate(i.founded()), i.display_name(), FormatCitations(i.citations())});
  }
  o << in.Render() << "\nFigures\n";
  Table f({"indicator", "value", "previous year", "change", "disputed"});
  for (const auto& v : resp.indicators()) {
    f.Add({v.indicator().display_name(), FormatQuantity(v.point().value()),
           v.has_previous() ? FormatQuantity(v.previous().value()) : "", Change(v.point()),
           v.point().disputed() ? "DISPUTED" : ""});
  }
  o << f.Render() << Intensity(resp.intensity());
  return Parts(ctx, resp.parts());
}

int Explain(const Context& ctx, const Args& a) {
  if (a.positional().size() != 2) return UsageError(ctx, "explain", "expects INDICATOR YEAR");
  gw::ExplainChangeRequest req;
  req.set_indicator(a.positional()[0]);
  int year = 0;
  if (int rc = YearArg(ctx, "explain", a.positional()[1], &year)) return rc;
  req.set_year(year);
  AddCountries(ctx, a, req.mutable_countries());
  gw::ExplainChangeResponse resp;
  grpc::Status s = Stub(ctx)->ExplainChange(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  std::ostream& o = *ctx.out;
  o << resp.indicator().display_name() << " " << year - 1 << " → " << year << ": "
    << FormatQuantity(resp.previous().value()) << " → " << FormatQuantity(resp.current().value());
  if (resp.has_change_percent()) o << absl::StrFormat(" (%+.1f%%)", resp.change_percent());
  o << "\n\nCandidate factors (not causes), best first\n";
  Table t({"score", "date", "record", "why", "citations"}, 70);
  for (const auto& f : resp.factors()) {
    const bool ev = f.has_event();
    t.Add({absl::StrFormat("%.2f", f.score()),
           FormatPartialDate(ev ? f.event().date() : f.institution().founded()),
           ev ? f.event().title() : f.institution().display_name(), f.reason(),
           FormatCitations(f.citations())});
  }
  o << t.Render();
  return Parts(ctx, resp.parts());
}

int Timeline(const Context& ctx, const Args& a) {
  gw::GetTimelineRequest req;
  AddCountries(ctx, a, req.mutable_countries());
  for (const char* side : {"from", "to"}) {
    auto d = a.Date(side);
    if (!d.ok()) return UsageError(ctx, "timeline", std::string(d.status().message()));
    if (*d) *(std::string(side) == "from" ? req.mutable_period()->mutable_start() : req.mutable_period()->mutable_end()) = **d;
  }
  for (const auto& d : absl::StrSplit(a.GetOr("domains", ""), ',', absl::SkipEmpty())) req.add_domains(std::string(d));
  auto n = a.Int("page-size", 0);
  if (!n.ok()) return UsageError(ctx, "timeline", std::string(n.status().message()));
  req.set_page_size(*n);
  req.set_page_token(a.GetOr("page-token", ""));
  gw::GetTimelineResponse all;
  int rc = kExitOk;
  for (;;) {
    gw::GetTimelineResponse resp;
    grpc::Status s = Stub(ctx)->GetTimeline(ctx.Call().get(), req, &resp);
    if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
    for (auto& e : *resp.mutable_entries()) *all.add_entries() = std::move(e);
    *all.mutable_parts() = resp.parts();
    all.set_next_page_token(resp.next_page_token());
    rc = std::max(rc, Parts(ctx, resp.parts()));
    if (!a.Has("all") || resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (ctx.json) {
    *ctx.out << ToJson(all) << "\n";
    return rc;
  }
  Table t({"date", "domain", "entry", "citations"});
  for (const auto& e : all.entries()) {
    const auto& cites = e.has_event() ? e.event().citations()
                        : e.has_institution() ? e.institution().citations()
                                              : e.observation().citations();
    t.Add({FormatPartialDate(e.date()), e.domain(), e.title(), FormatCitations(cites)});
  }
  *ctx.out << t.Render();
  if (!all.next_page_token().empty()) {
    *ctx.out << "(more with --page-token " << all.next_page_token() << " or --all)\n";
  }
  return rc;
}

int SearchCmd(const Context& ctx, const Args& a) {
  if (a.positional().empty()) return UsageError(ctx, "search", "expects WORDS to search for");
  gw::SearchRequest req;
  req.set_query(absl::StrJoin(a.positional(), " "));
  auto n = a.Int("limit", 0);
  if (!n.ok()) return UsageError(ctx, "search", std::string(n.status().message()));
  req.set_page_size(*n);
  gw::SearchResponse resp;
  grpc::Status s = Stub(ctx)->Search(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  Table t({"score", "from", "date", "title", "name"});
  for (const auto& h : resp.hits()) {
    t.Add({absl::StrFormat("%.2f", h.score()), h.part(), FormatPartialDate(h.date()), h.title(), h.name()});
  }
  *ctx.out << t.Render();
  return Parts(ctx, resp.parts());
}

int Discrepancies(const Context& ctx, const Args& a) {
  gw::ListDiscrepanciesRequest req;
  AddCountries(ctx, a, req.mutable_countries());
  gw::ListDiscrepanciesResponse resp;
  grpc::Status s = Stub(ctx)->ListDiscrepancies(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  std::ostream& o = *ctx.out;
  for (const auto& d : resp.discrepancies()) {
    const std::string cls = gw::Discrepancy::Class_Name(d.discrepancy_class());
    o << gw::Discrepancy::Kind_Name(d.kind()).substr(5) << "  "
      << (cls.size() > 6 ? cls.substr(6) : cls) << " (" << d.rule() << ")  " << d.subject()
      << "\n  " << d.description() << "\n";
    for (const auto& c : d.claims()) o << "    - " << c.statement() << "  [" << FormatCitations(c.citations()) << "]\n";
    o << "\n";
  }
  o << "Consistency checks\n";
  Table t({"check", "subject", "result", "detail"}, 90);
  for (const auto& c : resp.checks()) {
    t.Add({c.name(), c.subject(), c.consistent() ? "ok" : "INCONSISTENT", c.description()});
  }
  o << t.Render();
  return Parts(ctx, resp.parts());
}

int Sources(const Context& ctx, const Args&) {
  gw::ListSourcesResponse resp;
  grpc::Status s = Stub(ctx)->ListSources(ctx.Call().get(), gw::ListSourcesRequest(), &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.gateway);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return Parts(ctx, resp.parts());
  }
  Table t({"id", "title", "author", "publisher", "published"});
  for (const auto& src : resp.sources()) {
    t.Add({src.id(), src.title(), src.author(), src.publisher(), FormatPartialDate(src.published())});
  }
  *ctx.out << t.Render();
  return Parts(ctx, resp.parts());
}

}  // namespace

void RegisterGatewayCommands(std::map<std::string, Command>& m) {
  m["overview"] = {"overview", "Milestones, latest figures and counts for the dyad (gateway)",
                   "[--countries A,B]", {"countries"}, {}, &Overview};
  m["year"] = {"year", "A year in review: events, institutions founded, figures with change (gateway)",
               "YEAR [--countries A,B]", {"countries"}, {}, &Year};
  m["explain"] = {"explain", "An indicator's change and its ranked candidate factors (gateway)",
                  "INDICATOR YEAR [--countries A,B]   e.g. dyad explain trade.turnover 2019",
                  {"countries"}, {}, &Explain};
  m["timeline"] = {"timeline", "One chronological stream from all services (gateway)",
                   "[--countries A,B] [--from DATE] [--to DATE] [--domains D,..] [--page-size N] "
                   "[--page-token T] [--all]",
                   {"countries", "from", "to", "domains", "page-size", "page-token"}, {"all"}, &Timeline};
  m["search"] = {"search", "Full-text search across all services (gateway)", "WORDS... [--limit N]",
                 {"limit"}, {}, &SearchCmd};
  m["discrepancies"] = {"discrepancies", "Where sources disagree, and the consistency checks (gateway)",
                        "[--countries A,B]", {"countries"}, {}, &Discrepancies};
  m["sources"] = {"sources", "The source catalog (gateway)", "", {}, {}, &Sources};
}

}  // namespace dyad::cli
