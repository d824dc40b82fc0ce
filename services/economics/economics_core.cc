#include "economics_core.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/records.h"
#include "common/status.h"
#include "common/validation.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "reconcile.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Indicator;
using dyad::economics::v1::Observation;
using dyad::economics::v1::SeriesPoint;
using dyad::type::v1::PartialDate;
using dyad::type::v1::Quantity;

constexpr size_t kMaxShortText = 200;
constexpr size_t kMaxCommodity = 64;
// Derived indicators may feed on derived indicators; deeper than this is a
// cycle in some plugin's definitions.
constexpr int kMaxDeriveDepth = 8;

std::string DateKey(const PartialDate& d) {
  return absl::StrCat(d.year(), "-", d.month(), "-", d.day());
}

bool Overlaps(const PartialDate& d, const DaySpan& span) {
  return d.year() > 0 && FirstDay(d) <= span.last && LastDay(d) >= span.first;
}

std::string Shown(absl::string_view s) { return std::string(s.substr(0, 100)); }

// One point from the figures of one period (or the figures "to date"),
// ordered by name.
SeriesPoint ReconciledPoint(const std::vector<Observation>& group, const Indicator& indicator) {
  SeriesPoint p;
  const Reconciliation r = Reconcile(group);
  *p.mutable_value() = group[r.chosen].value();
  if (p.value().unit().empty()) p.mutable_value()->set_unit(indicator.unit());
  p.set_disputed(r.disputed);
  p.set_rule(r.rule);
  for (const auto& o : group) *p.add_observations() = o;
  return p;
}

// Sets change_percent of every dated point against the dated point before
// it; the point "to date" has none.
void SetChanges(std::vector<SeriesPoint>* points) {
  const SeriesPoint* previous = nullptr;
  for (auto& p : *points) {
    if (p.period().year() == 0) continue;
    if (previous != nullptr) {
      if (auto c = ChangePercent(previous->value().value(), p.value().value())) {
        p.set_change_percent(*c);
      }
    }
    previous = &p;
  }
}

}  // namespace

EconomicsCore::EconomicsCore(std::unique_ptr<ObservationStore> store, const PluginSet* plugins,
                             size_t series_cache_entries, size_t series_cache_bytes)
    : store_(std::move(store)), series_cache_(series_cache_entries, series_cache_bytes), plugins_(plugins) {
  if (plugins_ != nullptr) {
    for (const auto& p : plugins_->plugins()) {
      if (!p.Contributes("economics")) continue;
      for (auto ind : p.bundle.indicators()) {
        ind.set_plugin(p.name);
        indicators_[ind.id()] = std::move(ind);
      }
    }
  }
}

absl::StatusOr<std::vector<std::string>> EconomicsCore::LoadPluginRecords() {
  series_cache_.Invalidate();
  return dyad::LoadPluginRecords(
      plugins_, "economics", "observations", *store_,
      [&](const LoadedPlugin& p) -> absl::StatusOr<std::vector<Observation>> {
        std::vector<Observation> observations;
        observations.reserve(p.bundle.observations_size());
        for (Observation o : p.bundle.observations()) {
          // Indicators exist (ValidatePlugins); units are checked here, since a
          // series can only reconcile figures of one unit.
          auto it = indicators_.find(o.indicator());
          if (it != indicators_.end() && o.value().unit() != it->second.unit()) {
            return absl::FailedPreconditionError(absl::StrCat(
                "plugin ", p.name, ": ", o.name(), ": unit \"", o.value().unit(),
                "\" is not the unit of indicator ", o.indicator(), " (\"", it->second.unit(), "\")"));
          }
          o.set_plugin(p.name);
          o.set_origin(dyad::type::v1::ORIGIN_CURATED);
          observations.push_back(std::move(o));
        }
        return observations;
      });
}

dyad::economics::v1::ListIndicatorsResponse EconomicsCore::ListIndicators() const {
  dyad::economics::v1::ListIndicatorsResponse resp;
  for (const auto& [id, ind] : indicators_) *resp.add_indicators() = ind;
  return resp;
}

absl::StatusOr<std::shared_ptr<const std::string>> EconomicsCore::GetSeriesSerialized(
    const dyad::economics::v1::GetSeriesRequest& req) {
  return series_cache_.GetOrCompute(req, [&] { return GetSeries(req); });
}

