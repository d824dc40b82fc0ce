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
// Best first; ties by date, then name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dyad/events/v1/event.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.pb.h"

namespace dyad::gateway {

// What the factors are ranked against.
struct RankingTarget {
  std::string indicator;  // e.g. "trade.turnover"
  std::string domain;     // the indicator's domain, e.g. "economy"
  int year = 0;           // the year whose change against the year before is explained
};

// The ranked candidate factors among `events` and `institutions` (those
// founded in the window). `kind_domains` maps institution kinds to their
// domain (ListInstitutionKinds); unknown kinds use their first segment.
std::vector<dyad::gateway::v1::CandidateFactor> RankCandidateFactors(
    const RankingTarget& target, const std::vector<dyad::events::v1::Event>& events,
    const std::vector<dyad::institutions::v1::Institution>& institutions,
    const std::map<std::string, std::string>& kind_domains = {});

// True when a participant is a head of state or government's top office
// holder ("President of Azerbaijan", "head of China").
bool HeadOfStateTakesPart(const dyad::events::v1::Event& event);

// True when two events are on the same occasion: both dated to a month or
// finer, their spans overlap, and they share a place, a participant, a fact
// key or a tag.
bool SameOccasion(const dyad::events::v1::Event& a, const dyad::events::v1::Event& b);

}  // namespace dyad::gateway
