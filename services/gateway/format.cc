// Amounts and figure titles in words, for composed answers.
#include <cmath>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {

std::string FormatAmount(double value, const std::string& unit) {
  if (std::fabs(value) >= 1e9) return absl::StrFormat("%.4g billion %s", value / 1e9, unit);
  if (std::fabs(value) >= 1e6) return absl::StrFormat("%.4g million %s", value / 1e6, unit);
  return absl::StrFormat("%.6g %s", value, unit);
}

std::string FigureTitle(const dyad::economics::v1::Observation& o, const std::string& display_name) {
  const std::string value = o.value().as_written().empty()
                                ? FormatAmount(o.value().value(), o.value().unit())
                                : o.value().as_written();
  const std::string when = o.period().year() > 0 ? FormatPartialDate(o.period())
                                                 : absl::StrCat("to ", FormatPartialDate(o.as_of()));
  return absl::StrCat(display_name.empty() ? o.indicator() : display_name, " ", o.reporter(),
                      o.partner().empty() ? "" : "–", o.partner(), " ", when, ": ", value);
}

std::string IndicatorDomain(const dyad::economics::v1::Indicator& indicator) {
  if (!indicator.plugin().empty()) return indicator.plugin();
  return "economy";
}

std::string InstitutionDomain(const std::string& kind,
                              const std::map<std::string, std::string>& kind_domains) {
  auto it = kind_domains.find(kind);
  if (it != kind_domains.end() && !it->second.empty()) return it->second;
  return kind.substr(0, kind.find('.'));
}

bool IsMachineCoded(const dyad::events::v1::Event& e) {
  return e.origin() == dyad::type::v1::ORIGIN_MACHINE_CODED;
}

bool IsMachineCoded(const dyad::economics::v1::Observation& o) {
  return o.origin() == dyad::type::v1::ORIGIN_MACHINE_CODED;
}

bool AdmitsCurated(dyad::type::v1::Origin filter) {
  return filter != dyad::type::v1::ORIGIN_MACHINE_CODED;
}

bool AdmitsMachineCoded(dyad::type::v1::Origin filter) {
  return filter != dyad::type::v1::ORIGIN_CURATED;
}

bool MoreReported(const dyad::events::v1::Event& a, const dyad::events::v1::Event& b) {
  // Unset measures (ICEWS gives no mentions) count as none.
  auto key = [](const dyad::events::v1::Event& e) {
    return std::tuple(e.coded().num_mentions(), e.coded().num_sources(), e.coded().num_articles());
  };
  if (key(a) != key(b)) return key(a) > key(b);
  if (SortKey(a.date()) != SortKey(b.date())) return SortKey(a.date()) < SortKey(b.date());
  return a.name() < b.name();
}

}  // namespace dyad::gateway
