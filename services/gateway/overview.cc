// GetOverview: milestones, headline figures and counts for a dyad.
#include <algorithm>
#include <set>

#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {

namespace gw = dyad::gateway::v1;

const std::vector<std::string>& KeyIndicators() {
  static const auto* const kKeys = new std::vector<std::string>{
      "trade.turnover", "trade.exports", "trade.imports", "investment.stock",
      "investment.companies"};
  return *kKeys;
}

bool IsMilestoneKind(const std::string& kind) {
  static const auto* const kMilestones = new std::set<std::string>{
      "diplomacy.recognition", "diplomacy.relations.established", "diplomacy.partnership.raised"};
  return kMilestones->count(kind) > 0;
}

std::optional<gw::HeadlineFigure> Headline(const dyad::economics::v1::Indicator& indicator,
                                           const dyad::economics::v1::Series& series) {
  const dyad::economics::v1::SeriesPoint* latest = nullptr;
  auto when = [](const dyad::economics::v1::SeriesPoint& p) {
    // A figure for a year counts from the end of that year, a stock "to
    // date" from its date: a 2022 stock is later than a 2021 yearly figure.
    return p.period().year() > 0 ? LastDay(p.period())
                                 : (p.as_of().year() > 0 ? FirstDay(p.as_of()) : kMinDay);
  };
  for (const auto& p : series.points()) {
    if (latest == nullptr || when(p) >= when(*latest)) latest = &p;
  }
  if (latest == nullptr) return std::nullopt;
  gw::HeadlineFigure f;
  *f.mutable_indicator() = indicator;
  *f.mutable_point() = *latest;
  f.set_reporter(series.reporter());
  f.set_partner(series.partner());
  return f;
}

void ComposeOverview(const std::vector<dyad::events::v1::Event>& events,
                     const std::vector<dyad::institutions::v1::Institution>& institutions,
                     std::vector<gw::HeadlineFigure> figures, gw::GetOverviewResponse* out) {
  std::vector<const dyad::events::v1::Event*> milestones;
  std::map<std::string, int> by_domain, by_kind, institutions_by_kind;
  for (const auto& e : events) {
    if (IsMilestoneKind(e.kind())) milestones.push_back(&e);
    ++by_domain[e.domain()];
    ++by_kind[e.kind()];
  }
  for (const auto& i : institutions) ++institutions_by_kind[i.kind()];
  std::stable_sort(milestones.begin(), milestones.end(), [](const auto* a, const auto* b) {
    if (SortKey(a->date()) != SortKey(b->date())) return SortKey(a->date()) < SortKey(b->date());
    return a->name() < b->name();
  });
  for (const auto* m : milestones) *out->add_milestones() = *m;
  for (auto& f : figures) *out->add_headline_figures() = std::move(f);
  auto fill = [](const std::map<std::string, int>& counts,
                 google::protobuf::RepeatedPtrField<gw::Count>* dst) {
    for (const auto& [key, n] : counts) {
      gw::Count* c = dst->Add();
      c->set_key(key);
      c->set_count(n);
    }
  };
  fill(by_domain, out->mutable_events_by_domain());
  fill(by_kind, out->mutable_events_by_kind());
  fill(institutions_by_kind, out->mutable_institutions_by_kind());
}

}  // namespace dyad::gateway
