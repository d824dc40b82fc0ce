// Which series a set of figures belongs to: the economics service lists a
// dyad's series with it (ListSeries), the gateway reads the same rule.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "dyad/economics/v1/economics.pb.h"

namespace dyad {

// One series of the economics service.
struct SeriesKey {
  std::string indicator;
  std::string reporter;
  std::string partner;
  bool operator<(const SeriesKey& o) const {
    return std::tie(indicator, reporter, partner) < std::tie(o.indicator, o.reporter, o.partner);
  }
};

// The distinct series behind `observations` (an undirected indicator once
// per pair, in sorted order), plus, when `with_derived`, each derived
// indicator whose inputs are all among them for the same pair.
std::vector<SeriesKey> SeriesKeys(
    const std::vector<dyad::economics::v1::Observation>& observations,
    const std::map<std::string, dyad::economics::v1::Indicator>& indicators, bool with_derived);

}  // namespace dyad
