// Direct queries to the three backend services.
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli.h"
#include "common/partial_date.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "table.h"

namespace dyad::cli {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;

std::string Span(const dyad::type::v1::PartialDate& a, const dyad::type::v1::PartialDate& b) {
  std::string s = FormatPartialDate(a);
  if (b.year() > 0) s += " – " + FormatPartialDate(b);
  return s;
}

// Fills a DateRange from --from/--to; returns a usage error code or 0.
int ReadPeriod(const Context& ctx, const std::string& cmd, const Args& a,
               dyad::type::v1::DateRange* out) {
  for (const char* side : {"from", "to"}) {
    auto d = a.Date(side);
    if (!d.ok()) return UsageError(ctx, cmd, std::string(d.status().message()));
    if (*d) *(std::string(side) == "from" ? out->mutable_start() : out->mutable_end()) = **d;
  }
  return 0;
}

int PageOptions(const Context& ctx, const std::string& cmd, const Args& a, int* size) {
  auto n = a.Int("page-size", 0);
  if (!n.ok()) return UsageError(ctx, cmd, std::string(n.status().message()));
  *size = *n;
  return 0;
}

void PrintNextPage(const Context& ctx, const std::string& token, int64_t total) {
  if (!token.empty()) {
    *ctx.out << "(" << total << " in all; more with --page-token " << token << " or --all)\n";
  } else if (total > 0) {
    *ctx.out << "(" << total << " in all)\n";
  }
}

int Events(const Context& ctx, const Args& a) {
  ev::ListEventsRequest req;
  for (const auto& c : a.Get("countries") ? a.List("countries") : ctx.countries) req.add_countries(c);
  if (int rc = ReadPeriod(ctx, "events", a, req.mutable_period())) return rc;
  for (const auto& k : absl::StrSplit(a.GetOr("kinds", ""), ',', absl::SkipEmpty())) req.add_kinds(std::string(k));
  for (const auto& d : absl::StrSplit(a.GetOr("domains", ""), ',', absl::SkipEmpty())) req.add_domains(std::string(d));
  req.set_query(a.GetOr("query", ""));
  int size = 0;
  if (int rc = PageOptions(ctx, "events", a, &size)) return rc;
  req.set_page_size(size);
  req.set_page_token(a.GetOr("page-token", ""));
  auto stub = ev::EventService::NewStub(ctx.Channel(ctx.events));
  ev::ListEventsResponse all;
  for (;;) {
    ev::ListEventsResponse resp;
    grpc::Status s = stub->ListEvents(ctx.Call().get(), req, &resp);
    if (!s.ok()) return RpcError(ctx, s, ctx.events);
    for (auto& e : *resp.mutable_events()) *all.add_events() = std::move(e);
    all.set_total_size(resp.total_size());
    all.set_next_page_token(resp.next_page_token());
    if (!a.Has("all") || resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (ctx.json) {
    *ctx.out << ToJson(all) << "\n";
    return kExitOk;
  }
  Table t({"date", "kind", "title", "citations", "name"});
  for (const auto& e : all.events()) {
    t.Add({Span(e.date(), e.end_date()), e.kind(), e.title(), FormatCitations(e.citations()), e.name()});
  }
  *ctx.out << t.Render();
  PrintNextPage(ctx, all.next_page_token(), all.total_size());
  return kExitOk;
}

int Event(const Context& ctx, const Args& a) {
  if (a.positional().size() != 1) return UsageError(ctx, "event", "expects one event name");
  ev::GetEventRequest req;
  std::string name = a.positional()[0];
  if (name.rfind("events/", 0) != 0) name = "events/" + name;
  req.set_name(name);
  ev::Event e;
  auto stub = ev::EventService::NewStub(ctx.Channel(ctx.events));
  grpc::Status s = stub->GetEvent(ctx.Call().get(), req, &e);
  if (!s.ok()) return RpcError(ctx, s, ctx.events);
  if (ctx.json) {
    *ctx.out << ToJson(e) << "\n";
    return kExitOk;
  }
  std::ostream& o = *ctx.out;
  o << e.title() << "\n" << std::string(std::min<size_t>(e.title().size(), 78), '=') << "\n";
  o << "date:      " << Span(e.date(), e.end_date()) << "\n";
  o << "kind:      " << e.kind() << " (" << e.domain() << ")\n";
  o << "countries: " << absl::StrJoin(e.countries(), ", ") << "\n";
  if (!e.location().name().empty()) o << "place:     " << e.location().name() << "\n";
  for (const auto& p : e.participants()) {
    o << "with:      " << p.name() << (p.role().empty() ? "" : ", " + p.role())
      << (p.country().empty() ? "" : " (" + p.country() + ")") << "\n";
  }
  if (e.has_amount()) o << "amount:    " << FormatQuantity(e.amount()) << "\n";
  if (!e.fact().empty()) o << "fact:      " << e.fact() << "\n";
  o << "\n" << e.summary() << "\n\nSources:\n";
  for (const auto& c : e.citations()) {
    o << "  " << c.source_id() << " " << c.locator() << (c.note().empty() ? "" : "  " + c.note()) << "\n";
  }
  o << "(" << e.name() << (e.plugin().empty() ? ", written through the API" : ", plugin " + e.plugin()) << ")\n";
  return kExitOk;
}

int Kinds(const Context& ctx, const Args& a) {
  ev::ListEventKindsRequest req;
  req.set_domain(a.GetOr("domain", ""));
  ev::ListEventKindsResponse resp;
  auto stub = ev::EventService::NewStub(ctx.Channel(ctx.events));
  grpc::Status s = stub->ListEventKinds(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.events);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return kExitOk;
  }
  Table t({"kind", "label", "domain", "PLOVER", "CAMEO", "plugin"});
  for (const auto& k : resp.kinds()) {
    t.Add({k.id(), k.label(), k.domain(), k.plover_type(), k.cameo_code(), k.plugin()});
  }
  *ctx.out << t.Render();
  return kExitOk;
}

int Indicators(const Context& ctx, const Args&) {
  ec::ListIndicatorsResponse resp;
  auto stub = ec::EconomicsService::NewStub(ctx.Channel(ctx.economics));
  grpc::Status s = stub->ListIndicators(ctx.Call().get(), ec::ListIndicatorsRequest(), &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.economics);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return kExitOk;
  }
  Table t({"indicator", "name", "unit", "directed", "derived", "plugin"});
  for (const auto& i : resp.indicators()) {
    t.Add({i.id(), i.display_name(), i.unit(), i.directed() ? "yes" : "no",
           i.derived() ? "from " + absl::StrJoin(i.inputs(), ", ") : "", i.plugin()});
  }
  *ctx.out << t.Render();
  return kExitOk;
}

int Series(const Context& ctx, const Args& a) {
  if (a.positional().size() != 1) return UsageError(ctx, "series", "expects one indicator id");
  ec::GetSeriesRequest req;
  req.set_indicator(a.positional()[0]);
  req.set_reporter(a.Get("reporter") ? a.List("reporter").front()
                                     : (ctx.countries.empty() ? "" : ctx.countries[0]));
  req.set_partner(a.Get("partner") ? a.List("partner").front()
                                   : (ctx.countries.size() > 1 ? ctx.countries[1] : ""));
  if (int rc = ReadPeriod(ctx, "series", a, req.mutable_period())) return rc;
  ec::Series resp;
  auto stub = ec::EconomicsService::NewStub(ctx.Channel(ctx.economics));
  grpc::Status s = stub->GetSeries(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.economics);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return kExitOk;
  }
  *ctx.out << resp.indicator() << " " << resp.reporter() << "–" << resp.partner()
           << (resp.derived() ? " (derived)" : "") << "\n";
  Table t({"period", "value", "change", "sources", "disputed", "rule", "observations"});
  for (const auto& p : resp.points()) {
    std::vector<std::string> obs;
    for (const auto& o : p.observations()) {
      obs.push_back(absl::StrCat(o.value().as_written().empty() ? FormatQuantity(o.value())
                                                               : o.value().as_written(),
                                 " [", FormatCitations(o.citations()), "]"));
    }
    t.Add({p.period().year() > 0 ? FormatPartialDate(p.period())
                                 : "to " + FormatPartialDate(p.as_of()),
           FormatQuantity(p.value()),
           p.has_change_percent() ? absl::StrFormat("%+.1f%%", p.change_percent()) : "",
           absl::StrCat(p.observations_size()), p.disputed() ? "DISPUTED" : "", p.rule(),
           p.derived() ? p.derivation() : absl::StrJoin(obs, "; ")});
  }
  *ctx.out << t.Render();
  return kExitOk;
}

