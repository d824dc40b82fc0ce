// Derived economic indicators (HOOK_DERIVE), computed from the reconciled
// values of their inputs that the economics service sends:
//   trade.balance                   exports minus imports, per period in which
//                                   both have a value;
//   trade.turnover_growth_computed  percent change of turnover against the
//                                   year before, only between consecutive years.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "plugin_sdk.h"

namespace {

using dyad::plugin::v1::DeriveRequest;
using dyad::plugin::v1::DeriveResponse;
using dyad::plugin::v1::HookRequest;
using dyad::plugin::v1::HookResponse;
using dyad::plugin::v1::InputSeries;
using dyad::plugin::v1::PeriodValue;

using PeriodKey = std::tuple<int, int, int>;  // year, month, day: sorts like the periods do here

PeriodKey KeyOf(const dyad::type::v1::PartialDate& d) { return {d.year(), d.month(), d.day()}; }

// The values of one input, by period.
absl::StatusOr<std::map<PeriodKey, const PeriodValue*>> Input(const DeriveRequest& req,
                                                              const std::string& id) {
  for (const InputSeries& s : req.inputs()) {
    if (s.indicator() != id) continue;
    std::map<PeriodKey, const PeriodValue*> values;
    for (const PeriodValue& v : s.values()) {
      if (v.period().year() > 0) values[KeyOf(v.period())] = &v;
    }
    return values;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("economy: ", req.indicator(), " needs the input series ", id));
}

void AddCitations(const PeriodValue& from, PeriodValue* to,
                  std::set<std::pair<std::string, std::string>>* seen) {
  for (const auto& c : from.citations()) {
    if (seen->emplace(c.source_id(), c.locator()).second) *to->add_citations() = c;
  }
}

absl::StatusOr<DeriveResponse> Balance(const DeriveRequest& req) {
  auto exports = Input(req, "trade.exports");
  if (!exports.ok()) return exports.status();
  auto imports = Input(req, "trade.imports");
  if (!imports.ok()) return imports.status();
  DeriveResponse out;
  out.set_derivation(
      "exports minus imports (reconciled values of trade.exports and trade.imports), for each "
      "period in which both have a value");
  for (const auto& [key, ex] : *exports) {
    auto im = imports->find(key);
    if (im == imports->end()) continue;
    PeriodValue* v = out.add_values();
    *v->mutable_period() = ex->period();
    v->set_value(ex->value() - im->second->value());
    std::set<std::pair<std::string, std::string>> seen;
    AddCitations(*ex, v, &seen);
    AddCitations(*im->second, v, &seen);
  }
  return out;
}

absl::StatusOr<DeriveResponse> TurnoverGrowth(const DeriveRequest& req) {
  auto turnover = Input(req, "trade.turnover");
  if (!turnover.ok()) return turnover.status();
  // Yearly values only: a month's figure is not compared with a year's.
  std::map<int, const PeriodValue*> years;
  for (const auto& [key, v] : *turnover) {
    if (std::get<1>(key) == 0) years[std::get<0>(key)] = v;
  }
  DeriveResponse out;
  out.set_derivation(
      "percent change of reconciled trade.turnover against the year before: "
      "(this year - previous year) / previous year x 100; only for consecutive years");
  for (const auto& [year, cur] : years) {
    auto prev = years.find(year - 1);
    if (prev == years.end() || prev->second->value() == 0) continue;
    PeriodValue* v = out.add_values();
    *v->mutable_period() = cur->period();
    v->set_value((cur->value() - prev->second->value()) / std::fabs(prev->second->value()) * 100.0);
    std::set<std::pair<std::string, std::string>> seen;
    AddCitations(*prev->second, v, &seen);
    AddCitations(*cur, v, &seen);
  }
  return out;
}

absl::StatusOr<HookResponse> Call(const HookRequest& req) {
  if (!req.has_derive()) {
    return absl::InvalidArgumentError("economy implements only HOOK_DERIVE");
  }
  const DeriveRequest& d = req.derive();
  absl::StatusOr<DeriveResponse> out;
  if (d.indicator() == "trade.balance") {
    out = Balance(d);
  } else if (d.indicator() == "trade.turnover_growth_computed") {
    out = TurnoverGrowth(d);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("economy: no derivation for indicator \"", d.indicator(), "\""));
  }
  if (!out.ok()) return out.status();
  HookResponse resp;
  *resp.mutable_derive() = std::move(*out);
  return resp;
}

}  // namespace

const dyad::plugin::Hooks& DyadPluginHooks() {
  static const dyad::plugin::Hooks hooks{{dyad::plugin::v1::HOOK_DERIVE}, &Call};
  return hooks;
}
