// GetOverview: milestones, headline figures and counts for a dyad.
#include <algorithm>
#include <climits>
#include <set>

#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {

namespace gw = dyad::gateway::v1;

std::vector<const dyad::economics::v1::Indicator*> HeadlineIndicators(
    const std::map<std::string, dyad::economics::v1::Indicator>& indicators) {
  std::vector<const dyad::economics::v1::Indicator*> out;
  for (const auto& [id, ind] : indicators) {
    if (ind.headline_rank() > 0) out.push_back(&ind);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return a->headline_rank() < b->headline_rank();
  });
  return out;
}

namespace {
const std::set<std::string>& Milestones() {
  static const auto* const kMilestones = new std::set<std::string>{
      "diplomacy.recognition", "diplomacy.relations.established", "diplomacy.partnership.raised"};
  return *kMilestones;
}
}  // namespace

bool IsMilestoneKind(const std::string& kind) { return Milestones().count(kind) > 0; }

std::vector<std::string> MilestoneKinds() { return {Milestones().begin(), Milestones().end()}; }

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

EventCounts CountsOf(const std::vector<dyad::events::v1::Event>& events) {
  EventCounts c;
  for (const auto& e : events) {
    ++c.by_domain[e.domain()];
    ++c.by_kind[e.kind()];
  }
  return c;
}

void ComposeOverview(const std::vector<dyad::events::v1::Event>& events, const EventCounts& counts,
                     const std::vector<dyad::institutions::v1::Institution>& institutions,
                     std::vector<gw::HeadlineFigure> figures, gw::GetOverviewResponse* out) {
  std::vector<const dyad::events::v1::Event*> milestones;
  std::map<std::string, int64_t> institutions_by_kind;
  for (const auto& e : events) {
    if (IsMilestoneKind(e.kind())) milestones.push_back(&e);
  }
  for (const auto& i : institutions) ++institutions_by_kind[i.kind()];
  // Curated first: a dataset's coding never displaces what a source says.
  std::stable_sort(milestones.begin(), milestones.end(), [](const auto* a, const auto* b) {
    if (IsMachineCoded(*a) != IsMachineCoded(*b)) return IsMachineCoded(*b);
    if (SortKey(a->date()) != SortKey(b->date())) return SortKey(a->date()) < SortKey(b->date());
    return a->name() < b->name();
  });
  for (const auto* m : milestones) *out->add_milestones() = *m;
  for (auto& f : figures) *out->add_headline_figures() = std::move(f);
  auto fill = [](const std::map<std::string, int64_t>& counts,
                 google::protobuf::RepeatedPtrField<gw::Count>* dst) {
    for (const auto& [key, n] : counts) {
      gw::Count* c = dst->Add();
      c->set_key(key);
      c->set_count(static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX)));
    }
  };
  fill(counts.by_domain, out->mutable_events_by_domain());
  fill(counts.by_kind, out->mutable_events_by_kind());
  fill(institutions_by_kind, out->mutable_institutions_by_kind());
}

void ComposeOverview(const std::vector<dyad::events::v1::Event>& events,
                     const std::vector<dyad::institutions::v1::Institution>& institutions,
                     std::vector<gw::HeadlineFigure> figures, gw::GetOverviewResponse* out) {
  ComposeOverview(events, CountsOf(events), institutions, std::move(figures), out);
}

}  // namespace dyad::gateway
