// EconomicsCore's import path: statistical figures (UN Comtrade, WDI rows
// mapped by an importer) are checked against the plugins' indicators and
// the source catalog, given a deterministic name, and written a message at
// a time.
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/records.h"
#include "common/status.h"
#include "common/validation.h"
#include "economics_core.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;

constexpr int kMaxPerMessage = 10000;
constexpr int kMaxRejectionsReported = 100;
constexpr size_t kMaxUpstreamId = 200;
constexpr size_t kMaxCommodity = 64;
constexpr size_t kMaxText = 1000;
constexpr size_t kMaxUrl = 2000;

}  // namespace

absl::StatusOr<ImportedObservation> EconomicsCore::MapImported(
    Observation o, const std::set<std::string>& known) const {
  int row_citation = -1;
  for (int i = 0; i < o.citations_size(); ++i) {
    if (!o.citations(i).has_row()) continue;
    if (row_citation >= 0) {
      return InvalidField(absl::StrCat("citations[", i, "].row"),
                          "only one citation may name a dataset row");
    }
    row_citation = i;
  }
  if (row_citation < 0) {
    return InvalidField("citations", "one citation with a dataset row {source_id, row} is required");
  }
  if (o.citations_size() > 50) return InvalidField("citations", "at most 50");
  for (int i = 0; i < o.citations_size(); ++i) {
    const auto& c = o.citations(i);
    const std::string f = absl::StrCat("citations[", i, "]");
    if (c.source_id().empty()) return InvalidField(absl::StrCat(f, ".source_id"), "is required");
    if (!known.count(c.source_id())) {
      return InvalidField(absl::StrCat(f, ".source_id"),
                          absl::StrCat("unknown source \"", c.source_id().substr(0, 64),
                                       "\"; ListSources lists the catalog"));
    }
    for (const auto* t : {&c.locator(), &c.note(), &c.row().file()}) {
      if (auto s = ValidateText(*t, f, kMaxText); !s.ok()) return s;
    }
    if (auto s = ValidateText(c.url(), absl::StrCat(f, ".url"), kMaxUrl); !s.ok()) return s;
  }
  const auto& row = o.citations(row_citation);
  const std::string rf = absl::StrCat("citations[", row_citation, "].row.upstream_id");
  if (row.row().upstream_id().empty()) return InvalidField(rf, "is required");
  if (auto s = ValidateText(row.row().upstream_id(), rf, kMaxUpstreamId); !s.ok()) return s;

  if (o.indicator().empty()) return InvalidField("indicator", "is required");
  auto it = indicators_.find(o.indicator());
  if (it == indicators_.end()) {
    return InvalidField("indicator", absl::StrCat("unknown indicator \"", o.indicator().substr(0, 100),
                                                  "\": no loaded plugin declares it"));
  }
  const auto& ind = it->second;
  if (ind.derived()) {
    return InvalidField("indicator", absl::StrCat(ind.id(), " is derived; import its inputs"));
  }
  if (auto s = ValidateCountry(o.reporter(), "reporter"); !s.ok()) return s;
  if (!o.partner().empty()) {
    if (auto s = ValidateCountry(o.partner(), "partner"); !s.ok()) return s;
    if (o.partner() == o.reporter()) return InvalidField("partner", "must differ from reporter");
  }
  if (auto s = ValidateRequiredDate(o.period(), "period"); !s.ok()) return s;
  if (auto s = ValidatePartialDate(o.as_of(), "as_of"); !s.ok()) return s;
  if (!o.has_value()) return InvalidField("value", "is required");
  auto* v = o.mutable_value();
  const bool allows_negative = IndicatorAllowsNegative(ind);
  if (auto s = ValidateObservationMagnitude(v->value(), "value.value", allows_negative); !s.ok()) {
    return s;
  }
  if (v->upper() != 0 || v->qualifier() == dyad::type::v1::Quantity::QUALIFIER_RANGE) {
    if (auto s = ValidateObservationMagnitude(v->upper(), "value.upper", allows_negative);
        !s.ok()) {
      return s;
    }
  } else if (!std::isfinite(v->upper())) {
    return InvalidField("value.upper", "must be a finite number");
  }
  if (!std::isfinite(v->precision()) || v->precision() < 0) {
    return InvalidField("value.precision", "must be a finite number, 0 or more");
  }
  if (!dyad::type::v1::Quantity::Qualifier_IsValid(v->qualifier())) {
    return InvalidField("value.qualifier", absl::StrCat("unknown qualifier ", v->qualifier()));
  }
  if (!v->unit().empty() && v->unit() != ind.unit()) {
    return InvalidField("value.unit", absl::StrCat("must be \"", ind.unit(), "\", the unit of ",
                                                   ind.id(), "; got \"", v->unit().substr(0, 64),
                                                   "\""));
  }
  v->set_unit(ind.unit());
  if (auto s = ValidateText(v->as_written(), "value.as_written", kMaxText); !s.ok()) return s;
  if (auto s = ValidateText(o.commodity(), "commodity", kMaxCommodity); !s.ok()) return s;

  ImportedObservation out;
  out.dataset = row.source_id();
  out.upstream_id = row.row().upstream_id();
  o.set_name(absl::StrCat("observations/", ImportedRecordId(out.dataset, out.upstream_id)));
  o.clear_plugin();
  o.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  out.observation = std::move(o);
  return out;
}

