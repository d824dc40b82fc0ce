// Event counts over time (the intensity series of the overview and the year
// in review) and counts by kind and domain, from EventService.CountEvents:
// the backend counts, so the gateway never reads every imported row to
// learn how many there are.
#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_format.h"
#include "compose.h"

namespace dyad::gateway {
namespace {

namespace ev = dyad::events::v1;
namespace gw = dyad::gateway::v1;

// The sums behind a bucket, so buckets can be added up.
struct Sums {
  int64_t count = 0;
  double goldstein_sum = 0;
  int64_t goldstein_count = 0;
  double tone_sum = 0;
  int64_t tone_count = 0;

  void Add(const ev::EventCountBucket& b) {
    count += b.count();
    goldstein_count += b.goldstein_count();
    tone_count += b.tone_count();
    if (b.has_goldstein_sum()) goldstein_sum += b.goldstein_sum();
    // The backend gives the tone as a mean; its count restores the sum.
    if (b.has_mean_tone()) tone_sum += b.mean_tone() * static_cast<double>(b.tone_count());
  }
};

gw::IntensityBucket Bucket(int year, int month) {
  gw::IntensityBucket b;
  b.mutable_period()->set_year(year);
  if (month > 0) b.mutable_period()->set_month(month);
  b.set_label(month > 0 ? absl::StrFormat("%04d-%02d", year, month) : absl::StrFormat("%04d", year));
  return b;
}

}  // namespace

gw::IntensitySeries IntensityOf(const ev::CountEventsResponse& by_month) {
  gw::IntensitySeries series;
  int first = 0, last = 0;
  for (const auto& b : by_month.buckets()) {
    if (first == 0 || b.year() < first) first = b.year();
    last = std::max(last, b.year());
  }
  const bool monthly = by_month.buckets_size() > 0 && last - first + 1 <= kMonthlySpanYears &&
                       std::all_of(by_month.buckets().begin(), by_month.buckets().end(),
                                   [](const auto& b) { return b.quarter() == 0; });
  series.set_granularity(monthly ? ev::GRANULARITY_MONTH : ev::GRANULARITY_YEAR);
  if (monthly) {
    // As the backend gave them (its means unchanged), in its order: by
    // year, the year-only bucket before the months.
    for (const auto& b : by_month.buckets()) {
      gw::IntensityBucket* out = series.add_buckets();
      *out = Bucket(b.year(), b.month());
      out->set_count(b.count());
      if (b.has_goldstein_sum()) out->set_goldstein_sum(b.goldstein_sum());
      if (b.has_goldstein_mean()) out->set_goldstein_mean(b.goldstein_mean());
      if (b.has_mean_tone()) out->set_mean_tone(b.mean_tone());
      out->set_goldstein_count(b.goldstein_count());
      out->set_tone_count(b.tone_count());
      series.set_total(series.total() + b.count());
    }
    return series;
  }
  std::map<int, Sums> years;
  for (const auto& b : by_month.buckets()) years[b.year()].Add(b);
  for (const auto& [year, s] : years) {
    gw::IntensityBucket* out = series.add_buckets();
    *out = Bucket(year, 0);
    out->set_count(s.count);
    if (s.goldstein_count > 0) {
      out->set_goldstein_sum(s.goldstein_sum);
      out->set_goldstein_mean(s.goldstein_sum / static_cast<double>(s.goldstein_count));
    }
    if (s.tone_count > 0) out->set_mean_tone(s.tone_sum / static_cast<double>(s.tone_count));
    out->set_goldstein_count(s.goldstein_count);
    out->set_tone_count(s.tone_count);
    series.set_total(series.total() + s.count);
  }
  return series;
}

EventCounts CountsFromKindBuckets(const ev::CountEventsResponse& by_kind,
                                  const std::map<std::string, std::string>& kind_domains) {
  EventCounts c;
  for (const auto& b : by_kind.buckets()) {
    c.by_kind[b.group()] += b.count();
    c.by_domain[InstitutionDomain(b.group(), kind_domains)] += b.count();
  }
  return c;
}

}  // namespace dyad::gateway