absl::StatusOr<dyad::economics::v1::Series> EconomicsCore::GetSeries(
    const dyad::economics::v1::GetSeriesRequest& req) const {
  if (req.indicator().empty()) {
    return InvalidField("indicator", "is required; ListIndicators lists the known ones");
  }
  if (auto s = ValidateText(req.indicator(), "indicator", kMaxShortText); !s.ok()) return s;
  auto it = indicators_.find(req.indicator());
  if (it == indicators_.end()) {
    return absl::NotFoundError(absl::StrCat("indicator \"", Shown(req.indicator()),
                                            "\" not found; ListIndicators lists the known ones"));
  }
  if (auto s = ValidateCountry(req.reporter(), "reporter"); !s.ok()) return s;
  if (!req.partner().empty()) {
    if (auto s = ValidateCountry(req.partner(), "partner"); !s.ok()) return s;
  }
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (auto s = ValidateText(req.commodity(), "commodity", kMaxCommodity); !s.ok()) return s;
  if (!dyad::type::v1::Origin_IsValid(req.origin())) {
    return InvalidField("origin", absl::StrCat("unknown value ", req.origin()));
  }
  const Indicator& ind = it->second;
  // The whole series first: change_percent of the first point in the
  // period still compares with the point before it.
  auto points = BuildSeries(ind, req.reporter(), req.partner(), req.commodity(), req.origin(), 0);
  if (!points.ok()) return points.status();
  dyad::economics::v1::Series series;
  series.set_indicator(ind.id());
  series.set_reporter(req.reporter());
  series.set_partner(req.partner());
  series.set_unit(ind.unit());
  series.set_derived(ind.derived());
  series.set_commodity(req.commodity());
  const DaySpan span = RangeDays(req.period());
  for (auto& p : *points) {
    if (Overlaps(p.period().year() > 0 ? p.period() : p.as_of(), span)) {
      *series.add_points() = std::move(p);
    }
  }
  return series;
}

absl::StatusOr<std::vector<SeriesPoint>> EconomicsCore::BuildSeries(const Indicator& indicator,
                                                                    const std::string& reporter,
                                                                    const std::string& partner,
                                                                    const std::string& commodity,
                                                                    int origin, int depth) const {
  auto points = indicator.derived()
                    ? DerivedPoints(indicator, reporter, partner, commodity, origin, depth)
                    : SourcedPoints(indicator, reporter, partner, commodity, origin);
  if (!points.ok()) return points.status();
  SetChanges(&*points);
  return points;
}

absl::StatusOr<std::vector<SeriesPoint>> EconomicsCore::SourcedPoints(
    const Indicator& indicator, const std::string& reporter, const std::string& partner,
    const std::string& commodity, int origin) const {
  auto observations =
      store_->ListSeries(indicator.id(), reporter, partner, !indicator.directed(), commodity);
  if (!observations.ok()) return observations.status();
  std::map<int64_t, std::vector<Observation>> dated;  // by SortKey(period): one group per period
  std::vector<Observation> to_date;
  for (auto& o : *observations) {
    // Filtered here rather than in SQL: a series is one dyad's figures of
    // one indicator, a few hundred rows at most, read whole anyway. Rows
    // stored before origins existed have none in their body and are
    // curated (the column's default).
    const int own = o.origin() != 0 ? o.origin() : dyad::type::v1::ORIGIN_CURATED;
    if (origin != 0 && own != origin) continue;
    if (o.period().year() > 0) {
      dated[SortKey(o.period())].push_back(std::move(o));
    } else {
      to_date.push_back(std::move(o));
    }
  }
  auto by_name = [](const Observation& a, const Observation& b) { return a.name() < b.name(); };
  std::vector<SeriesPoint> points;
  for (auto& [key, group] : dated) {
    std::sort(group.begin(), group.end(), by_name);
    SeriesPoint p = ReconciledPoint(group, indicator);
    *p.mutable_period() = group.front().period();
    points.push_back(std::move(p));
  }
  if (!to_date.empty()) {
    std::sort(to_date.begin(), to_date.end(), by_name);
    SeriesPoint p = ReconciledPoint(to_date, indicator);
    const PartialDate* latest = nullptr;
    for (const auto& o : to_date) {
      if (o.as_of().year() > 0 && (latest == nullptr || SortKey(o.as_of()) > SortKey(*latest))) {
        latest = &o.as_of();
      }
    }
    if (latest != nullptr) *p.mutable_as_of() = *latest;
    points.push_back(std::move(p));
  }
  return points;
}