int Observations(const Context& ctx, const Args& a) {
  ec::ListObservationsRequest req;
  req.set_indicator(a.GetOr("indicator", ""));
  for (const auto& c : a.Get("countries") ? a.List("countries") : ctx.countries) req.add_countries(c);
  if (int rc = ReadPeriod(ctx, "observations", a, req.mutable_period())) return rc;
  int size = 0;
  if (int rc = PageOptions(ctx, "observations", a, &size)) return rc;
  req.set_page_size(size);
  req.set_page_token(a.GetOr("page-token", ""));
  auto stub = ec::EconomicsService::NewStub(ctx.Channel(ctx.economics));
  ec::ListObservationsResponse all;
  for (;;) {
    ec::ListObservationsResponse resp;
    grpc::Status s = stub->ListObservations(ctx.Call().get(), req, &resp);
    if (!s.ok()) return RpcError(ctx, s, ctx.economics);
    for (auto& o : *resp.mutable_observations()) *all.add_observations() = std::move(o);
    all.set_total_size(resp.total_size());
    all.set_next_page_token(resp.next_page_token());
    if (!a.Has("all") || resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (ctx.json) {
    *ctx.out << ToJson(all) << "\n";
    return kExitOk;
  }
  Table t({"indicator", "reporter", "partner", "period", "value", "as written", "citations"});
  for (const auto& o : all.observations()) {
    t.Add({o.indicator(), o.reporter(), o.partner(),
           o.period().year() > 0 ? FormatPartialDate(o.period()) : "to " + FormatPartialDate(o.as_of()),
           FormatQuantity(o.value()), o.value().as_written(), FormatCitations(o.citations())});
  }
  *ctx.out << t.Render();
  PrintNextPage(ctx, all.next_page_token(), all.total_size());
  return kExitOk;
}

std::string StatusName(in::Institution::Status s) {
  switch (s) {
    case in::Institution::STATUS_ACTIVE: return "active";
    case in::Institution::STATUS_PLANNED: return "planned";
    case in::Institution::STATUS_CLOSED: return "closed";
    default: return "";
  }
}

int Institutions(const Context& ctx, const Args& a) {
  in::ListInstitutionsRequest req;
  for (const auto& k : absl::StrSplit(a.GetOr("kinds", ""), ',', absl::SkipEmpty())) req.add_kinds(std::string(k));
  for (const auto& c : a.List("countries")) req.add_countries(c);
  req.set_host_country(a.Get("host") ? a.List("host").front() : "");
  req.set_city(a.GetOr("city", ""));
  if (int rc = ReadPeriod(ctx, "institutions", a, req.mutable_founded())) return rc;
  req.set_query(a.GetOr("query", ""));
  int size = 0;
  if (int rc = PageOptions(ctx, "institutions", a, &size)) return rc;
  req.set_page_size(size);
  req.set_page_token(a.GetOr("page-token", ""));
  auto stub = in::InstitutionService::NewStub(ctx.Channel(ctx.institutions));
  in::ListInstitutionsResponse all;
  for (;;) {
    in::ListInstitutionsResponse resp;
    grpc::Status s = stub->ListInstitutions(ctx.Call().get(), req, &resp);
    if (!s.ok()) return RpcError(ctx, s, ctx.institutions);
    for (auto& i : *resp.mutable_institutions()) *all.add_institutions() = std::move(i);
    all.set_total_size(resp.total_size());
    all.set_next_page_token(resp.next_page_token());
    if (!a.Has("all") || resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (ctx.json) {
    *ctx.out << ToJson(all) << "\n";
    return kExitOk;
  }
  Table t({"founded", "name", "kind", "where", "status", "citations"});
  for (const auto& i : all.institutions()) {
    t.Add({FormatPartialDate(i.founded()), i.display_name(), i.kind(),
           absl::StrJoin({i.city(), i.host_country()}, ", "), StatusName(i.status()),
           FormatCitations(i.citations())});
  }
  *ctx.out << t.Render();
  PrintNextPage(ctx, all.next_page_token(), all.total_size());
  return kExitOk;
}

int Institution(const Context& ctx, const Args& a) {
  if (a.positional().size() != 1) return UsageError(ctx, "institution", "expects one name");
  in::GetInstitutionRequest req;
  std::string name = a.positional()[0];
  if (name.rfind("institutions/", 0) != 0) name = "institutions/" + name;
  req.set_name(name);
  in::Institution i;
  auto stub = in::InstitutionService::NewStub(ctx.Channel(ctx.institutions));
  grpc::Status s = stub->GetInstitution(ctx.Call().get(), req, &i);
  if (!s.ok()) return RpcError(ctx, s, ctx.institutions);
  if (ctx.json) {
    *ctx.out << ToJson(i) << "\n";
    return kExitOk;
  }
  std::ostream& o = *ctx.out;
  o << i.display_name() << "\n" << std::string(std::min<size_t>(i.display_name().size(), 78), '=') << "\n";
  o << "kind:     " << i.kind() << "\n";
  o << "where:    " << absl::StrJoin({i.city(), i.host_country()}, ", ") << "\n";
  o << "founded:  " << FormatPartialDate(i.founded()) << "  status: " << StatusName(i.status()) << "\n";
  if (!i.parent().empty()) o << "parent:   " << i.parent() << "\n";
  for (const auto& p : i.partners()) o << "partner:  " << p << "\n";
  o << "\n" << i.description() << "\n\nSources:\n";
  for (const auto& c : i.citations()) {
    o << "  " << c.source_id() << " " << c.locator() << (c.note().empty() ? "" : "  " + c.note()) << "\n";
  }
  return kExitOk;
}

int Memberships(const Context& ctx, const Args& a) {
  in::ListMembershipsRequest req;
  req.set_country(a.Get("country") ? a.List("country").front() : "");
  std::string org = a.GetOr("organization", "");
  if (!org.empty() && org.rfind("institutions/", 0) != 0) org = "institutions/" + org;
  req.set_organization(org);
  in::ListMembershipsResponse resp;
  auto stub = in::InstitutionService::NewStub(ctx.Channel(ctx.institutions));
  grpc::Status s = stub->ListMemberships(ctx.Call().get(), req, &resp);
  if (!s.ok()) return RpcError(ctx, s, ctx.institutions);
  if (ctx.json) {
    *ctx.out << ToJson(resp) << "\n";
    return kExitOk;
  }
  Table t({"country", "organization", "role", "since", "citations"});
  for (const auto& m : resp.memberships()) {
    t.Add({m.country(),
           m.organization_display_name().empty() ? m.organization() : m.organization_display_name(),
           m.role(), FormatPartialDate(m.since()), FormatCitations(m.citations())});
  }
  *ctx.out << t.Render();
  return kExitOk;
}

}  // namespace

void RegisterServiceCommands(std::map<std::string, Command>& m) {
  const std::vector<std::string> page = {"page-size", "page-token"};
  auto with = [&](std::vector<std::string> v) {
    v.insert(v.end(), page.begin(), page.end());
    return v;
  };
  m["events"] = {"events", "List events of the dyad (events service)",
                 "[--countries A,B] [--from DATE] [--to DATE] [--kinds K,..] [--domains D,..] "
                 "[--query WORDS] [--page-size N] [--page-token T] [--all]\n"
                 "  DATE is YYYY, YYYY-MM or YYYY-MM-DD; a partial date matches by overlap.",
                 with({"countries", "from", "to", "kinds", "domains", "query"}), {"all"}, &Events};
  m["event"] = {"event", "Show one event with its sources", "NAME (events/ID or ID)", {}, {}, &Event};
  m["kinds"] = {"kinds", "List the event taxonomy", "[--domain D]", {"domain"}, {}, &Kinds};
  m["indicators"] = {"indicators", "List the economic indicators", "", {}, {}, &Indicators};
  m["series"] = {"series", "Show an indicator's reconciled series with every source behind each point",
                 "INDICATOR [--reporter A] [--partner B] [--from DATE] [--to DATE]\n"
                 "  reporter and partner default to the --countries dyad.",
                 {"reporter", "partner", "from", "to"}, {}, &Series};
  m["observations"] = {"observations", "List sourced figures",
                       "[--indicator ID] [--countries A,B] [--from DATE] [--to DATE] "
                       "[--page-size N] [--page-token T] [--all]",
                       with({"indicator", "countries", "from", "to"}), {"all"}, &Observations};
  m["institutions"] = {"institutions", "List institutions",
                       "[--kinds K,..] [--countries A,B] [--host A] [--city C] [--from DATE] "
                       "[--to DATE] [--query WORDS] [--page-size N] [--page-token T] [--all]\n"
                       "  --from/--to filter on the founding date.",
                       with({"kinds", "countries", "host", "city", "from", "to", "query"}), {"all"},
                       &Institutions};
  m["institution"] = {"institution", "Show one institution with its sources",
                      "NAME (institutions/ID or ID)", {}, {}, &Institution};
  m["memberships"] = {"memberships", "List memberships of countries in organizations",
                      "[--country A] [--organization ID]", {"country", "organization"}, {},
                      &Memberships};
}

}  // namespace dyad::cli
