#include "ranking.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {
namespace {

using dyad::events::v1::Event;
using dyad::gateway::v1::CandidateFactor;
using dyad::institutions::v1::Institution;

// A score and the reasons behind each part of it.
struct Score {
  double total = 0;
  std::vector<std::string> reasons;
  void Add(double points, std::string why) {
    total += points;
    reasons.push_back(absl::StrFormat("%s (+%g)", why, points));
  }
};

struct KindRule {
  const char* suffix;  // matched against the end of the kind id
  double weight;
  const char* why;
};

// Most specific first: the first rule whose suffix ends the kind applies.
constexpr KindRule kKindRules[] = {
    {"deal.signed", 3.0, "business deals signed"},
    {"investment.committed", 3.0, "an investment committed"},
    {"joint_venture.agreed", 3.0, "a joint venture agreed"},
    {"loan.approved", 3.0, "a loan approved"},
    {"agreement.signed", 2.5, "an agreement signed"},
    {"summit.attended", 2.5, "attendance at an international forum or summit"},
    {"visit.state", 2.0, "a state visit"},
    {"visit.official", 2.0, "an official visit"},
    {"memorandum.signed", 2.0, "a memorandum signed"},
    {"mou.signed", 2.0, "a memorandum signed"},
    {"commission.session", 2.0, "a session of the intergovernmental commission"},
    {"trade_house.opened", 2.0, "a trade house opened"},
    {"institute.opened", 2.0, "an institute opened"},
    {"body.decided", 2.0, "a joint body agreed"},
    {"embassy.opened", 2.0, "an embassy opened"},
    {"visit.working", 1.5, "a working visit"},
    {"partnership.raised", 1.5, "a raised partnership level"},
    {"train.arrived", 1.5, "a transport link used"},
    {"railway.completed", 1.5, "a transport link completed"},
    {"route.cargo_started", 1.5, "a transport link opened"},
    {"visit", 1.0, "a visit"},
};

// Domains that carry an indicator's domain (trade moves by rail and sea).
bool CarriesDomain(const std::string& record_domain, const std::string& target_domain) {
  return target_domain == "economy" && record_domain == "transport_energy";
}

bool IsMoney(const std::string& unit) {
  return unit.size() == 3 && absl::AsciiStrToUpper(unit) == unit &&
         std::all_of(unit.begin(), unit.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool IsDealKind(const std::string& kind) {
  for (const char* s : {"deal.signed", "investment.committed", "joint_venture.agreed",
                        "loan.approved", "agreement.signed"}) {
    if (absl::EndsWith(kind, s)) return true;
  }
  return false;
}

bool IsVisitOrForum(const std::string& kind) {
  return absl::StrContains(kind, ".visit") || absl::EndsWith(kind, "summit.attended");
}

std::string When(int year, int target_year) {
  return year == target_year ? absl::StrCat("in ", year, ", the year of the change")
                             : absl::StrCat("in ", year, ", the year before");
}

void Timing(int year, int target_year, Score* s) {
  s->Add(year == target_year ? 3.0 : 2.0, When(year, target_year));
}

int64_t LastDayOfSpan(const Event& e) {
  return LastDay(e.end_date().year() > 0 ? e.end_date() : e.date());
}

// The sources an activity change cites at most.
constexpr size_t kMaxActivityCitations = 10;

}  // namespace

bool HeadOfStateTakesPart(const Event& event) {
  for (const auto& p : event.participants()) {
    if (p.country().empty()) continue;  // an international body's president
    const std::string role = absl::AsciiStrToLower(p.role());
    if (absl::StartsWith(role, "president of") || absl::StartsWith(role, "head of state") ||
        absl::StartsWith(role, "king of") || absl::StartsWith(role, "emir of")) {
      return true;
    }
    // "head of China": the office without its title (not "head of delegation").
    if (absl::StartsWith(role, "head of ") && p.role().size() > 8 &&
        absl::ascii_isupper(static_cast<unsigned char>(p.role()[8]))) {
      return true;
    }
  }
  return false;
}

bool SameOccasion(const Event& a, const Event& b) {
  if (PrecisionOf(a.date()) < DatePrecision::kMonth || PrecisionOf(b.date()) < DatePrecision::kMonth) {
    return false;
  }
  if (FirstDay(a.date()) > LastDayOfSpan(b) || FirstDay(b.date()) > LastDayOfSpan(a)) return false;
  if (!a.fact().empty() && a.fact() == b.fact()) return true;
  if (a.has_location() && b.has_location() && !a.location().name().empty() &&
      a.location().name() == b.location().name()) {
    return true;
  }
  std::set<std::string> names;
  for (const auto& p : a.participants()) names.insert(p.name());
  for (const auto& p : b.participants()) {
    if (names.count(p.name())) return true;
  }
  std::set<std::string> tags(a.tags().begin(), a.tags().end());
  for (const auto& t : b.tags()) {
    if (tags.count(t)) return true;
  }
  return false;
}

std::vector<CandidateFactor> RankCandidateFactors(
    const RankingTarget& target, const std::vector<Event>& events,
    const std::vector<Institution>& institutions,
    const std::map<std::string, std::string>& kind_domains,
    std::vector<CandidateFactor> activity,
    const std::map<std::string, dyad::events::v1::EventKind>& event_kinds) {
  const int year = target.year;
  auto in_window = [year](int y) { return y == year || y == year - 1; };
  // Deals of the indicator's domain: the occasions other records share.
  std::vector<const Event*> deals;
  for (const Event& e : events) {
    if (in_window(e.date().year()) && e.domain() == target.domain && IsDealKind(e.kind())) {
      deals.push_back(&e);
    }
  }
  std::vector<CandidateFactor> out;
  for (const Event& e : events) {
    if (!in_window(e.date().year())) continue;
    Score s;
    Timing(e.date().year(), year, &s);
    double weight = 0.5;
    std::string why = "another dated event";
    if (auto k = event_kinds.find(e.kind());
        k != event_kinds.end() && k->second.ranking_weight() > 0) {
      weight = k->second.ranking_weight();
      why = !k->second.ranking_reason().empty() ? k->second.ranking_reason() : k->second.label();
    } else {
      for (const KindRule& r : kKindRules) {
        if (absl::EndsWith(e.kind(), r.suffix)) {
          weight = r.weight;
          why = r.why;
          break;
        }
      }
    }
    s.Add(weight, absl::StrCat(why, " (", e.kind(), ")"));
    const bool head_of_state = HeadOfStateTakesPart(e);
    if (head_of_state) s.Add(1.0, "a head of state took part");
    if (!target.domain.empty() && e.domain() == target.domain) {
      s.Add(2.0, absl::StrCat("same domain as ", target.indicator, " (", e.domain(), ")"));
    } else if (CarriesDomain(e.domain(), target.domain)) {
      s.Add(1.0, absl::StrCat(e.domain(), " links carry ", target.domain, " flows"));
    }
    if (e.has_amount() && e.amount().value() > 0) {
      const std::string amount = e.amount().as_written().empty()
                                     ? FormatAmount(e.amount().value(), e.amount().unit())
                                     : e.amount().as_written();
      if (IsMoney(e.amount().unit())) {
        const double points =
            std::round((1.0 + std::log10(std::max(1.0, e.amount().value())) / 10.0) * 100) / 100;
        s.Add(points, absl::StrCat("involves ", amount));
      } else {
        s.Add(0.5, absl::StrCat("involves ", amount));
      }
    }
    if (std::find(e.tags().begin(), e.tags().end(), "belt-and-road") != e.tags().end()) {
      s.Add(0.5, "part of the Belt and Road");
    }
    for (const Event* d : deals) {
      if (d == &e || !SameOccasion(e, *d)) continue;
      if (IsVisitOrForum(e.kind())) {
        s.Add(1.5, absl::StrCat("the occasion of \"", d->title(), "\""));
        break;
      }
    }
    if (IsDealKind(e.kind())) {
      for (const Event& v : events) {
        if (&v != &e && IsVisitOrForum(v.kind()) && HeadOfStateTakesPart(v) && SameOccasion(e, v)) {
          s.Add(0.5, absl::StrCat("signed during \"", v.title(), "\""));
          break;
        }
      }
    }
    if (IsMachineCoded(e) && e.coded().num_mentions() > 1) {
      const double points =
          std::round(std::min(1.0, std::log10(e.coded().num_mentions()) / 3.0) * 100) / 100;
      s.Add(points, absl::StrCat("mentioned ", e.coded().num_mentions(), " times in the news"));
    }
    CandidateFactor f;
    f.set_score(std::round(s.total * 100) / 100);
    f.set_reason(absl::StrJoin(s.reasons, "; "));
    *f.mutable_event() = e;
    *f.mutable_citations() = e.citations();
    out.push_back(std::move(f));
  }
  for (const Institution& i : institutions) {
    if (!in_window(i.founded().year())) continue;
    Score s;
    Timing(i.founded().year(), year, &s);
    s.Add(2.0, absl::StrCat("a new institution founded (", i.kind(), ")"));
    const std::string domain = InstitutionDomain(i.kind(), kind_domains);
    if (!target.domain.empty() && domain == target.domain) {
      s.Add(2.0, absl::StrCat("same domain as ", target.indicator, " (", domain, ")"));
    } else if (CarriesDomain(domain, target.domain)) {
      s.Add(1.0, absl::StrCat(domain, " links carry ", target.domain, " flows"));
    }
    CandidateFactor f;
    f.set_score(std::round(s.total * 100) / 100);
    f.set_reason(absl::StrJoin(s.reasons, "; "));
    *f.mutable_institution() = i;
    *f.mutable_citations() = i.citations();
    out.push_back(std::move(f));
  }
  for (auto& f : activity) out.push_back(std::move(f));
  auto date_of = [](const CandidateFactor& f) {
    if (f.has_activity()) {
      dyad::type::v1::PartialDate d;
      d.set_year(f.activity().year());
      return SortKey(d);
    }
    return f.has_event() ? SortKey(f.event().date()) : SortKey(f.institution().founded());
  };
  auto name_of = [](const CandidateFactor& f) {
    if (f.has_activity()) return absl::StrCat("activity/", f.activity().year());
    return f.has_event() ? f.event().name() : f.institution().name();
  };
  auto coded = [](const CandidateFactor& f) { return f.has_event() && IsMachineCoded(f.event()); };
  std::sort(out.begin(), out.end(), [&](const CandidateFactor& a, const CandidateFactor& b) {
    if (coded(a) != coded(b)) return coded(b);
    if (a.score() != b.score()) return a.score() > b.score();
    if (coded(a)) return MoreReported(a.event(), b.event());  // both machine-coded
    if (date_of(a) != date_of(b)) return date_of(a) < date_of(b);
    return name_of(a) < name_of(b);
  });
  const auto first_coded = std::find_if(out.begin(), out.end(), coded);
  if (out.end() - first_coded > static_cast<std::ptrdiff_t>(kMaxCodedFactors)) {
    out.erase(first_coded + static_cast<std::ptrdiff_t>(kMaxCodedFactors), out.end());
  }
  return out;
}

dyad::type::v1::DateRange ActivityWindow(int year) {
  dyad::type::v1::DateRange r;
  r.mutable_start()->set_year(std::max(1, year - 1 - kBaselineYears));
  r.mutable_end()->set_year(year);
  return r;
}

std::vector<CandidateFactor> ActivityFactors(const RankingTarget& target, const std::string& dyad,
                                             const dyad::events::v1::CountEventsResponse& yearly,
                                             const std::vector<Event>& events,
                                             dyad::type::v1::Origin origin) {
  std::map<int, int64_t> counts;  // by year
  int first = 0, last = 0;        // the first and last years with any event counted
  for (const auto& b : yearly.buckets()) {
    counts[b.year()] += b.count();
    if (b.count() > 0 && (first == 0 || b.year() < first)) first = b.year();
    if (b.count() > 0) last = std::max(last, b.year());
  }
  const char* what = origin == dyad::type::v1::ORIGIN_CURATED         ? "curated events"
                     : origin == dyad::type::v1::ORIGIN_MACHINE_CODED ? "machine-coded events"
                                                                       : "events";
  std::vector<CandidateFactor> out;
  for (const int year : {target.year - 1, target.year}) {
    // Nothing counted before the year: no baseline. Nothing counted in it or
    // after it: the data may end there (a dataset imported up to some
    // year), so no drop to zero is read into it.
    if (first == 0 || first >= year || last < year) continue;
    const int from = std::max(first, year - kBaselineYears);
    int64_t sum = 0;
    for (int y = from; y < year; ++y) sum += counts[y];
    const double mean = static_cast<double>(sum) / (year - from);
    const auto count = static_cast<double>(counts[year]);
    if (std::max(count, mean) < kMinActivity || mean <= 0) continue;
    const double ratio = count / mean;
    if (ratio < kActivityRatio && ratio > 1 / kActivityRatio) continue;
    Score s;
    Timing(year, target.year, &s);
    const double points = std::round(std::min(2.0, std::fabs(std::log2(ratio))) * 100) / 100;
    const std::string baseline =
        from == year - 1 ? absl::StrCat(from) : absl::StrCat(from, "–", year - 1);
    s.Add(points, absl::StrFormat("%d %s of %s counted in %d, %.3g times the mean of %.3g a year in "
                                  "%s: a %s in activity",
                                  counts[year], what, dyad, year, ratio, mean, baseline,
                                  ratio > 1 ? "spike" : "drop"));
    CandidateFactor f;
    f.set_score(std::round(s.total * 100) / 100);
    f.set_reason(absl::StrJoin(s.reasons, "; "));
    auto* a = f.mutable_activity();
    a->set_year(year);
    a->set_count(counts[year]);
    a->mutable_baseline()->mutable_start()->set_year(from);
    a->mutable_baseline()->mutable_end()->set_year(year - 1);
    a->set_baseline_mean(mean);
    a->set_ratio(ratio);
    a->set_origin(origin);
    for (const auto& b : yearly.buckets()) {
      if (b.year() != year) continue;
      if (b.has_goldstein_mean()) a->set_goldstein_mean(b.goldstein_mean());
      if (b.has_mean_tone()) a->set_mean_tone(b.mean_tone());
    }
    // What was counted: each source the year's events cite, by one of its
    // citations (with its locator or dataset row, so it can be followed),
    // and how many of the events cite it. Curated events first, so a
    // source's citation is a paragraph where there is one.
    struct Cited {
      int events = 0;
      const dyad::type::v1::Citation* example = nullptr;
    };
    std::map<std::string, Cited> cited;
    std::vector<const Event*> of_year;
    for (const Event& e : events) {
      if (e.date().year() == year) of_year.push_back(&e);
    }
    std::stable_partition(of_year.begin(), of_year.end(),
                          [](const Event* e) { return !IsMachineCoded(*e); });
    for (const Event* e : of_year) {
      std::set<std::string> ids;
      for (const auto& c : e->citations()) {
        if (!ids.insert(c.source_id()).second) continue;
        Cited& x = cited[c.source_id()];
        ++x.events;
        if (x.example == nullptr) x.example = &c;
      }
    }
    std::vector<std::pair<std::string, Cited>> by_count(cited.begin(), cited.end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](const auto& x, const auto& y) { return x.second.events > y.second.events; });
    if (by_count.size() > kMaxActivityCitations) by_count.resize(kMaxActivityCitations);
    for (const auto& [id, x] : by_count) {
      dyad::type::v1::Citation* c = f.add_citations();
      *c = *x.example;
      c->set_note(absl::StrCat(x.events, x.events == 1 ? " event" : " events", " of ", dyad, " in ",
                               year, " read here cite", x.events == 1 ? "s" : "",
                               " this source; this citation is one of them"));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace dyad::gateway
