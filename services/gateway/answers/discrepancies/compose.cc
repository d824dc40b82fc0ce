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
#include "common/reconcile.h"

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
  switch (e.date_basis()) {
    case dyad::events::v1::DATE_BASIS_AFTER:
      return e.end_date().year() == 0
                 ? absl::StrCat("undated, after ", DateText(e.date()))
                 : absl::StrCat("undated, after ", DateText(e.date()), " and by ",
                                DateText(e.end_date()));
    case dyad::events::v1::DATE_BASIS_BY:
      return absl::StrCat("undated, by ", DateText(e.date()));
    default:
      break;
  }
  if (e.end_date().year() == 0) return DateText(e.date());
  return absl::StrCat(DateText(e.date()), " to ", DateText(e.end_date()));
}

// The days an event can have happened on: its stated span, or the bounds
// an undated event carries (DateBasis in event.proto).
std::pair<int64_t, int64_t> EventSpan(const Event& e) {
  const bool has_end = e.end_date().year() > 0;
  switch (e.date_basis()) {
    case dyad::events::v1::DATE_BASIS_AFTER:
      return {FirstDay(e.date()), has_end ? LastDay(e.end_date()) : INT64_MAX};
    case dyad::events::v1::DATE_BASIS_BY:
      return {INT64_MIN, LastDay(e.date())};
    default:
      return {FirstDay(e.date()), LastDay(has_end ? e.end_date() : e.date())};
  }
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

Discrepancy Make(Discrepancy::Kind kind, const std::string& subject, std::string description,
                 Discrepancy::Class cls, const std::string& rule) {
  Discrepancy d;
  d.set_kind(kind);
  d.set_subject(subject);
  d.set_description(std::move(description));
  d.set_discrepancy_class(cls);
  d.set_rule(rule);
  return d;
}

// True when the quantities are not all written alike: their intervals (by
// the rule of quantity.proto) differ. "$600 million" and "600 million" are
// one value; "$600 million" and "about $600 million" are two.
template <typename Range, typename Get>
bool WordingDiffers(const Range& items, Get quantity) {
  std::set<std::string> seen;
  for (const auto& x : items) seen.insert(economics::IntervalOf(quantity(x)).ToString());
  return seen.size() > 1;
}

std::string PeriodText(const dyad::type::v1::PartialDate& period,
                       const dyad::type::v1::PartialDate& as_of) {
  if (period.year() > 0) return FormatPartialDate(period);
  return as_of.year() > 0 ? "to " + FormatPartialDate(as_of) : "undated";
}

std::string SeriesName(const Series& s) {
  return absl::StrCat(s.indicator(), " ", s.reporter(), s.partner().empty() ? "" : "→",
                      s.partner());
}

std::string SeriesSubject(const Series& s, const SeriesPoint& p) {
  return absl::StrCat(SeriesName(s), " ", PeriodText(p.period(), p.as_of()));
}

Claim ObservationClaim(const Observation& o, bool with_period = false) {
  Claim c;
  c.set_statement(absl::StrCat(
      AmountText(o.value()), " (stands for ", economics::IntervalOf(o.value()).ToString(), ")",
      with_period ? absl::StrCat(", ", PeriodText(o.period(), o.as_of())) : ""));
  c.add_records(o.name());
  *c.mutable_citations() = o.citations();
  return c;
}

// The economics service folds every figure "to date" of a series into one
// point (as_of = the latest). Figures stated to different dates are not one
// fact, so they are split again here: one point per as_of date, its value
// the most precise figure of the date. Yearly points, and to-date points
// whose figures share one date, come back as they are.
std::vector<SeriesPoint> SplitByAsOf(const SeriesPoint& p) {
  if (p.period().year() > 0 || p.observations_size() < 2) return {p};
  std::map<std::pair<int64_t, int64_t>, std::vector<const Observation*>> by_date;
  for (const auto& o : p.observations()) {
    by_date[{FirstDay(o.as_of()), LastDay(o.as_of())}].push_back(&o);
  }
  if (by_date.size() < 2) return {p};
  std::vector<SeriesPoint> out;
  for (const auto& [when, group] : by_date) {
    SeriesPoint q;
    *q.mutable_as_of() = group.front()->as_of();
    const Observation* best = group.front();
    std::vector<economics::Interval> intervals;
    for (const Observation* o : group) {
      *q.add_observations() = *o;
      intervals.push_back(economics::IntervalOf(o->value()));
      if (economics::IntervalOf(o->value()).width() < economics::IntervalOf(best->value()).width()) {
        best = o;
      }
    }
    *q.mutable_value() = best->value();
    q.set_disputed(!economics::Intersect(intervals).has_value());
    q.set_rule(group.size() == 1 ? "single-source" : "most-precise-of-the-date");
    out.push_back(std::move(q));
  }
  return out;
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
    const std::string n = absl::StrCat(group.size(), " records of the same fact");
    // Dates: "December 2015" and "8-11 December 2015" are one date at two
    // precisions, and "undated, by June 2021" meets "2016"; only spans that
    // share no day disagree.
    std::vector<std::pair<int64_t, int64_t>> spans;
    std::set<std::string> date_texts;
    for (const Event* e : group) {
      if (e->date().year() == 0) continue;
      spans.push_back(EventSpan(*e));
      date_texts.insert(SpanText(*e));
    }
    const bool dates_meet = SpansMeet(spans);
    if (!dates_meet || date_texts.size() > 1) {
      Discrepancy d =
          dates_meet
              ? Make(Discrepancy::KIND_DATE, fact,
                     absl::StrCat(n, " give dates written differently whose spans share a day"),
                     Discrepancy::CLASS_WITHIN_WORDING, "date-spans-meet")
              : Make(Discrepancy::KIND_DATE, fact,
                     absl::StrCat(n, " give dates that share no day"), Discrepancy::CLASS_CONFLICT,
                     "date-spans-disjoint");
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
      const bool meet = economics::Intersect(intervals).has_value();
      if (meet && !WordingDiffers(with_amount, [](const Event* e) { return e->amount(); })) {
        continue;
      }
      Discrepancy d =
          meet ? Make(Discrepancy::KIND_FIGURE, fact,
                      absl::StrCat(n, " give amounts in ", unit,
                                   " written differently whose ranges (as their wording implies) "
                                   "meet"),
                      Discrepancy::CLASS_WITHIN_WORDING, "intervals-meet")
               : Make(Discrepancy::KIND_FIGURE, fact,
                      absl::StrCat(n, " give amounts in ", unit,
                                   " whose ranges (as their wording implies) do not meet"),
                      Discrepancy::CLASS_CONFLICT, "intervals-disjoint");
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
      std::vector<std::string> what, rules;
      if (actors_differ) {
        what.push_back("who took part or acted");
        rules.push_back("named-actors-differ");
      }
      if (kinds.size() > 1) {
        what.push_back("what kind of event it was");
        rules.push_back("kinds-differ");
      }
      Discrepancy d = Make(Discrepancy::KIND_ATTRIBUTION, fact,
                           absl::StrCat(n, " disagree on ", absl::StrJoin(what, " and ")),
                           Discrepancy::CLASS_CONFLICT, absl::StrJoin(rules, "+"));
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
    std::set<std::string> founded_texts;
    for (const Institution* i : group) {
      if (i->founded().year() > 0) {
        spans.push_back({FirstDay(i->founded()), LastDay(i->founded())});
        founded_texts.insert(DateText(i->founded()));
      }
    }
    const bool dates_meet = SpansMeet(spans);
    if (!dates_meet || founded_texts.size() > 1) {
      Discrepancy d =
          dates_meet ? Make(Discrepancy::KIND_DATE, fact,
                            absl::StrCat(n, " give founding dates written differently that share "
                                            "a day"),
                            Discrepancy::CLASS_WITHIN_WORDING, "date-spans-meet")
                     : Make(Discrepancy::KIND_DATE, fact,
                            absl::StrCat(n, " give founding dates that share no day"),
                            Discrepancy::CLASS_CONFLICT, "date-spans-disjoint");
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
                           absl::StrCat(n, " disagree on its host, parent or partners"),
                           Discrepancy::CLASS_CONFLICT, "host-parent-or-partners-differ");
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
    std::vector<SeriesPoint> points;
    for (const auto& whole : s.points()) {
      for (auto& p : SplitByAsOf(whole)) points.push_back(std::move(p));
    }
    for (const auto& p : points) {
      if (!p.disputed() && (p.derived() || p.observations_size() < 2)) continue;
      if (p.disputed()) {
        Discrepancy d = Make(
            Discrepancy::KIND_FIGURE, SeriesSubject(s, p),
            absl::StrCat(p.observations_size(),
                         " sourced figures whose ranges (as their wording implies) do not meet; "
                         "the series shows ",
                         AmountText(p.value()), " by rule ", p.rule()),
            Discrepancy::CLASS_CONFLICT, "intervals-disjoint");
        for (const auto& o : p.observations()) *d.add_claims() = ObservationClaim(o);
        out.push_back(std::move(d));
        continue;
      }
      if (!WordingDiffers(p.observations(), [](const Observation& o) { return o.value(); })) {
        continue;
      }
      Discrepancy d = Make(
          Discrepancy::KIND_FIGURE, SeriesSubject(s, p),
          absl::StrCat(p.observations_size(),
                       " sourced figures written differently whose ranges (as their wording "
                       "implies) meet; the series shows ",
                       AmountText(p.value()), " by rule ", p.rule()),
          Discrepancy::CLASS_WITHIN_WORDING, "intervals-meet");
      for (const auto& o : p.observations()) *d.add_claims() = ObservationClaim(o);
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<Discrepancy> FactFigureDiscrepancies(const std::vector<Observation>& observations) {
  std::map<std::string, std::map<std::string, std::vector<const Observation*>>> by_fact;
  std::set<std::string> seen;
  for (const auto& o : observations) {
    // One read per country can return a record twice.
    if (o.fact().empty() || !seen.insert(o.name()).second) continue;
    by_fact[o.fact()][o.value().unit()].push_back(&o);
  }
  std::vector<Discrepancy> out;
  for (const auto& [fact, by_unit] : by_fact) {
    for (const auto& [unit, group] : by_unit) {
      if (group.size() < 2) continue;
      std::vector<economics::Interval> intervals;
      for (const Observation* o : group) intervals.push_back(economics::IntervalOf(o->value()));
      const bool meet = economics::Intersect(intervals).has_value();
      if (meet && !WordingDiffers(group, [](const Observation* o) { return o->value(); })) continue;
      const std::string n = absl::StrCat(group.size(), " figures linked as one fact");
      Discrepancy d =
          meet ? Make(Discrepancy::KIND_FIGURE, fact,
                      absl::StrCat(n, " (", unit,
                                   ") are written differently but their ranges (as their wording "
                                   "implies) meet"),
                      Discrepancy::CLASS_WITHIN_WORDING, "fact-key:intervals-meet")
               : Make(Discrepancy::KIND_FIGURE, fact,
                      absl::StrCat(n, " (", unit,
                                   ") have ranges (as their wording implies) that do not meet"),
                      Discrepancy::CLASS_CONFLICT, "fact-key:intervals-disjoint");
      for (const Observation* o : group) *d.add_claims() = ObservationClaim(*o, true);
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<Discrepancy> NeighbouringPeriodDiscrepancies(const std::vector<Series>& series) {
  // What a point stands for: the range of the figure the series shows.
  auto interval_of = [](const SeriesPoint& p) { return economics::IntervalOf(p.value()); };
  auto sources = [](const SeriesPoint& p) {
    std::set<std::string> ids;
    for (const auto& o : p.observations()) {
      for (const auto& c : o.citations()) ids.insert(c.source_id());
    }
    return ids;
  };
  auto facts = [](const SeriesPoint& p) {
    std::set<std::string> keys;
    for (const auto& o : p.observations()) {
      if (!o.fact().empty()) keys.insert(o.fact());
    }
    return keys;
  };
  auto when = [](const SeriesPoint& p) -> const dyad::type::v1::PartialDate& {
    return p.period().year() > 0 ? p.period() : p.as_of();
  };
  std::vector<Discrepancy> out;
  for (const auto& s : series) {
    std::vector<SeriesPoint> split;
    for (const auto& whole : s.points()) {
      for (auto& p : SplitByAsOf(whole)) split.push_back(std::move(p));
    }
    std::vector<const SeriesPoint*> points;
    for (const auto& p : split) {
      if (!p.derived() && p.observations_size() > 0 && when(p).year() > 0) points.push_back(&p);
    }
    std::stable_sort(points.begin(), points.end(), [&](const SeriesPoint* a, const SeriesPoint* b) {
      return FirstDay(when(*a)) < FirstDay(when(*b));
    });
    for (size_t k = 1; k < points.size(); ++k) {
      const SeriesPoint& a = *points[k - 1];
      const SeriesPoint& b = *points[k];
      // Figures already linked as one fact by curation are compared as such.
      const auto fa = facts(a), fb = facts(b);
      if (std::any_of(fa.begin(), fa.end(), [&](const auto& f) { return fb.count(f) > 0; })) {
        continue;
      }
      const int gap = when(b).year() - when(a).year();
      const bool a_yearly = a.period().year() > 0 && PrecisionOf(a.period()) == DatePrecision::kYear;
      const bool b_yearly = b.period().year() > 0 && PrecisionOf(b.period()) == DatePrecision::kYear;
      const bool undated = a.period().year() == 0 || b.period().year() == 0;
      const bool meet = economics::Intersect(std::vector<economics::Interval>{
                                                 interval_of(a), interval_of(b)})
                            .has_value();
      std::string rule, why;
      if (undated && gap >= 0 && gap <= 2 && sources(a) != sources(b)) {
        // A figure stated "now" may be an earlier period's figure restated.
        rule = "as-of-near-period";
        why = "a figure given to a date with no period, and another source's figure at most two "
              "years before it";
      } else if (a_yearly && b_yearly && gap == 1 && meet) {
        rule = "same-figure-consecutive-years";
        why = "the same figure (ranges that meet) for two consecutive years";
      } else {
        continue;
      }
      Discrepancy d = Make(
          Discrepancy::KIND_FIGURE,
          absl::StrCat(SeriesName(s), " ", PeriodText(a.period(), a.as_of()), " / ",
                       PeriodText(b.period(), b.as_of())),
          absl::StrCat("neighbouring periods that may be one fact stated twice: ", why,
                       meet ? "; their ranges meet" : "; their ranges do not meet"),
          Discrepancy::CLASS_NEIGHBOURING_PERIOD, rule);
      for (const SeriesPoint* p : {&a, &b}) {
        for (const auto& o : p->observations()) *d.add_claims() = ObservationClaim(o, true);
      }
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
                           c.description(), Discrepancy::CLASS_CONFLICT,
                           c.name() == "exports + imports = turnover" ? "sum-outside-turnover"
                                                                     : "growth-outside-series");
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
    d.set_discrepancy_class(Discrepancy::CLASS_CONFLICT);
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
      d.set_rule(mirror->within_usual_margin() ? "mirror:within-usual-margin"
                                               : "mirror:beyond-usual-margin");
      verdict = absl::StrFormat(
          "the importer's figure is %.3f times the exporter's, %s the usual CIF/FOB margin "
          "(%.2f to %.2f)",
          ratio, mirror->within_usual_margin() ? "within" : "beyond", kMirrorUsualLow,
          kMirrorUsualHigh);
    } else {
      d.set_rule("mirror:no-export-figure");
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
                          dyad::gateway::v1::ListDiscrepanciesResponse* out,
                          const std::vector<Observation>& observations,
                          const std::set<int>& classes) {
  std::vector<Discrepancy> all = FigureDiscrepancies(series);
  for (auto& d : FactFigureDiscrepancies(observations)) all.push_back(std::move(d));
  for (auto& d : NeighbouringPeriodDiscrepancies(series)) all.push_back(std::move(d));
  for (auto& d : EventDiscrepancies(events)) all.push_back(std::move(d));
  for (auto& d : InstitutionDiscrepancies(institutions)) all.push_back(std::move(d));
  std::vector<Discrepancy> failed;
  for (auto& c : ConsistencyChecks(series, &failed)) *out->add_checks() = std::move(c);
  for (auto& d : failed) all.push_back(std::move(d));
  for (auto& d : MirrorDiscrepancies(series)) all.push_back(std::move(d));
  std::stable_sort(all.begin(), all.end(), [](const Discrepancy& a, const Discrepancy& b) {
    if (a.kind() != b.kind()) return a.kind() < b.kind();
    // Within a kind: conflicts, then differences of wording, then
    // neighbouring-period candidates.
    if (a.discrepancy_class() != b.discrepancy_class()) {
      return a.discrepancy_class() < b.discrepancy_class();
    }
    // Mirror gaps beyond the usual CIF/FOB margin before the expected ones.
    if (a.mirror().within_usual_margin() != b.mirror().within_usual_margin()) {
      return b.mirror().within_usual_margin();
    }
    return a.subject() < b.subject();
  });
  for (auto& d : all) {
    if (!classes.empty() && !classes.count(d.discrepancy_class())) continue;
    *out->add_discrepancies() = std::move(d);
  }
}

}  // namespace dyad::gateway
