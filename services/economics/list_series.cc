// ListSeries: a dyad's series of a period in one call (a batch GetSeries
// whose keys the service finds itself), so a composed answer needs one
// economics round trip instead of a list, then one read per series.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/result_cache.h"
#include "common/series_keys.h"
#include "common/status.h"
#include "common/validation.h"
#include "economics_core.h"

namespace dyad::economics {

namespace ec = dyad::economics::v1;

absl::StatusOr<ec::ListSeriesResponse> EconomicsCore::ListSeries(
    const ec::ListSeriesRequest& req) const {
  if (req.countries().empty()) {
    return InvalidField("countries", "one or two ISO 3166-1 alpha-3 codes are required");
  }
  // A figure names at most two countries.
  if (req.countries_size() > 2) {
    return InvalidField("countries", "at most 2 countries (a figure names a reporter and a partner)");
  }
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.points_period(), "points_period"); !s.ok()) return s;
  if (!dyad::type::v1::Origin_IsValid(req.origin())) {
    return InvalidField("origin", absl::StrCat("unknown value ", req.origin()));
  }
  // The figures that say which series exist: every page of the query
  // ListObservations makes for the same filters (totals only).
  ObservationQuery q;
  for (const auto& c : req.countries()) {
    if (std::find(q.countries.begin(), q.countries.end(), c) == q.countries.end()) {
      q.countries.push_back(c);
    }
  }
  q.period = RangeDays(req.period());
  q.limit = kMaxPageSize;
  q.origin = req.origin();
  std::vector<ec::Observation> figures;
  while (true) {
    auto page = store_->List(q);
    if (!page.ok()) return page.status();
    for (auto& o : page->observations) figures.push_back(std::move(o));
    if (!page->next) break;
    q.after = page->next;
  }
  ec::ListSeriesResponse resp;
  const auto& points_period = req.has_points_period() ? req.points_period() : req.period();
  std::set<std::string> listed;
  for (const SeriesKey& k : SeriesKeys(figures, indicators_, req.with_derived())) {
    auto it = indicators_.find(k.indicator);
    if (it == indicators_.end()) continue;  // a figure of an indicator no plugin has now
    ec::GetSeriesRequest one;
    one.set_indicator(k.indicator);
    one.set_reporter(k.reporter);
    one.set_partner(k.partner);
    *one.mutable_period() = points_period;
    one.set_origin(req.origin());
    auto series = GetSeries(one);
    if (!series.ok()) return series.status();
    *resp.add_series() = std::move(*series);
    if (listed.insert(k.indicator).second) *resp.add_indicators() = it->second;
  }
  std::sort(resp.mutable_indicators()->begin(), resp.mutable_indicators()->end(),
            [](const ec::Indicator& a, const ec::Indicator& b) { return a.id() < b.id(); });
  return resp;
}

absl::StatusOr<std::shared_ptr<const std::string>> EconomicsCore::ListSeriesSerialized(
    const ec::ListSeriesRequest& req) {
  // The GetSeries cache, so every write clears it; its key says which
  // method it answers.
  const std::string key = absl::StrCat("ListSeries|", CanonicalRequestKey(req));
  uint64_t generation = 0;
  if (auto hit = series_cache_.Lookup(key, &generation)) return hit;
  auto answer = ListSeries(req);
  if (!answer.ok()) return answer.status();
  auto bytes = std::make_shared<const std::string>(answer->SerializeAsString());
  series_cache_.Store(key, bytes, generation);
  return bytes;
}

}  // namespace dyad::economics