absl::Status EconomicsCore::ImportObservations(
    const dyad::economics::v1::ImportObservationsRequest& req, int64_t* next_index,
    dyad::economics::v1::ImportObservationsResponse* summary) {
  if (req.observations_size() > kMaxPerMessage) {
    return InvalidField("observations", absl::StrCat("at most ", kMaxPerMessage,
                                                     " per message, got ", req.observations_size()));
  }
  std::vector<ImportedObservation> batch;
  std::vector<int64_t> batch_index;
  std::vector<dyad::type::v1::ImportRejection> rejections;
  batch.reserve(req.observations_size());
  const int64_t first = *next_index;
  auto reject = [&](int64_t index, const Observation& o, std::string reason) {
    dyad::type::v1::ImportRejection r;
    r.set_index(index);
    for (const auto& c : o.citations()) {
      if (c.has_row()) {
        *r.mutable_row() = c.row();
        break;
      }
    }
    r.set_reason(std::move(reason));
    rejections.push_back(std::move(r));
  };
  std::set<std::string> known;  // the catalog's source ids
  if (plugins_ != nullptr) {
    for (const auto& s : plugins_->sources()) known.insert(s.id());
  }
  for (int i = 0; i < req.observations_size(); ++i) {
    auto mapped = MapImported(req.observations(i), known);
    if (!mapped.ok()) {
      reject(first + i, req.observations(i), std::string(mapped.status().message()));
      continue;
    }
    batch.push_back(*std::move(mapped));
    batch_index.push_back(first + i);
  }
  std::vector<ImportOutcome> outcomes;
  if (!batch.empty()) {
    auto written = store_->Import(batch);
    if (!written.ok()) return written.status();
    outcomes = *std::move(written);
    series_cache_.Invalidate();
  }
  int64_t created = 0, updated = 0, unchanged = 0;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    switch (outcomes[i]) {
      case ImportOutcome::kCreated: ++created; break;
      case ImportOutcome::kUpdated: ++updated; break;
      case ImportOutcome::kUnchanged: ++unchanged; break;
      case ImportOutcome::kNameTaken:
        reject(batch_index[i], batch[i].observation,
               absl::StrCat("name: \"", batch[i].observation.name(),
                            "\" is already taken by another record"));
        break;
    }
  }
  std::sort(rejections.begin(), rejections.end(),
            [](const auto& a, const auto& b) { return a.index() < b.index(); });
  summary->set_received(summary->received() + req.observations_size());
  summary->set_created(summary->created() + created);
  summary->set_updated(summary->updated() + updated);
  summary->set_unchanged(summary->unchanged() + unchanged);
  summary->set_rejected(summary->rejected() + static_cast<int64_t>(rejections.size()));
  for (auto& r : rejections) {
    if (summary->rejections_size() >= kMaxRejectionsReported) break;
    *summary->add_rejections() = std::move(r);
  }
  *next_index = first + req.observations_size();
  return absl::OkStatus();
}

}  // namespace dyad::economics
