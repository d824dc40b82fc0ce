// EventCore::CountEvents: validation, then storage's (year, month, kind,
// QuadClass) rows folded into the requested buckets and groups.
#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "common/validation.h"
#include "event_changes.h"
#include "event_core.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT: the request's enums read better unqualified

constexpr int kMaxKinds = 100;
constexpr size_t kMaxKindLength = 200;

bool KindMatches(const std::string& kind, const std::string& want) {
  return kind == want || (kind.size() > want.size() && kind.compare(0, want.size(), want) == 0 &&
                          kind[want.size()] == '.');
}

struct Sum {
  int64_t count = 0;
  double goldstein_sum = 0;
  int64_t goldstein_count = 0;
  double tone_sum = 0;
  int64_t tone_count = 0;
};

}  // namespace

absl::StatusOr<CountEventsResponse> EventCore::CountEvents(const CountEventsRequest& req) const {
  if (req.countries().empty()) return InvalidField("countries", "one or two countries are required");
  if (req.countries_size() > 2) {
    return InvalidField("countries", absl::StrCat("at most 2, got ", req.countries_size()));
  }
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (req.countries_size() == 2 && req.countries(0) == req.countries(1)) {
    return InvalidField("countries", "the two countries must differ");
  }
  if (!Direction_IsValid(req.direction())) {
    return InvalidField("direction", absl::StrCat("unknown value ", req.direction()));
  }
  const bool directed = req.direction() == DIRECTION_A_TO_B || req.direction() == DIRECTION_B_TO_A;
  if (directed && req.countries_size() != 2) {
    return InvalidField("direction", "a directed count needs two countries");
  }
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (req.kinds_size() > kMaxKinds) {
    return InvalidField("kinds", absl::StrCat("at most ", kMaxKinds, ", got ", req.kinds_size()));
  }
  for (int i = 0; i < req.kinds_size(); ++i) {
    const std::string f = absl::StrCat("kinds[", i, "]");
    if (req.kinds(i).empty()) return InvalidField(f, "must not be empty");
    if (auto s = ValidateText(req.kinds(i), f, kMaxKindLength); !s.ok()) return s;
  }
  if (!dyad::type::v1::Origin_IsValid(req.origin())) {
    return InvalidField("origin", absl::StrCat("unknown value ", req.origin()));
  }
  if (!Granularity_IsValid(req.granularity())) {
    return InvalidField("granularity", absl::StrCat("unknown value ", req.granularity()));
  }
  if (!CountGroup_IsValid(req.group_by())) {
    return InvalidField("group_by", absl::StrCat("unknown value ", req.group_by()));
  }

  CountQuery q;
  q.countries.assign(req.countries().begin(), req.countries().end());
  bool swapped = false;
  if (q.countries.size() == 2 && q.countries[1] < q.countries[0]) {
    std::swap(q.countries[0], q.countries[1]);
    swapped = true;
  }
  // Storage direction 1 is countries[0] -> countries[1] in sorted order.
  if (req.direction() == DIRECTION_A_TO_B) q.direction = swapped ? 2 : 1;
  if (req.direction() == DIRECTION_B_TO_A) q.direction = swapped ? 1 : 2;
  const DaySpan span = RangeDays(req.period());
  q.first_day = span.first;
  q.last_day = span.last;
  q.origin = req.origin();
  q.by_kind = !req.kinds().empty() || req.group_by() != COUNT_GROUP_UNSPECIFIED;
  auto rows = store_->Count(q);
  if (!rows.ok()) return rows.status();

  const Granularity g =
      req.granularity() == GRANULARITY_UNSPECIFIED ? GRANULARITY_YEAR : req.granularity();
  // (year, quarter, month, group) -> sums; quarter and month 0 for the
  // year-only events and for year buckets.
  std::map<std::tuple<int, int, int, std::string>, Sum> buckets;
  for (const CountRow& r : *rows) {
    if (!req.kinds().empty() &&
        std::none_of(req.kinds().begin(), req.kinds().end(),
                     [&](const std::string& k) { return KindMatches(r.kind, k); })) {
      continue;
    }
    int quarter = 0, month = 0;
    if (r.month > 0 && g == GRANULARITY_QUARTER) quarter = (r.month - 1) / 3 + 1;
    if (r.month > 0 && g == GRANULARITY_MONTH) month = r.month;
    std::string group;
    auto kind = kinds_.find(r.kind);
    switch (req.group_by()) {
      case COUNT_GROUP_KIND: group = r.kind; break;
      case COUNT_GROUP_PLOVER_TYPE:
        group = kind != kinds_.end() ? kind->second.plover_type() : "";
        break;
      case COUNT_GROUP_QUAD_CLASS:
        group = absl::StrCat(r.quad_class != 0                               ? r.quad_class
                             : kind != kinds_.end() ? kind->second.quad_class() : 0);
        break;
      default: break;
    }
    Sum& s = buckets[{r.year, quarter, month, group}];
    s.count += r.count;
    s.goldstein_sum += r.goldstein_sum;
    s.goldstein_count += r.goldstein_count;
    s.tone_sum += r.tone_sum;
    s.tone_count += r.tone_count;
  }
  CountEventsResponse resp;
  int64_t total = 0;
  for (const auto& [key, s] : buckets) {
    auto* b = resp.add_buckets();
    b->set_year(std::get<0>(key));
    b->set_quarter(std::get<1>(key));
    b->set_month(std::get<2>(key));
    b->set_group(std::get<3>(key));
    b->set_count(s.count);
    b->set_goldstein_count(s.goldstein_count);
    b->set_tone_count(s.tone_count);
    if (s.goldstein_count > 0) {
      b->set_goldstein_sum(s.goldstein_sum);
      b->set_goldstein_mean(s.goldstein_sum / static_cast<double>(s.goldstein_count));
    }
    if (s.tone_count > 0) b->set_mean_tone(s.tone_sum / static_cast<double>(s.tone_count));
    total += s.count;
  }
  resp.set_total(total);
  // Read after the counts: at least as new as what was counted.
  auto latest = store_->LatestRelease();
  if (!latest.ok()) return latest.status();
  if (!latest->id.empty()) *resp.mutable_release() = ReleaseProto(*latest);
  return resp;
}

}  // namespace dyad::events