absl::StatusOr<std::vector<SeriesPoint>> EconomicsCore::DerivedPoints(
    const Indicator& indicator, const std::string& reporter, const std::string& partner,
    const std::string& commodity, int origin, int depth) const {
  const LoadedPlugin* plugin = plugins_ != nullptr ? plugins_->Find(indicator.plugin()) : nullptr;
  if (plugin == nullptr || !plugin->Implements(dyad::plugin::v1::HOOK_DERIVE)) {
    return absl::FailedPreconditionError(
        absl::StrCat("plugin ", indicator.plugin(), " contributes the derived indicator ",
                     indicator.id(), " but does not implement HOOK_DERIVE"));
  }
  if (depth >= kMaxDeriveDepth) {
    return absl::FailedPreconditionError(
        absl::StrCat("derived indicator ", indicator.id(), ": inputs nest more than ",
                     kMaxDeriveDepth, " levels deep (do derived indicators feed on each other?)"));
  }
  dyad::plugin::v1::HookRequest hook;
  auto* derive = hook.mutable_derive();
  derive->set_indicator(indicator.id());
  derive->set_reporter(reporter);
  derive->set_partner(partner);
  for (const auto& input_id : indicator.inputs()) {
    auto it = indicators_.find(input_id);
    if (it == indicators_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "derived indicator ", indicator.id(), ": input ", input_id,
          " is not an indicator of a loaded economics plugin"));
    }
    auto input_points = BuildSeries(it->second, reporter, partner, commodity, origin, depth + 1);
    if (!input_points.ok()) return input_points.status();
    auto* series = derive->add_inputs();
    series->set_indicator(input_id);
    for (const auto& p : *input_points) {
      if (p.period().year() == 0) continue;  // a stock "to date" has no period to compute for
      auto* v = series->add_values();
      *v->mutable_period() = p.period();
      v->set_value(p.value().value());
      std::set<std::pair<std::string, std::string>> seen;
      for (const auto& o : p.observations()) {
        for (const auto& c : o.citations()) {
          if (seen.emplace(c.source_id(), c.locator()).second) *v->add_citations() = c;
        }
      }
    }
  }
  auto resp = plugins_->CallHook(*plugin, hook);
  if (!resp.ok()) return resp.status();
  if (!resp->has_derive()) {
    return absl::InternalError(absl::StrCat("plugin ", plugin->name,
                                            ": HOOK_DERIVE answered without a DeriveResponse for ",
                                            indicator.id()));
  }
  const auto& out = resp->derive();
  std::vector<SeriesPoint> points;
  std::set<std::string> periods;
  for (const auto& v : out.values()) {
    if (v.period().year() == 0 || !ValidatePartialDate(v.period(), "period").ok() ||
        !std::isfinite(v.value()) || !periods.insert(DateKey(v.period())).second) {
      return absl::InternalError(absl::StrCat("plugin ", plugin->name, ": HOOK_DERIVE returned ",
                                              "a missing, invalid or repeated period or a "
                                              "non-finite value for ", indicator.id()));
    }
    SeriesPoint p;
    *p.mutable_period() = v.period();
    Quantity* q = p.mutable_value();
    q->set_value(v.value());
    q->set_unit(indicator.unit());
    p.set_derived(true);
    p.set_rule(absl::StrCat("derived:", plugin->name));
    p.set_derivation(out.derivation());
    *p.mutable_citations() = v.citations();
    points.push_back(std::move(p));
  }
  std::sort(points.begin(), points.end(), [](const SeriesPoint& a, const SeriesPoint& b) {
    return SortKey(a.period()) < SortKey(b.period());
  });
  return points;
}

