// ListDiscrepancies: facts on which sources disagree, and checks across
// records that should add up. Every side keeps its own citations; nothing
// is averaged away.
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/partial_date.h"
#include "compose.h"
#include "reconcile.h"

namespace dyad::gateway {
namespace {

using dyad::economics::v1::Observation;
using dyad::economics::v1::Series;
using dyad::economics::v1::SeriesPoint;
using dyad::events::v1::Event;
using dyad::gateway::v1::Claim;
using dyad::gateway::v1::ConsistencyCheck;
using dyad::gateway::v1::Discrepancy;
using dyad::institutions::v1::Institution;

std::string DateText(const dyad::type::v1::PartialDate& d) {
  const std::string s = FormatPartialDate(d);
  return s.empty() ? "undated" : s;
}

std::string SpanText(const Event& e) {
  if (e.end_date().year() == 0) return DateText(e.date());
  return absl::StrCat(DateText(e.date()), " to ", DateText(e.end_date()));
}

// True when the day spans of all `spans` share a day.
bool SpansMeet(const std::vector<std::pair<int64_t, int64_t>>& spans) {
  int64_t latest_first = INT64_MIN, earliest_last = INT64_MAX;
  for (const auto& [first, last] : spans) {
    latest_first = std::max(latest_first, first);
    earliest_last = std::min(earliest_last, last);
  }
  return latest_first <= earliest_last;
}

std::string AmountText(const dyad::type::v1::Quantity& q) {
  return q.as_written().empty() ? FormatAmount(q.value(), q.unit()) : q.as_written();
}

std::string Participants(const Event& e) {
  std::vector<std::string> names;
  for (const auto& p : e.participants()) {
    names.push_back(p.role().empty() ? p.name() : absl::StrCat(p.name(), " as ", p.role()));
  }
  return names.empty() ? "no participants named" : absl::StrJoin(names, "; ");
}

Claim EventClaim(const Event& e, const std::string& statement) {
  Claim c;
  c.set_statement(absl::StrCat(e.title(), ": ", statement));
  c.add_records(e.name());
  *c.mutable_citations() = e.citations();
  return c;
}

Discrepancy Make(Discrepancy::Kind kind, const std::string& subject, std::string description) {
  Discrepancy d;
  d.set_kind(kind);
  d.set_subject(subject);
  d.set_description(std::move(description));
  return d;
}

std::string SeriesSubject(const Series& s, const SeriesPoint& p) {
  return absl::StrCat(s.indicator(), " ", s.reporter(), s.partner().empty() ? "" : "→",
                      s.partner(), " ",
                      p.period().year() > 0 ? FormatPartialDate(p.period())
                                            : "to " + FormatPartialDate(p.as_of()));
}

Claim ObservationClaim(const Observation& o) {
  Claim c;
  c.set_statement(absl::StrCat(AmountText(o.value()), " (stands for ",
                               economics::IntervalOf(o.value()).ToString(), ")"));
  c.add_records(o.name());
  *c.mutable_citations() = o.citations();
  return c;
}

}  // namespace

std::vector<Discrepancy> EventDiscrepancies(const std::vector<Event>& events) {
  std::map<std::string, std::vector<const Event*>> by_fact;
  for (const auto& e : events) {
    if (!e.fact().empty()) by_fact[e.fact()].push_back(&e);
  }
  std::vector<Discrepancy> out;
  for (const auto& [fact, group] : by_fact) {
    if (group.size() < 2) continue;
    const std::string n = absl::StrCat(group.size(), " records of the same event");
    // Dates: "December 2015" and "8-11 December 2015" are one date at two
    // precisions; only spans that share no day disagree.
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const Event* e : group) {
      if (e->date().year() == 0) continue;
      spans.push_back({FirstDay(e->date()),
                       LastDay(e->end_date().year() > 0 ? e->end_date() : e->date())});
    }
    if (!SpansMeet(spans)) {
      Discrepancy d = Make(Discrepancy::KIND_DATE, fact,
                           absl::StrCat(n, " give dates that share no day"));
      for (const Event* e : group) *d.add_claims() = EventClaim(*e, SpanText(*e));
      out.push_back(std::move(d));
    }
    // Amounts: intervals by the rule of quantity.proto, per unit; a record
    // that gives no amount is silent, not in disagreement.
    std::map<std::string, std::vector<const Event*>> by_unit;
    for (const Event* e : group) {
      if (e->has_amount() && e->amount().value() != 0) by_unit[e->amount().unit()].push_back(e);
    }
    for (const auto& [unit, with_amount] : by_unit) {
      if (with_amount.size() < 2) continue;
      std::vector<economics::Interval> intervals;
      for (const Event* e : with_amount) intervals.push_back(economics::IntervalOf(e->amount()));
      if (economics::Intersect(intervals).has_value()) continue;
      Discrepancy d = Make(Discrepancy::KIND_FIGURE, fact,
                           absl::StrCat(n, " give amounts in ", unit,
                                        " whose ranges (as their wording implies) do not meet"));
      for (const Event* e : with_amount) {
        *d.add_claims() = EventClaim(
            *e, absl::StrCat(AmountText(e->amount()), " (stands for ",
                             economics::IntervalOf(e->amount()).ToString(), ")"));
      }
      out.push_back(std::move(d));
    }
    // Attribution: who took part or acted, and what the event was.
    std::set<std::string> kinds;
    std::vector<std::set<std::string>> actors;
    for (const Event* e : group) {
      kinds.insert(e->kind());
      std::set<std::string> names;
      for (const auto& p : e->participants()) names.insert(p.name());
      // A record naming no one is silent about the actors.
      if (!names.empty()) actors.push_back(std::move(names));
    }
    // Actors disagree when two records each name someone the other does
    // not; naming fewer is silence, not disagreement.
    bool actors_differ = false;
    for (size_t a = 0; a < actors.size(); ++a) {
      for (size_t b = a + 1; b < actors.size(); ++b) {
        const bool a_in_b = std::includes(actors[b].begin(), actors[b].end(), actors[a].begin(),
                                          actors[a].end());
        const bool b_in_a = std::includes(actors[a].begin(), actors[a].end(), actors[b].begin(),
                                          actors[b].end());
        actors_differ = actors_differ || (!a_in_b && !b_in_a);
      }
    }
    if (actors_differ || kinds.size() > 1) {
      std::vector<std::string> what;
      if (actors_differ) what.push_back("who took part or acted");
      if (kinds.size() > 1) what.push_back("what kind of event it was");
      Discrepancy d = Make(Discrepancy::KIND_ATTRIBUTION, fact,
                           absl::StrCat(n, " disagree on ", absl::StrJoin(what, " and ")));
      for (const Event* e : group) {
        *d.add_claims() = EventClaim(*e, absl::StrCat(e->kind(), ", ", SpanText(*e), "; ",
                                                      Participants(*e)));
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<Discrepancy> InstitutionDiscrepancies(const std::vector<Institution>& institutions) {
  std::map<std::string, std::vector<const Institution*>> by_fact;
  for (const auto& i : institutions) {
    if (!i.fact().empty()) by_fact[i.fact()].push_back(&i);
  }
  std::vector<Discrepancy> out;
  for (const auto& [fact, group] : by_fact) {
    if (group.size() < 2) continue;
    const std::string n = absl::StrCat(group.size(), " records of the same institution");
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const Institution* i : group) {
      if (i->founded().year() > 0) spans.push_back({FirstDay(i->founded()), LastDay(i->founded())});
    }
    if (!SpansMeet(spans)) {
      Discrepancy d = Make(Discrepancy::KIND_DATE, fact,
                           absl::StrCat(n, " give founding dates that share no day"));
      for (const Institution* i : group) {
        Claim* c = d.add_claims();
        c->set_statement(absl::StrCat(i->display_name(), ": founded ", DateText(i->founded())));
        c->add_records(i->name());
        *c->mutable_citations() = i->citations();
      }
      out.push_back(std::move(d));
    }
    std::set<std::string> attributions;
    auto attribution = [](const Institution& i) {
      std::vector<std::string> partners(i.partners().begin(), i.partners().end());
      std::sort(partners.begin(), partners.end());
      return absl::StrCat(i.host_country(), "|", i.city(), "|", i.parent(), "|",
                          absl::StrJoin(partners, ","));
    };
    for (const Institution* i : group) attributions.insert(attribution(*i));
    if (attributions.size() > 1) {
      Discrepancy d = Make(Discrepancy::KIND_ATTRIBUTION, fact,
                           absl::StrCat(n, " disagree on its host, parent or partners"));
      for (const Institution* i : group) {
        Claim* c = d.add_claims();
        c->set_statement(absl::StrCat(
            i->display_name(), ": hosted by ", i->host_country().empty() ? "?" : i->host_country(),
            i->city().empty() ? "" : absl::StrCat(" in ", i->city()),
            i->parent().empty() ? "" : absl::StrCat(", part of ", i->parent()),
            i->partners().empty() ? ""
                                  : absl::StrCat(", partners ", absl::StrJoin(i->partners(), ", "))));
        c->add_records(i->name());
        *c->mutable_citations() = i->citations();
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<Discrepancy> FigureDiscrepancies(const std::vector<Series>& series) {
  std::vector<Discrepancy> out;
  for (const auto& s : series) {
    for (const auto& p : s.points()) {
      if (!p.disputed()) continue;
      Discrepancy d = Make(
          Discrepancy::KIND_FIGURE, SeriesSubject(s, p),
          absl::StrCat(p.observations_size(),
                       " sourced figures whose ranges (as their wording implies) do not meet; "
                       "the series shows ",
                       AmountText(p.value()), " by rule ", p.rule()));
      for (const auto& o : p.observations()) *d.add_claims() = ObservationClaim(o);
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<ConsistencyCheck> ConsistencyChecks(const std::vector<Series>& series,
                                                std::vector<Discrepancy>* failed) {
  // Sourced yearly points by (indicator, reporter, partner, year).
  std::map<std::tuple<std::string, std::string, std::string, int>, const SeriesPoint*> points;
  for (const auto& s : series) {
    for (const auto& p : s.points()) {
      if (p.period().year() > 0 && PrecisionOf(p.period()) == DatePrecision::kYear &&
          !p.derived() && p.observations_size() > 0) {
        points[{s.indicator(), s.reporter(), s.partner(), p.period().year()}] = &p;
      }
    }
  }
  // What a point stands for: the common part of its figures, or (when
  // they are disputed) the range of the figure the series shows.
  auto interval_of = [](const SeriesPoint& p) {
    std::vector<economics::Interval> v;
    for (const auto& o : p.observations()) v.push_back(economics::IntervalOf(o.value()));
    auto common = economics::Intersect(v);
    return common ? *common : economics::IntervalOf(p.value());
  };
  auto add_claims = [](const SeriesPoint& p, ConsistencyCheck* c) {
    for (const auto& o : p.observations()) *c->add_claims() = ObservationClaim(o);
  };
  // An undirected indicator's point, whichever country the series names first.
  auto undirected = [&](const std::string& ind, const std::string& a, const std::string& b,
                        int year) -> const SeriesPoint* {
    for (const auto& [r, p] : {std::pair{a, b}, std::pair{b, a}}) {
      if (auto it = points.find({ind, r, p, year}); it != points.end()) return it->second;
    }
    return nullptr;
  };
  std::vector<ConsistencyCheck> out;
  auto finish = [&](ConsistencyCheck c) {
    if (!c.consistent() && failed != nullptr) {
      Discrepancy d = Make(Discrepancy::KIND_CONSISTENCY, absl::StrCat(c.name(), ": ", c.subject()),
                           c.description());
      *d.mutable_claims() = c.claims();
      failed->push_back(std::move(d));
    }
    out.push_back(std::move(c));
  };
  for (const auto& [key, exports] : points) {
    const auto& [ind, reporter, partner, year] = key;
    if (ind != "trade.exports") continue;
    auto imports = points.find({"trade.imports", reporter, partner, year});
    if (imports == points.end()) continue;
    const SeriesPoint* turnover = undirected("trade.turnover", reporter, partner, year);
    if (turnover == nullptr) continue;
    const economics::Interval e = interval_of(*exports), i = interval_of(*imports->second),
                              t = interval_of(*turnover);
    const economics::Interval sum{e.lo + i.lo, e.hi + i.hi, e.lo_open || i.lo_open,
                                  e.hi_open || i.hi_open};
    const bool ok = economics::Intersect(std::vector<economics::Interval>{sum, t}).has_value();
    ConsistencyCheck c;
    c.set_name("exports + imports = turnover");
    c.set_subject(absl::StrCat(reporter, "-", partner, " ", year));
    c.set_consistent(ok);
    c.set_description(absl::StrCat("exports ", e.ToString(), " + imports ", i.ToString(), " = ",
                                   sum.ToString(), ok ? " meets" : " does not meet",
                                   " turnover ", t.ToString()));
    add_claims(*exports, &c);
    add_claims(*imports->second, &c);
    add_claims(*turnover, &c);
    finish(std::move(c));
  }
  for (const auto& [key, growth] : points) {
    const auto& [ind, reporter, partner, year] = key;
    if (ind != "trade.turnover_growth") continue;
    const SeriesPoint* cur = undirected("trade.turnover", reporter, partner, year);
    const SeriesPoint* prev = undirected("trade.turnover", reporter, partner, year - 1);
    // Without both years the check cannot run, so it is not reported.
    if (cur == nullptr || prev == nullptr) continue;
    const economics::Interval g = interval_of(*growth), a = interval_of(*cur),
                              b = interval_of(*prev);
    if (b.lo <= 0) continue;
    // The growth range the two turnover ranges allow.
    const economics::Interval computed{(a.lo / b.hi - 1) * 100, (a.hi / b.lo - 1) * 100,
                                       a.lo_open || b.hi_open, a.hi_open || b.lo_open};
    const bool ok = economics::Intersect(std::vector<economics::Interval>{g, computed}).has_value();
    ConsistencyCheck c;
    c.set_name("stated growth = growth of the turnover series");
    c.set_subject(absl::StrCat(reporter, "-", partner, " ", year));
    c.set_consistent(ok);
    c.set_description(absl::StrCat("stated ", g.ToString(), "% against ", computed.ToString(),
                                   "% computed from turnover ", year - 1, " ", b.ToString(),
                                   " and ", year, " ", a.ToString(),
                                   ok ? ": consistent" : ": inconsistent"));
    add_claims(*growth, &c);
    add_claims(*prev, &c);
    add_claims(*cur, &c);
    finish(std::move(c));
  }
  return out;
}

std::vector<Discrepancy> MirrorDiscrepancies(const std::vector<Series>& series) {
  // Yearly points by (indicator, reporter, partner, commodity, year).
  using Key = std::tuple<std::string, std::string, std::string, std::string, int>;
  std::map<Key, const SeriesPoint*> points;
  for (const auto& s : series) {
    for (const auto& p : s.points()) {
      if (p.period().year() > 0 && PrecisionOf(p.period()) == DatePrecision::kYear &&
          !p.derived()) {
        points[{s.indicator(), s.reporter(), s.partner(), s.commodity(), p.period().year()}] = &p;
      }
    }
  }
  std::vector<Discrepancy> out;
  for (const auto& [key, exports] : points) {
    const auto& [ind, exporter, importer, commodity, year] = key;
    if (ind != "trade.exports" || importer.empty()) continue;
    auto it = points.find({"trade.imports", importer, exporter, commodity, year});
    if (it == points.end()) continue;
    const SeriesPoint* imports = it->second;
    // Figures whose wording lets them be the same number do not differ.
    if (economics::Intersect(std::vector<economics::Interval>{
                                 economics::IntervalOf(exports->value()),
                                 economics::IntervalOf(imports->value())})
            .has_value()) {
      continue;
    }
    const double x = exports->value().value(), m = imports->value().value();
    const std::string unit = exports->value().unit();
    Discrepancy d;
    d.set_kind(Discrepancy::KIND_MIRROR);
    d.set_subject(absl::StrCat("trade ", exporter, "→", importer, " ", year,
                               commodity.empty() ? "" : " ", commodity));
    auto* mirror = d.mutable_mirror();
    mirror->set_exporter(exporter);
    mirror->set_importer(importer);
    mirror->set_year(year);
    mirror->set_commodity(commodity);
    *mirror->mutable_exports() = exports->value();
    *mirror->mutable_imports() = imports->value();
    std::string verdict;
    if (x != 0) {
      const double ratio = m / x;
      mirror->set_ratio(ratio);
      mirror->set_within_usual_margin(ratio >= kMirrorUsualLow && ratio <= kMirrorUsualHigh);
      verdict = absl::StrFormat(
          "the importer's figure is %.3f times the exporter's, %s the usual CIF/FOB margin "
          "(%.2f to %.2f)",
          ratio, mirror->within_usual_margin() ? "within" : "beyond", kMirrorUsualLow,
          kMirrorUsualHigh);
    } else {
      verdict = "the exporter reports nothing, so no ratio can be formed";
    }
    const std::string goods = commodity.empty() ? "goods" : absl::StrCat("goods ", commodity);
    d.set_description(absl::StrCat(
        exporter, " reports ", FormatAmount(x, unit), " of ", goods, " exported to ", importer,
        " in ", year, ", ", importer, " reports ", FormatAmount(m, unit), " imported from ",
        exporter, ": ", verdict,
        ". Importers value goods CIF (with freight and insurance to their border) and exporters "
        "FOB (at their own border), so import figures usually run some 5-10% above the mirror "
        "exports; shipments counted in different years, goods re-exported through third "
        "countries and figures withheld as confidential widen the gap."));
    auto claim = [](const SeriesPoint& p, std::string statement) {
      Claim c;
      c.set_statement(std::move(statement));
      for (const auto& o : p.observations()) {
        c.add_records(o.name());
        for (const auto& cite : o.citations()) *c.add_citations() = cite;
      }
      return c;
    };
    *d.add_claims() = claim(*exports, absl::StrCat(exporter, "'s exports to ", importer, ": ",
                                                   FormatAmount(x, unit), " (FOB)"));
    *d.add_claims() = claim(*imports, absl::StrCat(importer, "'s imports from ", exporter, ": ",
                                                   FormatAmount(m, unit), " (CIF)"));
    out.push_back(std::move(d));
  }
  return out;
}

void ComposeDiscrepancies(const std::vector<Event>& events,
                          const std::vector<Institution>& institutions,
                          const std::vector<Series>& series,
                          dyad::gateway::v1::ListDiscrepanciesResponse* out) {
  std::vector<Discrepancy> all = FigureDiscrepancies(series);
  for (auto& d : EventDiscrepancies(events)) all.push_back(std::move(d));
  for (auto& d : InstitutionDiscrepancies(institutions)) all.push_back(std::move(d));
  std::vector<Discrepancy> failed;
  for (auto& c : ConsistencyChecks(series, &failed)) *out->add_checks() = std::move(c);
  for (auto& d : failed) all.push_back(std::move(d));
  for (auto& d : MirrorDiscrepancies(series)) all.push_back(std::move(d));
  std::stable_sort(all.begin(), all.end(), [](const Discrepancy& a, const Discrepancy& b) {
    if (a.kind() != b.kind()) return a.kind() < b.kind();
    // Mirror gaps beyond the usual CIF/FOB margin before the expected ones.
    if (a.mirror().within_usual_margin() != b.mirror().within_usual_margin()) {
      return b.mirror().within_usual_margin();
    }
    return a.subject() < b.subject();
  });
  for (auto& d : all) *out->add_discrepancies() = std::move(d);
}

}  // namespace dyad::gateway
