#include "compose.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "reconcile.h"

namespace dyad::gateway {
namespace {

using dyad::events::v1::Event;
using dyad::gateway::v1::CandidateFactor;
using dyad::gateway::v1::Claim;
using dyad::gateway::v1::ConsistencyCheck;
using dyad::gateway::v1::Discrepancy;
using dyad::institutions::v1::Institution;

std::string Money(double v, const std::string& unit) {
  if (std::fabs(v) >= 1e9) return absl::StrFormat("%.4g billion %s", v / 1e9, unit);
  if (std::fabs(v) >= 1e6) return absl::StrFormat("%.4g million %s", v / 1e6, unit);
  return absl::StrFormat("%.6g %s", v, unit);
}

// Weight of an event kind as a candidate factor of an economic change.
std::pair<double, std::string> KindWeight(const std::string& kind) {
  struct Rule {
    const char* needle;
    double weight;
    const char* why;
  };
  static constexpr Rule kRules[] = {
      {"deal", 3.0, "business deals signed"},
      {"investment", 3.0, "an investment commitment"},
      {"loan", 2.5, "a loan"},
      {"agreement", 2.5, "an agreement signed"},
      {"mou", 2.0, "a memorandum signed"},
      {"memorandum", 2.0, "a memorandum signed"},
      {"summit", 2.0, "attendance at a forum or summit"},
      {"visit.state", 2.0, "a state visit"},
      {"visit.official", 2.0, "an official visit"},
      {"visit", 1.5, "a visit"},
      {"commission", 2.0, "an intergovernmental commission session"},
      {"partnership", 1.5, "a raised partnership level"},
      {"train", 1.5, "a new transport link"},
      {"joint_statement", 1.0, "a joint statement"},
  };
  for (const auto& r : kRules) {
    if (absl::StrContains(kind, r.needle)) return {r.weight, r.why};
  }
  return {0.5, "another dated event"};
}

double DomainWeight(const std::string& domain, std::string* why) {
  if (domain == "economy") {
    *why = "economy domain";
    return 2.0;
  }
  if (domain == "transport_energy") {
    *why = "transport and energy domain";
    return 1.5;
  }
  if (domain == "diplomacy") {
    *why = "high-level diplomacy";
    return 1.0;
  }
  *why = "";
  return 0.0;
}

std::string DateKey(const dyad::type::v1::PartialDate& d) {
  return FormatPartialDate(d).empty() ? "undated" : FormatPartialDate(d);
}

}  // namespace

std::vector<CandidateFactor> RankFactors(const std::string& indicator, int year,
                                         const std::vector<Event>& events,
                                         const std::vector<Institution>& institutions) {
  std::vector<CandidateFactor> out;
  const bool trade = absl::StartsWith(indicator, "trade.") || absl::StartsWith(indicator, "investment.");
  for (const Event& e : events) {
    const int y = e.date().year();
    if (y != year && y != year - 1) continue;
    std::vector<std::string> reasons;
    double score = y == year ? 3.0 : 2.0;
    reasons.push_back(y == year ? absl::StrCat("dated in ", year, ", the year of the change")
                                : absl::StrCat("dated in ", year - 1, ", the year before"));
    auto [kw, kwhy] = KindWeight(e.kind());
    score += kw;
    reasons.push_back(absl::StrCat(kwhy, " (", e.kind(), ")"));
    std::string dwhy;
    const double dw = DomainWeight(e.domain(), &dwhy);
    if (dw > 0 && trade) {
      score += dw;
      reasons.push_back(dwhy);
    }
    if (e.has_amount() && e.amount().value() > 0) {
      const bool money = e.amount().unit().size() == 3 && e.amount().unit() != "km";
      if (money) {
        score += 1.0 + std::log10(std::max(1.0, e.amount().value())) / 10.0;
        reasons.push_back(absl::StrCat("involves ", Money(e.amount().value(), e.amount().unit())));
      }
    }
    for (const auto& t : e.tags()) {
      if (t == "belt-and-road") {
        score += 0.5;
        reasons.push_back("part of the Belt and Road");
        break;
      }
    }
    CandidateFactor f;
    f.set_score(std::round(score * 100) / 100);
    f.set_reason(absl::StrJoin(reasons, "; "));
    *f.mutable_event() = e;
    *f.mutable_citations() = e.citations();
    out.push_back(std::move(f));
  }
  for (const Institution& i : institutions) {
    const int y = i.founded().year();
    if (y != year && y != year - 1) continue;
    std::vector<std::string> reasons;
    double score = (y == year ? 3.0 : 2.0) + 1.0;
    reasons.push_back(absl::StrCat("founded in ", y, y == year ? ", the year of the change"
                                                              : ", the year before"));
    reasons.push_back(absl::StrCat("a new institution (", i.kind(), ")"));
    if (absl::StartsWith(i.kind(), "economy.") && trade) {
      score += 2.0;
      reasons.push_back("economy domain");
    }
    CandidateFactor f;
    f.set_score(std::round(score * 100) / 100);
    f.set_reason(absl::StrJoin(reasons, "; "));
    *f.mutable_institution() = i;
    *f.mutable_citations() = i.citations();
    out.push_back(std::move(f));
  }
  auto date_of = [](const CandidateFactor& f) {
    return f.has_event() ? SortKey(f.event().date()) : SortKey(f.institution().founded());
  };
  auto name_of = [](const CandidateFactor& f) {
    return f.has_event() ? f.event().name() : f.institution().name();
  };
  std::sort(out.begin(), out.end(), [&](const CandidateFactor& a, const CandidateFactor& b) {
    if (a.score() != b.score()) return a.score() > b.score();
    if (date_of(a) != date_of(b)) return date_of(a) < date_of(b);
    return name_of(a) < name_of(b);
  });
  return out;
}

std::vector<Discrepancy> EventDiscrepancies(const std::vector<Event>& events) {
  std::map<std::string, std::vector<const Event*>> by_fact;
  for (const auto& e : events) {
    if (!e.fact().empty()) by_fact[e.fact()].push_back(&e);
  }
  std::vector<Discrepancy> out;
  for (const auto& [fact, group] : by_fact) {
    if (group.size() < 2) continue;
    std::set<std::string> amounts, kinds;
    // Dates disagree only when their spans do not all meet: "December 2015"
    // and "8-11 December 2015" are the same date at two precisions.
    int64_t latest_first = INT64_MIN, earliest_last = INT64_MAX;
    for (const Event* e : group) {
      latest_first = std::max(latest_first, FirstDay(e->date()));
      earliest_last = std::min(earliest_last,
                               LastDay(e->end_date().year() ? e->end_date() : e->date()));
      amounts.insert(e->has_amount() ? absl::StrCat(e->amount().value(), e->amount().unit()) : "");
      kinds.insert(e->kind());
    }
    const bool dates_differ = latest_first > earliest_last;
    Discrepancy d;
    d.set_subject(fact);
    std::string what;
    if (dates_differ) {
      d.set_kind(Discrepancy::KIND_DATE);
      what = "dates";
    } else if (amounts.size() > 1) {
      d.set_kind(Discrepancy::KIND_FIGURE);
      what = "amounts";
    } else {
      d.set_kind(Discrepancy::KIND_ATTRIBUTION);
      what = kinds.size() > 1 ? "what kind of event it was" : "who took part or acted";
    }
    d.set_description(absl::StrCat(group.size(), " records of the same event disagree on ", what,
                                   "; each side is kept with its sources"));
    for (const Event* e : group) {
      Claim* c = d.add_claims();
      std::string s = absl::StrCat(e->title(), " (", DateKey(e->date()), ", ", e->kind());
      if (e->has_amount()) absl::StrAppend(&s, ", ", Money(e->amount().value(), e->amount().unit()));
      c->set_statement(s + ")");
      c->add_records(e->name());
      *c->mutable_citations() = e->citations();
    }
    out.push_back(std::move(d));
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
    int64_t latest_first = INT64_MIN, earliest_last = INT64_MAX;
    for (const Institution* i : group) {
      if (i->founded().year() == 0) continue;
      latest_first = std::max(latest_first, FirstDay(i->founded()));
      earliest_last = std::min(earliest_last, LastDay(i->founded()));
    }
    const bool dates_differ = latest_first > earliest_last;
    Discrepancy d;
    d.set_subject(fact);
    d.set_kind(dates_differ ? Discrepancy::KIND_DATE : Discrepancy::KIND_ATTRIBUTION);
    d.set_description(absl::StrCat(group.size(), " records of the same institution disagree on ",
                                   dates_differ ? "its founding date" : "its details"));
    for (const Institution* i : group) {
      Claim* c = d.add_claims();
      c->set_statement(absl::StrCat(i->display_name(), " (founded ", DateKey(i->founded()), ")"));
      c->add_records(i->name());
      *c->mutable_citations() = i->citations();
    }
    out.push_back(std::move(d));
  }
  return out;
}

namespace {
std::string SeriesSubject(const dyad::economics::v1::Series& s,
                          const dyad::economics::v1::SeriesPoint& p) {
  return absl::StrCat(s.indicator(), " ", s.reporter(), s.partner().empty() ? "" : "→",
                      s.partner(), " ",
                      p.period().year() > 0 ? FormatPartialDate(p.period())
                                            : "to " + FormatPartialDate(p.as_of()));
}

Claim ObservationClaim(const dyad::economics::v1::Observation& o) {
  Claim c;
  c.set_statement(absl::StrCat(
      o.value().as_written().empty() ? Money(o.value().value(), o.value().unit())
                                     : o.value().as_written(),
      " (", economics::IntervalOf(o.value()).ToString(), ")"));
  c.add_records(o.name());
  *c.mutable_citations() = o.citations();
  return c;
}
}  // namespace

std::vector<Discrepancy> FigureDiscrepancies(const std::vector<dyad::economics::v1::Series>& series) {
  std::vector<Discrepancy> out;
  for (const auto& s : series) {
    for (const auto& p : s.points()) {
      if (!p.disputed()) continue;
      Discrepancy d;
      d.set_kind(Discrepancy::KIND_FIGURE);
      d.set_subject(SeriesSubject(s, p));
      d.set_description(absl::StrCat(p.observations_size(),
                                     " sourced figures whose ranges (as their wording implies) "
                                     "do not meet; the series shows ",
                                     Money(p.value().value(), p.value().unit()), " by rule ",
                                     p.rule()));
      for (const auto& o : p.observations()) *d.add_claims() = ObservationClaim(o);
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<ConsistencyCheck> ConsistencyChecks(
    const std::vector<dyad::economics::v1::Series>& series, std::vector<Discrepancy>* failed) {
  using dyad::economics::v1::SeriesPoint;
  // Points by (indicator, reporter, partner, year).
  std::map<std::tuple<std::string, std::string, std::string, int>, const SeriesPoint*> points;
  for (const auto& s : series) {
    for (const auto& p : s.points()) {
      if (p.period().year() > 0 && !p.derived() && p.observations_size() > 0) {
        points[{s.indicator(), s.reporter(), s.partner(), p.period().year()}] = &p;
      }
    }
  }
  auto interval_of = [](const SeriesPoint& p) {
    // The common part of the consistent figures, or the chosen one's range.
    std::vector<economics::Interval> v;
    for (const auto& o : p.observations()) v.push_back(economics::IntervalOf(o.value()));
    auto common = economics::Intersect(v);
    return common ? *common : economics::IntervalOf(p.value());
  };
  auto claims_of = [](const SeriesPoint& p, ConsistencyCheck* c) {
    for (const auto& o : p.observations()) *c->add_claims() = ObservationClaim(o);
  };
  std::vector<ConsistencyCheck> out;
  auto fail = [&](const ConsistencyCheck& c) {
    if (c.consistent() || failed == nullptr) return;
    Discrepancy d;
    d.set_kind(Discrepancy::KIND_CONSISTENCY);
    d.set_subject(absl::StrCat(c.name(), ": ", c.subject()));
    d.set_description(c.description());
    *d.mutable_claims() = c.claims();
    failed->push_back(std::move(d));
  };
  for (const auto& [key, exp] : points) {
    const auto& [ind, reporter, partner, year] = key;
    if (ind != "trade.exports") continue;
    auto imp = points.find({"trade.imports", reporter, partner, year});
    if (imp == points.end()) continue;
    const SeriesPoint* turnover = nullptr;
    for (const auto& [r, p] : {std::pair{reporter, partner}, std::pair{partner, reporter}}) {
      auto t = points.find({"trade.turnover", r, p, year});
      if (t != points.end()) turnover = t->second;
    }
    if (turnover == nullptr) continue;
    const economics::Interval e = interval_of(*exp), i = interval_of(*imp->second),
                              t = interval_of(*turnover);
    economics::Interval sum{e.lo + i.lo, e.hi + i.hi, e.lo_open || i.lo_open, e.hi_open || i.hi_open};
    const bool ok = economics::Intersect(std::vector<economics::Interval>{sum, t}).has_value();
    ConsistencyCheck c;
    c.set_name("exports + imports = turnover");
    c.set_subject(absl::StrCat(reporter, "-", partner, " ", year));
    c.set_consistent(ok);
    c.set_description(absl::StrCat("exports ", e.ToString(), " + imports ", i.ToString(), " = ",
                                   sum.ToString(), ok ? " meets" : " does not meet",
                                   " turnover ", t.ToString()));
    claims_of(*exp, &c);
    claims_of(*imp->second, &c);
    claims_of(*turnover, &c);
    fail(c);
    out.push_back(std::move(c));
  }
  for (const auto& [key, growth] : points) {
    const auto& [ind, reporter, partner, year] = key;
    if (ind != "trade.turnover_growth") continue;
    const SeriesPoint *cur = nullptr, *prev = nullptr;
    for (const auto& [r, p] : {std::pair{reporter, partner}, std::pair{partner, reporter}}) {
      if (auto a = points.find({"trade.turnover", r, p, year}); a != points.end()) cur = a->second;
      if (auto b = points.find({"trade.turnover", r, p, year - 1}); b != points.end()) prev = b->second;
    }
    ConsistencyCheck c;
    c.set_name("stated growth = growth of the series");
    c.set_subject(absl::StrCat(reporter, "-", partner, " ", year));
    claims_of(*growth, &c);
    if (cur == nullptr || prev == nullptr) {
      c.set_consistent(true);
      c.set_description(absl::StrCat("not checkable: the series has no figure for ",
                                     cur == nullptr ? year : year - 1));
      out.push_back(std::move(c));
      continue;
    }
    const economics::Interval g = interval_of(*growth), a = interval_of(*cur), b = interval_of(*prev);
    // Computed growth range from the two years' ranges.
    economics::Interval computed{(a.lo / b.hi - 1) * 100, (a.hi / b.lo - 1) * 100, false, false};
    const bool ok = economics::Intersect(std::vector<economics::Interval>{g, computed}).has_value();
    c.set_consistent(ok);
    c.set_description(absl::StrCat("stated ", g.ToString(), "% against ", computed.ToString(),
                                    "% computed from turnover ", year - 1, " and ", year,
                                    ok ? ": consistent" : ": inconsistent"));
    claims_of(*cur, &c);
    claims_of(*prev, &c);
    fail(c);
    out.push_back(std::move(c));
  }
  return out;
}

std::string EncodeTimelineToken(const TimelineCursor& c) {
  auto pos = [](const StreamPosition& p) {
    return absl::StrCat(p.done ? "1" : "0", ":", p.skip, ":", p.token);
  };
  return absl::WebSafeBase64Escape(absl::StrCat("t1|", c.filter_fingerprint, "|", pos(c.events),
                                                "|", pos(c.institutions), "|", pos(c.figures)));
}

absl::StatusOr<TimelineCursor> DecodeTimelineToken(const std::string& token, uint64_t fingerprint) {
  std::string raw;
  auto bad = [] { return InvalidField("page_token", "malformed page token; pass next_page_token unchanged"); };
  if (token.size() > 8192 || !absl::WebSafeBase64Unescape(token, &raw)) return bad();
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  TimelineCursor c;
  if (parts.size() != 5 || parts[0] != "t1" || !absl::SimpleAtoi(parts[1], &c.filter_fingerprint)) {
    return bad();
  }
  if (c.filter_fingerprint != fingerprint) {
    return InvalidField("page_token", "page token was issued for other filters");
  }
  StreamPosition* pos[3] = {&c.events, &c.institutions, &c.figures};
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> f = absl::StrSplit(parts[2 + i], absl::MaxSplits(':', 2));
    if (f.size() != 3 || (f[0] != "0" && f[0] != "1") || !absl::SimpleAtoi(f[1], &pos[i]->skip) ||
        pos[i]->skip < 0) {
      return bad();
    }
    pos[i]->done = f[0] == "1";
    pos[i]->token = f[2];
  }
  return c;
}

std::vector<SourcedEntry> MergeTimeline(std::vector<SourcedEntry> entries, size_t limit,
                                        int taken[3]) {
  // Each stream is already in order; a stable sort keeps that within equal
  // keys, so the entries kept from each stream are a prefix of it.
  std::stable_sort(entries.begin(), entries.end(), [](const SourcedEntry& a, const SourcedEntry& b) {
    const int64_t ka = SortKey(a.entry.date()), kb = SortKey(b.entry.date());
    if (ka != kb) return ka < kb;
    return a.stream < b.stream;
  });
  taken[0] = taken[1] = taken[2] = 0;
  if (entries.size() > limit) entries.resize(limit);
  for (const auto& e : entries) ++taken[e.stream];
  return entries;
}

std::string FigureTitle(const dyad::economics::v1::Observation& o, const std::string& display_name) {
  std::string v = o.value().as_written().empty() ? Money(o.value().value(), o.value().unit())
                                                 : o.value().as_written();
  return absl::StrCat(display_name.empty() ? o.indicator() : display_name, " ", o.reporter(),
                      o.partner().empty() ? "" : "–", o.partner(), " ",
                      FormatPartialDate(o.period()), ": ", v);
}

}  // namespace dyad::gateway
