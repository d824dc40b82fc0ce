// GetYearInReview: a year's events, institutions founded, and figures with
// their change against the year before; and the series helpers it shares
// with the other answers.
#include <algorithm>
#include <iterator>
#include <set>

#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {

namespace ec = dyad::economics::v1;
namespace gw = dyad::gateway::v1;

ec::GetSeriesRequest SeriesRequest(const SeriesKey& key, int from_year, int to_year) {
  ec::GetSeriesRequest r;
  r.set_indicator(key.indicator);
  r.set_reporter(key.reporter);
  r.set_partner(key.partner);
  if (from_year > 0) r.mutable_period()->mutable_start()->set_year(from_year);
  if (to_year > 0) r.mutable_period()->mutable_end()->set_year(to_year);
  return r;
}

YearPoints PointsForYear(const ec::Series& series, int year) {
  YearPoints y;
  for (const auto& p : series.points()) {
    if (p.period().year() == year && PrecisionOf(p.period()) == DatePrecision::kYear) {
      y.current = &p;
    }
    if (p.period().year() == year - 1 && PrecisionOf(p.period()) == DatePrecision::kYear) {
      y.previous = &p;
    }
  }
  return y;
}

std::optional<gw::IndicatorValue> ValueForYear(const ec::Indicator& indicator,
                                               const ec::Series& series, int year) {
  const YearPoints y = PointsForYear(series, year);
  if (y.current == nullptr) return std::nullopt;
  gw::IndicatorValue v;
  *v.mutable_indicator() = indicator;
  *v.mutable_point() = *y.current;
  if (y.previous != nullptr) *v.mutable_previous() = *y.previous;
  // A change against an older point is not a change against the year
  // before, and a rate's change is in points, not percent.
  if (y.previous == nullptr || indicator.unit() == "percent" || series.unit() == "percent") {
    v.mutable_point()->clear_change_percent();
  }
  return v;
}

void ComposeYearInReview(int year, std::vector<dyad::events::v1::Event> events,
                         std::vector<dyad::institutions::v1::Institution> institutions,
                         std::vector<gw::IndicatorValue> values, gw::GetYearInReviewResponse* out) {
  out->set_year(year);
  auto oldest_first = [](const auto& a, const auto& b) {
    if (SortKey(a.date()) != SortKey(b.date())) return SortKey(a.date()) < SortKey(b.date());
    return a.name() < b.name();
  };
  // Curated events first, all of them. Of the machine-coded ones (a
  // dataset may code hundreds a year for one dyad) only the most reported
  // are shown; the intensity series counts them all.
  auto coded_begin = std::stable_partition(events.begin(), events.end(),
                                           [](const auto& e) { return !IsMachineCoded(e); });
  std::vector<dyad::events::v1::Event> coded(std::make_move_iterator(coded_begin),
                                             std::make_move_iterator(events.end()));
  events.erase(coded_begin, events.end());
  out->set_machine_coded_events_total(static_cast<int32_t>(coded.size()));
  if (coded.size() > kMaxCodedEvents) {
    std::partial_sort(coded.begin(), coded.begin() + kMaxCodedEvents, coded.end(), MoreReported);
    coded.resize(kMaxCodedEvents);
  }
  std::stable_sort(events.begin(), events.end(), oldest_first);
  std::stable_sort(coded.begin(), coded.end(), oldest_first);
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.indicator().id() < b.indicator().id();
  });
  for (auto& e : events) *out->add_events() = std::move(e);
  for (auto& e : coded) *out->add_events() = std::move(e);
  for (auto& i : institutions) *out->add_institutions_founded() = std::move(i);
  for (auto& v : values) *out->add_indicators() = std::move(v);
}

}  // namespace dyad::gateway
