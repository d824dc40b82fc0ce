// Ranking the candidate factors of an indicator's change (ExplainChange).
//
// Candidates, not causes: a score only says how much a dated record has in
// common with the change, and every point of it is written down in the
// factor's reason. The signals, each adding to the score:
//   timing     in the year of the change (+3) or the year before (+2);
//              records outside that window are not candidates
//   kind       business deals and investment (+3), agreements (+2.5),
//              forum or summit attendance (+2.5), state and official visits
//              (+2), memorandums, commission sessions, trade houses and
//              other bodies opened or agreed (+2), working visits and
//              partnership raises (+1.5), transport links (+1.5), any
//              other visit (+1), anything else (+0.5); an institution
//              founded (+2)
//   level      a head of state took part (+1)
//   domain     the indicator's own domain (+2), a domain that carries it
//              (transport and energy for trade, +1)
//   amount     money involved: +1 + log10(amount)/10 (so $821 million adds
//              1.89); another quantity (containers, km) +0.5
//   tags       belt-and-road (+0.5)
//   occasion   the same occasion as a deal or investment of the indicator's
//              domain (dates within the same month or finer that overlap,
//              and a shared place, participant, fact or tag): +1.5 for the
//              visit or forum around the deals, +0.5 for a deal signed
//              during a head-of-state visit
//   coverage   a machine-coded event mentioned N times in the news:
//              +min(1, log10(N)/3)
// Activity changes (ActivityFactors) are scored on their own: timing, plus
// |log2| of the ratio of the year's event count to the mean of the years
// before, at most 2, so a doubling weighs like a working visit and no
// count outweighs a deal signed in the indicator's domain.
//
// Curated records first: curated events, institutions and activity changes
// are ranked together, best first (ties by date, then name); every
// machine-coded event comes after them, at most kMaxCodedFactors of them
// (best first, ties by MoreReported), so imported rows never bury what
// sources say.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dyad/events/v1/event.pb.h"
#include "dyad/events/v1/event_service.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.pb.h"

namespace dyad::gateway {

// What the factors are ranked against.
struct RankingTarget {
  std::string indicator;  // e.g. "trade.turnover"
  std::string domain;     // the indicator's domain, e.g. "economy"
  int year = 0;           // the year whose change against the year before is explained
};

// The most machine-coded events offered as candidate factors.
inline constexpr size_t kMaxCodedFactors = 10;

// The ranked candidate factors among `events` and `institutions` (those
// founded in the window) and the given `activity` factors (ActivityFactors).
// `kind_domains` maps institution kinds to their domain
// (ListInstitutionKinds); unknown kinds use their first segment.
// `event_kinds` (ListEventKinds, by id) gives each event kind's weight and
// its reason in words as the plugin that owns the kind declares them
// (EventKind.ranking_weight, ranking_reason): a kind of any domain is
// weighed without a change here. A kind that declares none falls back to
// the built-in suffix rules above (the kinds of the bundled plugins declare
// the same weights), else 0.5.
std::vector<dyad::gateway::v1::CandidateFactor> RankCandidateFactors(
    const RankingTarget& target, const std::vector<dyad::events::v1::Event>& events,
    const std::vector<dyad::institutions::v1::Institution>& institutions,
    const std::map<std::string, std::string>& kind_domains = {},
    std::vector<dyad::gateway::v1::CandidateFactor> activity = {},
    const std::map<std::string, dyad::events::v1::EventKind>& event_kinds = {});

// A spike or drop: the year's count at least kActivityRatio times the
// baseline mean, or at most 1/kActivityRatio of it, with the larger of the
// two at least kMinActivity events (a year of 2 events against 1 is no
// spike). The baseline is the kBaselineYears years before (fewer when the
// counts begin later: years before the first counted event are not read as
// years without events, since a dataset's coverage begins somewhere). For
// the same reason a year after the last one with any event counted is not
// read as a drop to zero: the data may end there.
inline constexpr double kActivityRatio = 1.5;
inline constexpr double kMinActivity = 10;
inline constexpr int kBaselineYears = 3;
// The years of CountEvents a target needs: kBaselineYears before the year
// before, to the year.
dyad::type::v1::DateRange ActivityWindow(int year);

// The activity changes of the window's two years (the year of the change
// and the year before) in `yearly` (CountEvents by year over
// ActivityWindow(), no group_by), each a factor scored as described above.
// `dyad` names the countries in the reason ("GEO–TUR"); `origin` is what
// was counted. Citations: the sources the window's `events` of that year
// cite, each with how many of them cite it (at most 10, most cited first).
std::vector<dyad::gateway::v1::CandidateFactor> ActivityFactors(
    const RankingTarget& target, const std::string& dyad,
    const dyad::events::v1::CountEventsResponse& yearly,
    const std::vector<dyad::events::v1::Event>& events, dyad::type::v1::Origin origin);

// True when a participant is a head of state or government's top office
// holder ("President of Azerbaijan", "head of China").
bool HeadOfStateTakesPart(const dyad::events::v1::Event& event);

// True when two events are on the same occasion: both dated to a month or
// finer, their spans overlap, and they share a place, a participant, a fact
// key or a tag.
bool SameOccasion(const dyad::events::v1::Event& a, const dyad::events::v1::Event& b);

}  // namespace dyad::gateway
