#include "common/series_keys.h"

#include <set>
#include <utility>

namespace dyad {

namespace ec = dyad::economics::v1;

std::vector<SeriesKey> SeriesKeys(const std::vector<ec::Observation>& observations,
                                  const std::map<std::string, ec::Indicator>& indicators,
                                  bool with_derived) {
  std::set<SeriesKey> keys;
  for (const auto& o : observations) {
    SeriesKey k{o.indicator(), o.reporter(), o.partner()};
    auto it = indicators.find(o.indicator());
    // An undirected figure is the same series whichever country reports it.
    if (it != indicators.end() && !it->second.directed() && !k.partner.empty() &&
        k.partner < k.reporter) {
      std::swap(k.reporter, k.partner);
    }
    keys.insert(std::move(k));
  }
  if (with_derived) {
    std::set<std::pair<std::string, std::string>> pairs;
    for (const auto& k : keys) pairs.insert({k.reporter, k.partner});
    for (const auto& [id, ind] : indicators) {
      if (!ind.derived() || ind.inputs().empty()) continue;
      for (const auto& [reporter, partner] : pairs) {
        bool all = true;
        for (const auto& input : ind.inputs()) {
          all = all && (keys.count({input, reporter, partner}) > 0 ||
                        keys.count({input, partner, reporter}) > 0);
        }
        if (!all) continue;
        SeriesKey k{id, reporter, partner};
        if (!ind.directed() && !k.partner.empty() && k.partner < k.reporter) {
          std::swap(k.reporter, k.partner);
        }
        keys.insert(std::move(k));
      }
    }
  }
  return {keys.begin(), keys.end()};
}

}  // namespace dyad