absl::StatusOr<dyad::economics::v1::ListObservationsResponse> EconomicsCore::ListObservations(
    const dyad::economics::v1::ListObservationsRequest& req) const {
  // ListObservationsRequest.countries (documented in economics.proto).
  constexpr int kMaxFilterCountries = 16;
  if (req.countries_size() > kMaxFilterCountries) {
    return InvalidField("countries", absl::StrCat("at most ", kMaxFilterCountries, " countries"));
  }
  auto size = EffectivePageSize(req.page_size());
  if (!size.ok()) return size.status();
  if (auto s = ValidateText(req.indicator(), "indicator", kMaxShortText); !s.ok()) return s;
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (auto s = ValidateText(req.commodity(), "commodity", kMaxCommodity); !s.ok()) return s;
  if (!dyad::type::v1::Origin_IsValid(req.origin())) {
    return InvalidField("origin", absl::StrCat("unknown value ", req.origin()));
  }
  const std::set<std::string> countries(req.countries().begin(), req.countries().end());
  const auto& start = req.period().start();
  const auto& end = req.period().end();
  const uint64_t fp = Fingerprint(absl::StrCat(
      req.indicator(), "|", absl::StrJoin(countries, ","), "|", DateKey(start), "|",
      DateKey(end),
      req.origin() != 0 || !req.commodity().empty()
          ? absl::StrCat("|origin=", req.origin(), "|commodity=", req.commodity())
          : ""));
  ObservationQuery q;
  if (!req.page_token().empty()) {
    auto cursor = DecodePageToken(req.page_token(), fp);
    if (!cursor.ok()) return cursor.status();
    // The cursor's name holds "indicator|name"; names never hold '|'.
    const size_t bar = cursor->name.rfind('|');
    if (bar == std::string::npos) {
      return InvalidField("page_token", "malformed page token; pass next_page_token unchanged");
    }
    q.after = ObservationCursor{cursor->name.substr(0, bar), cursor->sort_key,
                                cursor->name.substr(bar + 1)};
  }
  dyad::economics::v1::ListObservationsResponse resp;
  // A figure has at most two countries, so three or more distinct ones
  // match nothing.
  if (countries.size() > 2) return resp;
  q.indicator = req.indicator();
  q.countries.assign(countries.begin(), countries.end());
  q.period = RangeDays(req.period());
  q.limit = *size;
  q.commodity = req.commodity();
  q.origin = req.origin();
  auto page = store_->List(q);
  if (!page.ok()) return page.status();
  for (auto& o : page->observations) *resp.add_observations() = std::move(o);
  resp.set_total_size(static_cast<int32_t>(page->total_size));
  if (page->next) {
    resp.set_next_page_token(EncodePageToken(PageCursor{
        fp, page->next->sort_key, absl::StrCat(page->next->indicator, "|", page->next->name)}));
  }
  return resp;
}

const std::vector<dyad::type::v1::Source>& EconomicsCore::SourceCatalog() const {
  static const auto* const kNone = new std::vector<dyad::type::v1::Source>();
  return plugins_ != nullptr ? plugins_->sources() : *kNone;
}

