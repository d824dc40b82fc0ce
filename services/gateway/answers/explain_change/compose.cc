// ExplainChange: an indicator's change against the year before. The
// candidate factors are ranked by ranking.h; this only puts the answer
// together.
#include "compose.h"

#include <cmath>

#include "common/validation.h"

namespace dyad::gateway {

namespace gw = dyad::gateway::v1;

dyad::type::v1::DateRange ExplainWindow(int year) {
  dyad::type::v1::DateRange r;
  r.mutable_start()->set_year(year - 1);
  r.mutable_end()->set_year(year);
  return r;
}

void ComposeExplainChange(const dyad::economics::v1::Indicator& indicator,
                          const dyad::economics::v1::Series& series, int year,
                          std::vector<gw::CandidateFactor> factors,
                          gw::ExplainChangeResponse* out) {
  *out->mutable_indicator() = indicator;
  *out->mutable_window() = ExplainWindow(year);
  const YearPoints y = PointsForYear(series, year);
  if (y.current != nullptr) *out->mutable_current() = *y.current;
  if (y.previous != nullptr) *out->mutable_previous() = *y.previous;
  if (y.current != nullptr && y.previous != nullptr) {
    if (y.current->has_change_percent()) {
      out->set_change_percent(y.current->change_percent());
    } else {
      // Same guard as the economics service: no change for absurd inputs.
      const double prev = y.previous->value().value();
      const double cur = y.current->value().value();
      const double change = prev != 0 ? (cur / prev - 1) * 100 : 0;
      if (prev != 0 && std::fabs(prev) <= kMaxObservationMagnitude &&
          std::fabs(cur) <= kMaxObservationMagnitude && std::isfinite(change)) {
        out->set_change_percent(change);
      }
    }
  }
  for (auto& f : factors) *out->add_factors() = std::move(f);
}

}  // namespace dyad::gateway