absl::Status EconomicsCore::ValidateNewObservation(const Observation& o) const {
  if (o.indicator().empty()) return InvalidField("observation.indicator", "is required");
  auto it = indicators_.find(o.indicator());
  if (it == indicators_.end()) {
    if (auto s = ValidateText(o.indicator(), "observation.indicator", kMaxShortText); !s.ok()) {
      return s;
    }
    return InvalidField("observation.indicator",
                        absl::StrCat("unknown indicator \"", Shown(o.indicator()),
                                     "\"; ListIndicators lists the known ones"));
  }
  const Indicator& ind = it->second;
  if (ind.derived()) {
    return InvalidField("observation.indicator",
                        absl::StrCat(ind.id(), " is derived (computed from ",
                                     absl::StrJoin(ind.inputs(), ", "),
                                     "); record figures of its inputs instead"));
  }
  if (auto s = ValidateCountry(o.reporter(), "observation.reporter"); !s.ok()) return s;
  if (!o.partner().empty()) {
    if (auto s = ValidateCountry(o.partner(), "observation.partner"); !s.ok()) return s;
    if (o.partner() == o.reporter()) {
      return InvalidField("observation.partner", "must differ from observation.reporter");
    }
  }
  if (auto s = ValidatePartialDate(o.period(), "observation.period"); !s.ok()) return s;
  if (auto s = ValidatePartialDate(o.as_of(), "observation.as_of"); !s.ok()) return s;
  if (o.period().year() == 0 && o.as_of().year() == 0) {
    return InvalidField("observation.period",
                        "a period (the year the figure is for) or an as_of date (for a stock "
                        "\"to date\") is required");
  }
  if (!o.has_value()) return InvalidField("observation.value", "is required");
  const Quantity& v = o.value();
  // Balances and net flows (declared so by their plugin) and percentages
  // (rates of change) may be negative; counts, money and distances may not.
  // Derived indicators are never recorded.
  const bool allows_negative = IndicatorAllowsNegative(ind);
  if (auto s = ValidateObservationMagnitude(v.value(), "observation.value.value", allows_negative);
      !s.ok()) {
    return s;
  }
  if (v.upper() != 0 || v.qualifier() == Quantity::QUALIFIER_RANGE) {
    if (auto s = ValidateObservationMagnitude(v.upper(), "observation.value.upper", allows_negative);
        !s.ok()) {
      return s;
    }
  } else if (!std::isfinite(v.upper())) {
    return InvalidField("observation.value.upper", "must be a finite number");
  }
  if (!std::isfinite(v.precision()) || v.precision() < 0) {
    return InvalidField("observation.value.precision", "must be a finite number, 0 or more");
  }
  if (!Quantity::Qualifier_IsValid(v.qualifier())) {
    return InvalidField("observation.value.qualifier",
                        absl::StrCat("unknown qualifier ", static_cast<int>(v.qualifier())));
  }
  if (v.qualifier() == Quantity::QUALIFIER_RANGE && v.upper() < v.value()) {
    return InvalidField("observation.value.upper", "must not be below value for a RANGE");
  }
  if (v.unit() != ind.unit()) {
    if (auto s = ValidateText(v.unit(), "observation.value.unit", kMaxShortText); !s.ok()) return s;
    return InvalidField("observation.value.unit",
                        absl::StrCat("must be \"", ind.unit(), "\", the unit of ", ind.id(),
                                     "; got \"", Shown(v.unit()), "\""));
  }
  if (auto s = ValidateText(v.as_written(), "observation.value.as_written", kMaxShortText);
      !s.ok()) {
    return s;
  }
  if (auto s = ValidateText(o.fact(), "observation.fact", kMaxShortText); !s.ok()) return s;
  if (o.citations().empty()) {
    return InvalidField("observation.citations",
                        "at least one citation {source_id, locator} is required");
  }
  if (o.citations_size() > 50) return InvalidField("observation.citations", "at most 50");
  for (int i = 0; i < o.citations_size(); ++i) {
    const auto& c = o.citations(i);
    const std::string f = absl::StrCat("observation.citations[", i, "]");
    if (c.source_id().empty()) return InvalidField(absl::StrCat(f, ".source_id"), "is required");
    if (c.locator().empty()) return InvalidField(absl::StrCat(f, ".locator"), "is required");
    if (auto s = ValidateText(c.source_id(), absl::StrCat(f, ".source_id"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateText(c.locator(), absl::StrCat(f, ".locator"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateMultilineText(c.note(), absl::StrCat(f, ".note"), kMaxShortText * 5); !s.ok()) return s;
    if (auto s = ValidateKnownSource(c.source_id(), absl::StrCat(f, ".source_id"), SourceCatalog());
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Observation> EconomicsCore::RecordObservation(
    const dyad::economics::v1::RecordObservationRequest& req) {
  if (!req.has_observation()) return InvalidField("observation", "is required");
  Observation o = req.observation();
  if (auto s = ValidateNewObservation(o); !s.ok()) return s;
  if (!req.observation_id().empty()) {
    if (auto s = ValidateId(req.observation_id(), "observation_id"); !s.ok()) return s;
  }
  // Output-only fields are set here, whatever the client sent.
  o.clear_plugin();
  o.set_origin(dyad::type::v1::ORIGIN_CURATED);
  o.clear_name();
  // Domain checks from plugins that implement the validate hook.
  if (plugins_ != nullptr) {
    for (const auto& p : plugins_->plugins()) {
      if (!p.Contributes("economics") || !p.Implements(dyad::plugin::v1::HOOK_VALIDATE)) continue;
      dyad::plugin::v1::HookRequest hook;
      *hook.mutable_validate()->mutable_observation() = o;
      auto resp = plugins_->CallHook(p, hook);
      if (!resp.ok()) return resp.status();
      if (resp->validate().violations_size() > 0) {
        const auto& v = resp->validate().violations(0);
        return InvalidField(v.field(), v.description());
      }
    }
  }
  const bool chosen = !req.observation_id().empty();
  const PartialDate& date = o.period().year() > 0 ? o.period() : o.as_of();
  const std::string slug =
      Slug(absl::StrCat(o.indicator(), " ", o.reporter(), " ", o.partner(), " ", date.year()), 54,
           "observation");
  for (int attempt = 0; attempt < 3; ++attempt) {
    o.set_name(absl::StrCat("observations/",
                            chosen ? req.observation_id() : absl::StrCat(slug, "-", RandomSuffix())));
    absl::Status s = store_->Insert(o);
    if (s.ok()) {
      series_cache_.Invalidate();
      return o;
    }
    if (!absl::IsAlreadyExists(s) || chosen) return s;
  }
  return absl::AbortedError("could not pick a free observation id; retry");
}

dyad::economics::v1::ListSourcesResponse EconomicsCore::ListSources() const {
  dyad::economics::v1::ListSourcesResponse resp;
  if (plugins_ != nullptr) {
    for (const auto& s : plugins_->sources()) *resp.add_sources() = s;
  }
  return resp;
}

}  // namespace dyad::economics
